/**
 * What the HTTP API answers and `channelctl --json` prints: views joined from the records, built
 * by pure functions so leader and standbys (and tests) compute the same answer from etcd alone.
 */
import { z } from 'zod';
import {
  type DesiredRecord,
  desiredStateSchema,
  instanceStateSchema,
  lastExitSchema,
  memoryEnforcementSchema,
  type PendingRecord,
  type PlacementRecord,
  type ResourceRecord,
  type RolloutRecord,
  type RunnerRecord,
  resourceStateSchema,
  resourceTypeSchema,
  rolloutStateSchema,
  type StatusRecord,
} from './records.js';

export const instanceViewSchema = z.object({
  index: z.number().int(),
  runner: z.string().nullable(),
  state: instanceStateSchema,
  pid: z.number().int().nullable(),
  restarts: z.number().int(),
  lastExit: lastExitSchema.nullable(),
  reason: z.string().nullable(),
  since: z.string().nullable(),
  oomKills: z.number().int(),
  memoryLimitBytes: z.number().int().nullable(),
  /** cgroup2, cgroup1 or watchdog: how the limit is enforced on the instance's runner, now. */
  memoryEnforcement: memoryEnforcementSchema.nullable(),
  lastRunAt: z.string().nullable(),
  nextRunAt: z.string().nullable(),
  /**
   * Whether it is placed with what its application should run now (false while a rolling update
   * has not reached it; null when it is not placed).
   */
  upToDate: z.boolean().nullable(),
});
export type InstanceView = z.infer<typeof instanceViewSchema>;

export const applicationViewSchema = z.object({
  name: z.string(),
  cluster: z.string(),
  tags: z.array(z.string()),
  command: z.string(),
  instances: z.array(instanceViewSchema),
});
export type ApplicationView = z.infer<typeof applicationViewSchema>;

export const resourceViewSchema = z.object({
  type: resourceTypeSchema,
  name: z.string(),
  cluster: z.string(),
  state: resourceStateSchema,
  error: z.string().nullable(),
});
export type ResourceView = z.infer<typeof resourceViewSchema>;

export const rolloutViewSchema = z.object({
  state: rolloutStateSchema,
  /** The applications rolled, in order, and the one being rolled (or that stopped it). */
  applications: z.array(z.string()),
  application: z.string().nullable(),
  updated: z.number().int(),
  total: z.number().int(),
  reason: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /**
   * Whether it brings the applications to what the channel should run now; false right after a
   * change or a reload, until the leader starts the rollout for it.
   */
  current: z.boolean(),
});
export type RolloutView = z.infer<typeof rolloutViewSchema>;

export const channelViewSchema = z.object({
  tenant: z.string(),
  channel: z.string(),
  desired: desiredStateSchema,
  generation: z.number().int(),
  /** Digest of the uploaded files, null when the channel was never uploaded. */
  specDigest: z.string().nullable(),
  applications: z.array(applicationViewSchema),
  resources: z.array(resourceViewSchema),
  /** The last rolling update of a started channel (a change or a reload), null when none. */
  rollout: rolloutViewSchema.nullable(),
});
export type ChannelView = z.infer<typeof channelViewSchema>;

export const channelSummarySchema = z.object({
  tenant: z.string(),
  channel: z.string(),
  desired: desiredStateSchema,
  applications: z.number().int(),
  instances: z.record(z.string(), z.number().int()),
});
export type ChannelSummary = z.infer<typeof channelSummarySchema>;

export const runnerViewSchema = z.object({
  name: z.string(),
  cluster: z.string(),
  tags: z.array(z.string()),
  capacity: z.object({ memoryBytes: z.number().int().optional() }),
  version: z.string(),
  startedAt: z.string(),
  api: z.string().nullable(),
  memoryEnforcement: z.string().nullable(),
  instances: z.number().int(),
});
export type RunnerView = z.infer<typeof runnerViewSchema>;

