/**
 * Rolling updates, one pure step per reconcile of a channel: given the target placement digest
 * of each application, where each placed instance stands (its placement digest, its status) and
 * the rollout record in etcd, which instances restart now and what the record becomes.
 *
 * Rules (after Nomad's `update` block and Kubernetes' rolling updates):
 * - An instance is *outdated* when its placement's digest is not its application's target, and
 *   *healthy* when its runner reports it `running` with the target digest and *ready* (it serves:
 *   punchlinectl's inputs listen) since at least `min_healthy_time` (the runner's `readyAt`).
 * - A rollout starts when targets change and some instance is outdated; it covers the
 *   applications that had outdated instances then, rolled one after another in the order of the
 *   channel structure: the next application starts only when every placed instance of the
 *   previous one is up to date and healthy. So the two receivers of an HA pair are never down
 *   together because of a change or a reload.
 * - Within an application, at most `max_parallel` instances are restarting or unhealthy at a
 *   time; instances already down go first, then by index.
 * - Progress (an instance restarted, or one more found healthy) resets the deadline; with none
 *   for `progress_deadline`, the rollout stops: `failed`, with the reason, and stays so (outdated
 *   instances keep their version) until the targets change again (a new upload or a reload).
 * - Placing a missing instance or moving one off a lost runner is not a rollout matter: the
 *   plan writes it with the target at once.
 *
 * The record lives in etcd (`rollouts/<tenant>/<channel>`), so a new leader continues the same
 * rollout with the same deadline.
 */
import type { UpdatePolicy } from '@drover/channel-model';
import { type RolloutRecord, type StatusRecord, stableJson } from '@drover/cluster-state';

export interface RolloutApplication {
  readonly name: string;
  /** The placement digest the application's instances are brought to. */
  readonly target: string;
  readonly update: UpdatePolicy;
}

/** A placed instance (an assignment of the plan) and where it stands. */
export interface RolloutInstance {
  readonly app: string;
  readonly index: number;
  readonly runner: string;
  /** Digest of its placement record now; undefined when the plan places or moves it anew. */
  readonly digest: string | undefined;
  /** What its runner reports, if anything. */
  readonly status: StatusRecord | undefined;
}

export interface RolloutInput {
  readonly now: number;
  /** In the order of the channel structure. */
  readonly applications: readonly RolloutApplication[];
  readonly instances: readonly RolloutInstance[];
  readonly record: RolloutRecord | undefined;
}

export interface RolloutStep {
  /** `app#index` of outdated instances to restart now with their target. */
  readonly restart: ReadonlySet<string>;
  /** The record as it should be in etcd (undefined: there is none). */
  readonly record: RolloutRecord | undefined;
  /** When to look again even if nothing changes (a min_healthy_time or a deadline to pass). */
  readonly requeueAfterMs: number | undefined;
}

export const instanceKey = (app: string, index: number) => `${app}#${index}`;

const iso = (ms: number) => new Date(ms).toISOString();

