/**
 * The records Drover keeps in etcd (key layout in libs/store/src/keys.ts), one zod schema each:
 * the schema validates what is read back and gives the type. Every record is JSON.
 *
 * | record      | key                                              | written by        |
 * |-------------|--------------------------------------------------|-------------------|
 * | runner      | runners/<runner>                                 | runner, on lease  |
 * | spec        | channels/<tenant>/<channel>/spec                 | API               |
 * | version     | channels/<tenant>/<channel>/versions/<digest>    | API (leader: GC)  |
 * | desired     | channels/<tenant>/<channel>/desired              | API               |
 * | placement   | placements/<runner>/<tenant>/<channel>/<app>/<i> | leader, fenced    |
 * | status      | status/<tenant>/<channel>/<app>/<i>              | runner, on lease  |
 * | pending     | pending/<tenant>/<channel>                       | leader, fenced    |
 * | resource    | resources/<tenant>/<channel>/<name>              | leader, fenced    |
 * | rollout     | rollouts/<tenant>/<channel>                      | leader, fenced    |
 * | audit entry | audit/<time>-<random> (schema in audit.ts)       | API; leader purge |
 */
import { RESOURCE_TYPES } from '@drover/channel-model';
import { z } from 'zod';

const name = z.string().min(1);
const isoTime = z.string().min(1);

export const runnerRecordSchema = z.object({
  name,
  cluster: name,
  /** Always includes the runner's own name. */
  tags: z.array(name),
  capacity: z.object({ memoryBytes: z.number().int().positive().optional() }).default({}),
  version: z.string(),
  startedAt: isoTime,
  /** The runner's own HTTP address (`http://host:port`), for operators and the API. */
  api: z.string().optional(),
  pid: z.number().int().optional(),
  /** How the runner enforces memory limits (cgroup v2, cgroup v1, watchdog, none). */
  memoryEnforcement: z.string().optional(),
});
export type RunnerRecord = z.infer<typeof runnerRecordSchema>;

/**
 * A channel as uploaded: every file of its directory by relative path (text as is, other files
 * base64 in `binaryFiles`), and their digest. The same record keeps an older upload under
 * `versions/<digest>` while placements still run it, so a runner can always write exactly the
 * files an instance was placed with.
 */
export const channelSpecSchema = z.object({
  files: z.record(z.string(), z.string()),
  binaryFiles: z.record(z.string(), z.string()).default({}),
  digest: z.string(),
  uploadedAt: isoTime,
});
export type ChannelSpecRecord = z.infer<typeof channelSpecSchema>;

export const desiredStateSchema = z.enum(['started', 'stopped']);
export type DesiredState = z.infer<typeof desiredStateSchema>;

/**
 * What the operator asked for. `generation` counts every change; `reload` counts reloads: it is
 * part of the placement digest of every application with `reload_action: kill_then_start`, so
 * bumping it rolls their instances (one at a time, see the rollout record).
 */
export const desiredRecordSchema = z.object({
  state: desiredStateSchema,
  generation: z.number().int().min(0),
  reload: z.number().int().min(0).default(0),
  updatedAt: isoTime,
});
export type DesiredRecord = z.infer<typeof desiredRecordSchema>;

export const restartPolicySchema = z.object({
  initialMs: z.number().int().min(0).optional(),
  maxMs: z.number().int().min(0).optional(),
  resetAfterMs: z.number().int().min(0).optional(),
  maxRestarts: z.number().int().min(0).optional(),
});
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/** One instance assigned to one runner: everything the runner needs except the files. */
export const placementRecordSchema = z.object({
  tenant: name,
  channel: name,
  app: name,
  index: z.number().int().min(0),
  runner: name,
  command: name,
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()).default({}),
  memoryLimitBytes: z.number().int().positive().optional(),
  restart: restartPolicySchema.optional(),
  schedule: z.string().optional(),
  /**
   * The upload whose files the runner writes into the work directory (all of them): the
   * current `spec`, or `versions/<specDigest>` while a rollout has not reached this instance.
   */
  specDigest: z.string(),
  /**
   * Changes whenever the instance must be (re)started: the application, its own files, a reload.
   * A change of `specDigest` alone (other applications' files) restarts nothing.
   */
  digest: z.string(),
});
export type PlacementRecord = z.infer<typeof placementRecordSchema>;

export const instanceStateSchema = z.enum([
  'pending',
  'starting',
  'running',
  'backoff',
  'stopping',
  'stopped',
  'failed',
]);
export type InstanceState = z.infer<typeof instanceStateSchema>;

/**
 * How an instance's memory limit is enforced for its current run (libs/supervisor memory.ts):
 * its cgroup (v2 `memory.max`, v1 `memory.limit_in_bytes`), or the runner's RSS watchdog, also
 * when the runner's cgroups are in use but the child could not be moved into its own.
 */
export const memoryEnforcementSchema = z.enum(['cgroup2', 'cgroup1', 'watchdog']);
export type MemoryEnforcement = z.infer<typeof memoryEnforcementSchema>;

export const lastExitSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** `exited`, `signal`, `oom`, `spawn-error`, `stopped`. */
  reason: z.string(),
  at: isoTime,
  message: z.string().optional(),
});
export type LastExit = z.infer<typeof lastExitSchema>;

