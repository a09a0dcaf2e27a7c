/**
 * A large platform as records in etcd, for scale tests and benchmarks: simulated runners (runner
 * records on one lease, no processes), channels uploaded and started, and — once the real
 * controller has placed them — a status record for every placement, as the runners would write.
 */
import {
  digestOf,
  type PlacementRecord,
  placementRecordSchema,
  type StatusRecord,
} from '@drover/cluster-state';
import type { LeaseHandle, Store } from '@drover/store';

export async function simulateRunners(store: Store, lease: LeaseHandle, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `sim-runner-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 100) {
    await Promise.all(
      names.slice(i, i + 100).map((name) =>
        store.put(
          store.layout.runner(name),
          {
            name,
            cluster: 'common',
            tags: [name],
            capacity: {},
            version: 'simulated',
            startedAt: new Date().toISOString(),
          },
          { lease: lease.id },
        ),
      ),
    );
  }
  return names;
}

/** `channels` channels of `apps` applications with `instances` instances each, started. */
export async function simulateChannels(
  store: Store,
  tenant: string,
  channels: number,
  apps: number,
  instances: number,
): Promise<string[]> {
  const names: string[] = [];
  for (let c = 0; c < channels; c++) {
    const channel = `ch${String(c).padStart(3, '0')}`;
    names.push(channel);
    const structure = `version: "6.0"\napplications:\n${Array.from(
      { length: apps },
      (_, a) => `  - name: app${a}
    runtime: shiva
    cluster: common
    command: punchlinectl
    args: [start, --punchline, p.yaml]
    instances: ${instances}
`,
    ).join('')}`;
    const files = { 'channel_structure.yaml': structure, 'p.yaml': 'dag: []\n' };
    await store.put(store.layout.channelSpec(tenant, channel), {
      files,
      digest: digestOf(files),
      uploadedAt: new Date().toISOString(),
    });
    await store.put(store.layout.channelDesired(tenant, channel), {
      state: 'started',
      generation: 1,
      reload: 0,
      updatedAt: new Date().toISOString(),
    });
  }
  return names;
}

export async function placements(store: Store): Promise<PlacementRecord[]> {
  const { items } = await store.list(store.layout.placements(), (raw) => placementRecordSchema.parse(raw));
  return items.map((i) => i.value);
}

export function statusOf(p: PlacementRecord, patch: Partial<StatusRecord> = {}): StatusRecord {
  return {
    tenant: p.tenant,
    channel: p.channel,
    app: p.app,
    index: p.index,
    runner: p.runner,
    digest: p.digest,
    state: 'running',
    pid: 10_000 + p.index,
    restarts: 0,
    lastExit: null,
    since: new Date().toISOString(),
    reason: null,
    nextAttemptAt: null,
    oomKills: 0,
    memoryLimitBytes: 512 * 1024 * 1024,
    memoryEnforcement: 'cgroup2',
    lastRunAt: null,
    nextRunAt: null,
    skippedRuns: 0,
    readyAt: new Date().toISOString(),
    ...patch,
  };
}

/** Writes a status for each placement (on the runners' lease), 100 at a time. */
export async function reportStatuses(
  store: Store,
  lease: LeaseHandle,
  list: readonly PlacementRecord[],
  patch: (p: PlacementRecord) => Partial<StatusRecord> = () => ({}),
): Promise<number> {
  let revision = 0;
  for (let i = 0; i < list.length; i += 100) {
    const revs = await Promise.all(
      list
        .slice(i, i + 100)
        .map((p) => store.put(store.layout.status(p), statusOf(p, patch(p)), { lease: lease.id })),
    );
    revision = Math.max(revision, ...revs);
  }
  return revision;
}
