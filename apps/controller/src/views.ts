/**
 * API views from the cache (which mirrors etcd): the same answer on leader and standbys. The
 * `cacheReader` is what the API's read routes are given (api/ports.ts).
 */
import { channelRef, type InstanceRef } from '@drover/channel-model';
import {
  type ChannelView,
  channelView,
  type PlacementRecord,
  type RunnerView,
  runnerView,
  type StatusRecord,
} from '@drover/cluster-state';
import type { LiveSource } from './api/ports.js';
import type { ClusterCache } from './cluster-cache.js';
import { applicationDigest } from './targets.js';

interface ChannelRecordsIndex {
  readonly placements: ReadonlyMap<string, PlacementRecord[]>;
  readonly statuses: ReadonlyMap<string, StatusRecord[]>;
}

/** Placements and statuses grouped by `tenant/channel`, in one pass over each. */
function byChannel(cache: ClusterCache): ChannelRecordsIndex {
  const group = <T extends { tenant: string; channel: string }>(records: Iterable<T>) => {
    const map = new Map<string, T[]>();
    for (const r of records) {
      const key = channelRef(r);
      const list = map.get(key);
      if (list === undefined) map.set(key, [r]);
      else list.push(r);
    }
    return map;
  };
  return { placements: group(cache.placements.values()), statuses: group(cache.statuses.values()) };
}

export function channelViewOf(
  cache: ClusterCache,
  tenant: string,
  channel: string,
  index: ChannelRecordsIndex = byChannel(cache),
): ChannelView | undefined {
  const spec = cache.spec(tenant, channel);
  const desired = cache.desiredOf(tenant, channel);
  if (spec === undefined && desired === undefined) return undefined;
  const ck = channelRef({ tenant, channel });
  const structure = spec?.structure;
  const targets =
    structure === undefined || desired === undefined
      ? undefined
      : new Map(
          structure.applications.map((a) => [
            a.name,
            applicationDigest(a, spec?.ownFiles.get(a.name) ?? {}, desired),
          ]),
        );
  return channelView({
    tenant,
    channel,
    applications: structure?.applications.map((a) => ({
      name: a.name,
      cluster: a.cluster,
      tags: a.shiva_runner_tags,
      command: a.command,
      instances: a.instances,
    })),
    declaredResources: structure?.resources ?? [],
    specDigest: spec?.record.digest,
    desired,
    placements: index.placements.get(ck) ?? [],
    statuses: index.statuses.get(ck) ?? [],
    pending: cache.pendingOf(tenant, channel),
    resources: [...cache.resources]
      .filter(([key]) => key.startsWith(cache.layout.resources(tenant, channel)))
      .map(([, r]) => r),
    rollout: cache.rolloutOf(tenant, channel),
    targets,
  });
}

/** Every channel's view, grouping the records once (not once per channel). */
export function channelViews(cache: ClusterCache): ChannelView[] {
  const index = byChannel(cache);
  return cache
    .channels()
    .flatMap(({ tenant, channel }) => channelViewOf(cache, tenant, channel, index) ?? []);
}

export function runnerViews(cache: ClusterCache): RunnerView[] {
  const counts = new Map<string, number>();
  for (const p of cache.placements.values()) counts.set(p.runner, (counts.get(p.runner) ?? 0) + 1);
  return [...cache.runners.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => runnerView(r, counts.get(r.name) ?? 0));
}

/** The runner an instance runs on (as it reports), else the one it is placed on. */
export function runnerOf(cache: ClusterCache, ref: InstanceRef): string | undefined {
  const status = cache.statuses.get(cache.layout.status(ref));
  if (status !== undefined) return status.runner;
  for (const p of cache.placements.values()) {
    if (p.tenant === ref.tenant && p.channel === ref.channel && p.app === ref.app && p.index === ref.index) {
      return p.runner;
    }
  }
  return undefined;
}

/** The read side of the API over the cache, followed live by the console's stream. */
export function cacheReader(cache: ClusterCache): LiveSource {
  return {
    get synced() {
      return cache.synced;
    },
    get connected() {
      return cache.connected;
    },
    get revision() {
      return cache.revision;
    },
    onChange: (listener) => cache.onChange(listener),
    seenWithin: (revision, timeoutMs) => cache.seen(revision, timeoutMs),
    runnerLeases: () => cache.runnerLeases,
    runners: () => runnerViews(cache),
    channels: () => channelViews(cache),
    channel: (ref) => channelViewOf(cache, ref.tenant, ref.channel),
    instanceRunner: (ref) => {
      const name = runnerOf(cache, ref);
      return name === undefined ? undefined : { name, api: cache.runners.get(name)?.api };
    },
    seen: (revision) => cache.seen(revision),
  };
}
