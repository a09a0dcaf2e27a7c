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

export function channelViewOf(cache: ClusterCache, tenant: string, channel: string): ChannelView | undefined {
  const spec = cache.spec(tenant, channel);
  const desired = cache.desiredOf(tenant, channel);
  if (spec === undefined && desired === undefined) return undefined;
  const placements: PlacementRecord[] = [];
  for (const p of cache.placements.values())
    if (p.tenant === tenant && p.channel === channel) placements.push(p);
  const statuses: StatusRecord[] = [];
  for (const s of cache.statuses.values()) if (s.tenant === tenant && s.channel === channel) statuses.push(s);
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