/** The application part of a channel the view needs (from its parsed structure). */
export interface ApplicationOutline {
  readonly name: string;
  readonly cluster: string;
  readonly tags: readonly string[];
  readonly command: string;
  readonly instances: number;
}

export interface ResourceOutline {
  readonly type: ResourceView['type'];
  readonly name: string;
  readonly cluster: string;
}

export interface ChannelRecords {
  readonly tenant: string;
  readonly channel: string;
  /** Undefined when the channel was never uploaded (or its spec no longer parses). */
  readonly applications: readonly ApplicationOutline[] | undefined;
  readonly declaredResources: readonly ResourceOutline[];
  readonly specDigest: string | undefined;
  readonly desired: DesiredRecord | undefined;
  readonly placements: readonly PlacementRecord[];
  readonly statuses: readonly StatusRecord[];
  readonly pending: PendingRecord | undefined;
  readonly resources: readonly ResourceRecord[];
  readonly rollout?: RolloutRecord | undefined;
  /** Per application, the placement digest it should run now (to tell outdated instances). */
  readonly targets?: ReadonlyMap<string, string>;
}

const instanceKey = (app: string, index: number) => `${app}/${index}`;

function byInstance<T extends { app: string; index: number }>(records: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of records) {
    const key = instanceKey(r.app, r.index);
    const list = map.get(key);
    if (list === undefined) map.set(key, [r]);
    else list.push(r);
  }
  return map;
}

function instanceView(
  index: number,
  started: boolean,
  placement: PlacementRecord | undefined,
  statuses: readonly StatusRecord[],
  pendingReason: string | undefined,
  target: string | undefined,
): InstanceView {
  const upToDate = placement === undefined || target === undefined ? null : placement.digest === target;
  const base = {
    upToDate,
    index,
    pid: null,
    restarts: 0,
    lastExit: null,
    since: null,
    oomKills: 0,
    memoryLimitBytes: placement?.memoryLimitBytes ?? null,
    memoryEnforcement: null,
    lastRunAt: null,
    nextRunAt: null,
  };
  if (!started) {
    // Stopped: whatever still reports is on its way down.
    const still = statuses.find((s) => s.state !== 'stopped');
    if (still === undefined) return { ...base, runner: null, state: 'stopped', reason: null };
    return {
      ...base,
      runner: still.runner,
      state: 'stopping',
      pid: still.pid,
      restarts: still.restarts,
      lastExit: still.lastExit,
      since: still.since,
      oomKills: still.oomKills,
      memoryEnforcement: still.memoryEnforcement,
      reason: `stopping on runner ${still.runner}`,
    };
  }
  if (placement === undefined) {
    return {
      ...base,
      runner: null,
      state: 'pending',
      reason: pendingReason ?? 'waiting for the leader to place it',
    };
  }
  const status = statuses.find((s) => s.runner === placement.runner && s.digest === placement.digest);
  if (status === undefined) {
    return {
      ...base,
      runner: placement.runner,
      state: 'starting',
      reason: `placed on runner ${placement.runner}, not reported yet`,
    };
  }
  return {
    index,
    upToDate,
    runner: status.runner,
    state: status.state,
    pid: status.pid,
    restarts: status.restarts,
    lastExit: status.lastExit,
    since: status.since,
    reason: status.reason,
    oomKills: status.oomKills,
    memoryLimitBytes: status.memoryLimitBytes,
    memoryEnforcement: status.memoryEnforcement,
    lastRunAt: status.lastRunAt,
    nextRunAt: status.nextRunAt,
  };
}

