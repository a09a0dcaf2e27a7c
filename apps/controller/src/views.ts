/** API views from the cache (which mirrors etcd): the same answer on leader and standbys. */
import {
  type ChannelView,
  channelView,
  type PlacementRecord,
  type RunnerView,
  runnerView,
  type StatusRecord,
} from '@drover/cluster-state';
import type { ClusterCache } from './cluster-cache.js';

interface ChannelRecordsIndex {
  readonly placements: ReadonlyMap<string, PlacementRecord[]>;
  readonly statuses: ReadonlyMap<string, StatusRecord[]>;
}

/** Placements and statuses grouped by `tenant/channel`, in one pass over each. */
function byChannel(cache: ClusterCache): ChannelRecordsIndex {
  const group = <T extends { tenant: string; channel: string }>(records: Iterable<T>) => {
    const map = new Map<string, T[]>();
    for (const r of records) {
      const key = `${r.tenant}/${r.channel}`;
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
  const placements = index.placements.get(`${tenant}/${channel}`) ?? [];
  const statuses = index.statuses.get(`${tenant}/${channel}`) ?? [];
  const structure = spec?.structure;
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
    placements,
    statuses,
    pending: cache.pendingOf(tenant, channel),
    resources: [...cache.resources]
      .filter(([key]) => key.startsWith(cache.layout.resources(tenant, channel)))
      .map(([, r]) => r),
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
export function runnerOf(
  cache: ClusterCache,
  tenant: string,
  channel: string,
  app: string,
  index: number,
): string | undefined {
  const ref = { tenant, channel, app, index };
  const status = cache.statuses.get(cache.layout.status(ref));
  if (status !== undefined) return status.runner;
  for (const p of cache.placements.values()) {
    if (p.tenant === tenant && p.channel === channel && p.app === app && p.index === index) return p.runner;
  }
  return undefined;
}