function human(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

interface Standing {
  readonly instance: RolloutInstance;
  readonly upToDate: boolean;
  readonly healthy: boolean;
  /** When it becomes healthy if it keeps running (ms), when it is running but not long enough. */
  readonly healthyAt: number | undefined;
}

function standing(i: RolloutInstance, app: RolloutApplication, now: number): Standing {
  const upToDate = i.digest === undefined || i.digest === app.target;
  const s = i.status;
  const running = upToDate && s?.runner === i.runner && s.digest === app.target && s.state === 'running';
  // Health counts from readiness (it serves), not from the process start.
  const since = running && s?.readyAt != null ? Date.parse(s.readyAt) : Number.NaN;
  const healthyAt = Number.isFinite(since) ? since + app.update.min_healthy_time : undefined;
  const healthy = healthyAt !== undefined && healthyAt <= now;
  return { instance: i, upToDate, healthy, healthyAt: healthy ? undefined : healthyAt };
}

function describe(s: Standing, target: string): string {
  const i = s.instance;
  const status = i.status;
  const where = `${i.app}[${i.index}] on ${i.runner}`;
  if (status === undefined || status.digest !== target || status.runner !== i.runner) {
    return `${where} not reported running since its restart`;
  }
  if (status.state === 'running' && status.readyAt === null) return `${where} is running but not ready`;
  return `${where} is ${status.state}${status.reason === null ? '' : ` (${status.reason})`}`;
}

const NONE: ReadonlySet<string> = new Set();

export function rolloutStep(input: RolloutInput): RolloutStep {
  const { now } = input;
  const targets = Object.fromEntries(input.applications.map((a) => [a.name, a.target]));
  const byApp = new Map<string, Standing[]>();
  for (const app of input.applications) byApp.set(app.name, []);
  const appOf = new Map(input.applications.map((a) => [a.name, a]));
  for (const i of input.instances) {
    const app = appOf.get(i.app);
    if (app !== undefined) byApp.get(app.name)?.push(standing(i, app, now));
  }
  const outdated = (name: string) => (byApp.get(name) ?? []).filter((s) => !s.upToDate);

  let record = input.record;
  const sameTargets = record !== undefined && stableJson(record.targets) === stableJson(targets);
  if (!sameTargets) {
    const apps = input.applications.filter((a) => outdated(a.name).length > 0).map((a) => a.name);
    // Nothing to roll (the channel just started, or every instance was placed anew).
    if (apps.length === 0) return { restart: NONE, record, requeueAfterMs: undefined };
    record = {
      state: 'progressing',
      targets,
      apps,
      app: apps[0] ?? null,
      updated: 0,
      total: 0,
      reason: null,
      startedAt: iso(now),
      progressAt: iso(now),
      finishedAt: null,
    };
  }
  if (record === undefined || record.state !== 'progressing') {
    return { restart: NONE, record, requeueAfterMs: undefined };
  }

  const inRollout = input.applications.filter((a) => record.apps.includes(a.name));
  const total = inRollout.reduce((n, a) => n + (byApp.get(a.name)?.length ?? 0), 0);
  const updated = inRollout.reduce(
    (n, a) => n + (byApp.get(a.name) ?? []).filter((s) => s.upToDate && s.healthy).length,
    0,
  );

  const restart = new Set<string>();
  let step: RolloutApplication | undefined;
  let waitingFor: Standing[] = [];
  for (const app of inRollout) {
    const all = byApp.get(app.name) ?? [];
    const stale = all.filter((s) => !s.upToDate);
    const unhealthy = all.filter((s) => s.upToDate && !s.healthy);
    if (stale.length === 0 && unhealthy.length === 0) continue;
    step = app;
    const slots = app.update.max_parallel - unhealthy.length;
    const order = [...stale].sort(
      (a, b) =>
        Number(isRunning(a.instance)) - Number(isRunning(b.instance)) || a.instance.index - b.instance.index,
    );
    for (const s of order.slice(0, Math.max(0, slots))) restart.add(instanceKey(app.name, s.instance.index));
    waitingFor = [...unhealthy, ...order.filter((s) => restart.has(instanceKey(app.name, s.instance.index)))];
    break;
  }

  const progressed = restart.size > 0 || updated > record.updated;
  const progressAt = progressed ? now : Date.parse(record.progressAt);
  if (step === undefined) {
    return {
      restart,
      record: {
        ...record,
        state: 'complete',
        app: null,
        updated,
        total,
        reason: null,
        progressAt: iso(progressAt),
        finishedAt: iso(now),
      },
      requeueAfterMs: undefined,
    };
  }
  const deadline = progressAt + step.update.progress_deadline;
  if (!progressed && now >= deadline) {
    const why = waitingFor.map((s) => describe(s, step.target)).join('; ');
    return {
      restart: NONE,
      record: {
        ...record,
        state: 'failed',
        app: step.name,
        updated,
        total,
        reason: `no progress for ${human(step.update.progress_deadline)}: ${why}`,
        finishedAt: iso(now),
      },
      requeueAfterMs: undefined,
    };
  }
  const wakeUps = [deadline, ...waitingFor.flatMap((s) => (s.healthyAt === undefined ? [] : [s.healthyAt]))];
  return {
    restart,
    record: { ...record, app: step.name, updated, total, progressAt: iso(progressAt) },
    requeueAfterMs: Math.max(0, Math.min(...wakeUps) - now) + 10,
  };
}

function isRunning(i: RolloutInstance): boolean {
  return i.status?.state === 'running' && i.status.runner === i.runner;
}