/** The channel as the API shows it: desired state, every instance with its runner and state. */
export function channelView(records: ChannelRecords): ChannelView {
  const started = records.desired?.state === 'started';
  const placements = byInstance(records.placements);
  const statuses = byInstance(records.statuses);
  const pending = new Map(
    (records.pending?.instances ?? []).map((p) => [instanceKey(p.app, p.index), p.reason]),
  );

  const outlines: ApplicationOutline[] =
    records.applications !== undefined
      ? [...records.applications]
      : outlinesFromPlacements(records.placements, records.statuses);

  const applications = outlines.map((app) => {
    const count = Math.max(app.instances, 0);
    const instances: InstanceView[] = [];
    for (let index = 0; index < count; index++) {
      const key = instanceKey(app.name, index);
      instances.push(
        instanceView(
          index,
          started,
          placements.get(key)?.[0],
          statuses.get(key) ?? [],
          pending.get(key),
          records.targets?.get(app.name),
        ),
      );
    }
    return { name: app.name, cluster: app.cluster, tags: [...app.tags], command: app.command, instances };
  });

  const id = (r: ResourceOutline) => `${r.type}/${r.cluster}/${r.name}`;
  const recorded = new Map(records.resources.map((r) => [id(r), r]));
  const resources: ResourceView[] = records.declaredResources.map((d) => {
    const r = recorded.get(id(d));
    return {
      type: d.type,
      name: d.name,
      cluster: d.cluster,
      state: r?.state ?? 'pending',
      error: r?.error ?? null,
    };
  });

  return {
    tenant: records.tenant,
    channel: records.channel,
    desired: started ? 'started' : 'stopped',
    generation: records.desired?.generation ?? 0,
    specDigest: records.specDigest ?? null,
    applications,
    resources,
    rollout:
      started && records.rollout !== undefined
        ? {
            state: records.rollout.state,
            applications: records.rollout.apps,
            application: records.rollout.app,
            updated: records.rollout.updated,
            total: records.rollout.total,
            reason: records.rollout.reason,
            startedAt: records.rollout.startedAt,
            finishedAt: records.rollout.finishedAt,
            current: isCurrent(records.rollout, records.targets),
          }
        : null,
  };
}

function isCurrent(rollout: RolloutRecord, targets: ReadonlyMap<string, string> | undefined): boolean {
  if (targets === undefined) return true;
  return [...targets].every(([app, digest]) => rollout.targets[app] === digest);
}

function outlinesFromPlacements(
  placements: readonly PlacementRecord[],
  statuses: readonly StatusRecord[],
): ApplicationOutline[] {
  const apps = new Map<string, { instances: number; command: string }>();
  for (const r of [...placements, ...statuses]) {
    const seen = apps.get(r.app);
    const command = 'command' in r ? r.command : (seen?.command ?? '');
    apps.set(r.app, { instances: Math.max(seen?.instances ?? 0, r.index + 1), command });
  }
  return [...apps].map(([name, a]) => ({
    name,
    cluster: '',
    tags: [],
    command: a.command,
    instances: a.instances,
  }));
}

export function summarise(view: ChannelView): ChannelSummary {
  const instances: Record<string, number> = {};
  for (const app of view.applications) {
    for (const i of app.instances) instances[i.state] = (instances[i.state] ?? 0) + 1;
  }
  return {
    tenant: view.tenant,
    channel: view.channel,
    desired: view.desired,
    applications: view.applications.length,
    instances,
  };
}

/**
 * True when every instance of a started channel runs what it should run now, and no rolling
 * update is in progress (what `channelctl start --wait` waits for).
 */
export function allRunning(view: ChannelView): boolean {
  return (
    view.desired === 'started' &&
    view.rollout?.state !== 'progressing' &&
    view.applications.every((a) => a.instances.every((i) => i.state === 'running' && i.upToDate !== false))
  );
}

/** True when a stopped channel has nothing left running anywhere. */
export function allStopped(view: ChannelView): boolean {
  return (
    view.desired === 'stopped' &&
    view.applications.every((a) => a.instances.every((i) => i.state === 'stopped'))
  );
}

export function runnerView(record: RunnerRecord, instances: number): RunnerView {
  return {
    name: record.name,
    cluster: record.cluster,
    tags: record.tags,
    capacity: record.capacity,
    version: record.version,
    startedAt: record.startedAt,
    api: record.api ?? null,
    memoryEnforcement: record.memoryEnforcement ?? null,
    instances,
  };
}