export const statusRecordSchema = z.object({
  tenant: name,
  channel: name,
  app: name,
  index: z.number().int().min(0),
  runner: name,
  /** The placement digest this status is about. */
  digest: z.string(),
  state: instanceStateSchema,
  pid: z.number().int().nullable(),
  restarts: z.number().int().min(0),
  lastExit: lastExitSchema.nullable(),
  since: isoTime,
  reason: z.string().nullable().default(null),
  nextAttemptAt: isoTime.nullable().default(null),
  /** Kills for memory (kernel OOM in the instance's cgroup, or the runner's watchdog). */
  oomKills: z.number().int().min(0).default(0),
  memoryLimitBytes: z.number().int().positive().nullable().default(null),
  /** How that limit is enforced now; null when not running or without a limit. */
  memoryEnforcement: memoryEnforcementSchema.nullable().default(null),
  /** Scheduled applications: the last run's start, the next tick, ticks skipped (run still going). */
  lastRunAt: isoTime.nullable().default(null),
  nextRunAt: isoTime.nullable().default(null),
  skippedRuns: z.number().int().min(0).default(0),
  /**
   * While running: since when it serves (punchlinectl: its inputs listen; a command without a
   * readiness signal: since it runs). Null while not ready. Rolling updates count health from it.
   */
  readyAt: isoTime.nullable().default(null),
});
export type StatusRecord = z.infer<typeof statusRecordSchema>;

export const pendingInstanceSchema = z.object({
  app: name,
  index: z.number().int().min(0),
  reason: z.string(),
});
export type PendingInstanceRecord = z.infer<typeof pendingInstanceSchema>;

/** Why the leader could not place some instances of a channel (absent when all are placed). */
export const pendingRecordSchema = z.object({ instances: z.array(pendingInstanceSchema) });
export type PendingRecord = z.infer<typeof pendingRecordSchema>;

/**
 * A resource's state: `pending` (not ensured yet), `created`, `present` (there and as declared),
 * `updated` (an index template with `overwrite: true` replaced), `mismatch` (there but not as
 * declared: reported, never altered), `error` (could not be ensured; tried again).
 */
export const resourceStateSchema = z.enum(['pending', 'created', 'present', 'updated', 'mismatch', 'error']);
export type ResourceState = z.infer<typeof resourceStateSchema>;

export const resourceTypeSchema = z.enum(RESOURCE_TYPES);

/** A channel resource's state: a Kafka topic or an index template of a search cluster. */
export const resourceRecordSchema = z.object({
  type: resourceTypeSchema,
  name,
  cluster: name,
  state: resourceStateSchema,
  error: z.string().nullable(),
  /** Digest of the declaration this state is about; a changed declaration is ensured again. */
  declaration: z.string(),
  checkedAt: isoTime,
});
export type ResourceRecord = z.infer<typeof resourceRecordSchema>;

export const rolloutStateSchema = z.enum(['progressing', 'complete', 'failed']);
export type RolloutState = z.infer<typeof rolloutStateSchema>;

/**
 * A channel's rolling update (written by the leader, so a new leader continues it). Changed
 * applications are rolled one after another, in the order of the channel structure; within one,
 * at most `max_parallel` instances restart at a time, the next only once those run again for
 * `min_healthy_time`. With no progress for `progress_deadline`, the rollout stops (`failed`,
 * with the reason) until the next change or reload.
 */
export const rolloutRecordSchema = z.object({
  state: rolloutStateSchema,
  /** The placement digest each application is brought to. */
  targets: z.record(z.string(), z.string()),
  /** The applications it rolls (those with outdated instances when it started), in order. */
  apps: z.array(z.string()),
  /** The application being rolled (progressing) or that stopped the rollout (failed). */
  app: z.string().nullable(),
  /** Instances brought to their target so far, out of the placed instances to bring. */
  updated: z.number().int().min(0),
  total: z.number().int().min(0),
  reason: z.string().nullable(),
  startedAt: isoTime,
  /** The last progress: an instance restarted or found healthy (the deadline counts from it). */
  progressAt: isoTime,
  finishedAt: isoTime.nullable(),
});
export type RolloutRecord = z.infer<typeof rolloutRecordSchema>;

/** The value of a controller's election key. */
export const controllerIdentitySchema = z.object({
  id: name,
  api: z.string(),
  pid: z.number().int(),
  startedAt: isoTime,
});
export type ControllerIdentity = z.infer<typeof controllerIdentitySchema>;

/**
 * A controller's `GET /readyz` body: ready when its etcd view is connected and listed and a leader
 * exists (503 otherwise, same body); `self` says whether this controller is that leader.
 */
export const readinessSchema = z.object({
  ready: z.boolean(),
  etcd: z.boolean(),
  leader: controllerIdentitySchema.nullable(),
  self: z.object({ id: z.string(), leader: z.boolean() }),
});
export type Readiness = z.infer<typeof readinessSchema>;

/** `schema.parse` as the store's decoder. */
export function decoder<T>(schema: z.ZodType<T>): (raw: unknown) => T {
  return (raw) => schema.parse(raw);
}

/** A schema as JSON Schema (draft 7, what fastify's validators and OpenAPI 3.0 tools read). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'output',
  }) as Record<string, unknown>;
  return rest;
}
