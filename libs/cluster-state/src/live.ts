/**
 * What the console's live stream (`GET /v1/events`, server-sent events) carries: one schema per
 * event, built by pure functions from the same views the API serves, so every controller (leader
 * or standby) sends the same thing from etcd alone.
 *
 * | event      | data                 | sent                                                   |
 * |------------|----------------------|--------------------------------------------------------|
 * | `cluster`  | ClusterLive          | on connect, and when the leader or etcd link changes   |
 * | `runners`  | RunnersLive          | on connect (overview), and when a runner comes or goes |
 * | `channels` | ChannelsLive         | on connect (overview), and when any channel changes    |
 * | `channel`  | ChannelView          | on connect (`?channel=`), and when that channel changes|
 * | `heartbeats` | HeartbeatsLive     | (overview) after each round of lease checks that changed something |
 *
 * Every event's `id` is the etcd revision the controller's cache had seen when it was built: a
 * client that reconnects (to the same or another controller) sends it back as `Last-Event-ID`
 * and the controller waits until its own cache has reached it before answering, so a page never
 * goes back in time across a controller restart or a leader change. Events are whole states,
 * never deltas: whatever a client missed while away, the first events after it reconnects
 * replace it.
 */
import { z } from 'zod';
import {
  controllerIdentitySchema,
  instanceStateSchema,
  resourceStateSchema,
  resourceTypeSchema,
} from './records.js';
import type { ChannelView, RunnerView } from './view.js';

export const LIVE_EVENTS = ['cluster', 'runners', 'channels', 'channel', 'heartbeats'] as const;
export type LiveEventName = (typeof LIVE_EVENTS)[number];

export const clusterLiveSchema = z.object({
  /** The controller serving this stream. */
  self: z.object({ id: z.string(), leader: z.boolean() }),
  leader: controllerIdentitySchema.nullable(),
  /** The controller's etcd watch is connected and its cache listed. */
  etcd: z.boolean(),
});
export type ClusterLive = z.infer<typeof clusterLiveSchema>;

export const runnerLiveSchema = z.object({
  name: z.string(),
  cluster: z.string(),
  tags: z.array(z.string()),
  api: z.string().nullable(),
  version: z.string(),
  startedAt: z.string(),
  memoryEnforcement: z.string().nullable(),
  instances: z.number().int(),
});
export type RunnerLive = z.infer<typeof runnerLiveSchema>;

/** A runner whose record disappeared (its lease expired or was revoked), as this controller saw it. */
export const lostRunnerSchema = z.object({
  name: z.string(),
  cluster: z.string(),
  tags: z.array(z.string()),
  lostAt: z.string(),
});
export type LostRunner = z.infer<typeof lostRunnerSchema>;

export const runnersLiveSchema = z.object({
  runners: z.array(runnerLiveSchema),
  /** Most recent first; at most LOST_RUNNERS_KEPT, forgotten when the runner registers again. */
  lost: z.array(lostRunnerSchema),
});
export type RunnersLive = z.infer<typeof runnersLiveSchema>;

/**
 * A runner's last keepalive as etcd saw it: etcd resets a lease's seconds left to its TTL at each
 * keepalive, so (granted TTL - seconds left), read at `checkedAt`, dates the last one, to the
 * second (etcd truncates the seconds left, so `at` may be up to 1 s early).
 */
export const runnerHeartbeatSchema = z.object({
  /** When etcd last received the runner's keepalive (epoch ms). */
  at: z.number(),
  /** When etcd was asked (epoch ms). */
  checkedAt: z.number(),
  /** The lease's TTL in seconds: the runner is lost once `at` is this far behind. */
  ttl: z.number().int(),
});
export type RunnerHeartbeat = z.infer<typeof runnerHeartbeatSchema>;
// The arithmetic on heartbeats is in heartbeat.ts (no zod: the console's page imports it).

/** Live runners' heartbeats by name; a runner missing here was not checked yet or is not on a lease. */
export const heartbeatsLiveSchema = z.object({
  runners: z.record(z.string(), runnerHeartbeatSchema),
});
export type HeartbeatsLive = z.infer<typeof heartbeatsLiveSchema>;

/** An instance that is not running, with its reason in full. */
export const attentionSchema = z.object({
  app: z.string(),
  index: z.number().int(),
  state: instanceStateSchema,
  runner: z.string().nullable(),
  reason: z.string().nullable(),
  since: z.string().nullable(),
});
export type Attention = z.infer<typeof attentionSchema>;

export const channelLiveSchema = z.object({
  tenant: z.string(),
  channel: z.string(),
  desired: z.enum(['started', 'stopped']),
  generation: z.number().int(),
  applications: z.number().int(),
  /** Instances by state (only states that occur). */
  instances: z.record(z.string(), z.number().int()),
  total: z.number().int(),
  /**
   * Instances whose state is not what `desired` asks for (not `running` in a started channel, not
   * `stopped` in a stopped one), at most ATTENTION_KEPT; `attentionMore` counts the rest.
   */
  attention: z.array(attentionSchema),
  attentionMore: z.number().int(),
  /** The channel's resources (Kafka topics, index templates), as the channel view has them. */
  topics: z.array(
    z.object({
      type: resourceTypeSchema,
      name: z.string(),
      cluster: z.string(),
      state: resourceStateSchema,
      error: z.string().nullable(),
    }),
  ),
});
export type ChannelLive = z.infer<typeof channelLiveSchema>;

export const channelsLiveSchema = z.object({ channels: z.array(channelLiveSchema) });
export type ChannelsLive = z.infer<typeof channelsLiveSchema>;

/** Instances listed per channel in the overview: past that, a count (the channel page has them all). */
export const ATTENTION_KEPT = 20;
export const LOST_RUNNERS_KEPT = 50;

/** A channel as the overview shows it: counts by state, what needs attention, topics. */
export function channelLive(view: ChannelView): ChannelLive {
  const instances: Record<string, number> = {};
  const attention: Attention[] = [];
  let total = 0;
  let more = 0;
  const settled = view.desired === 'started' ? 'running' : 'stopped';
  for (const app of view.applications) {
    for (const i of app.instances) {
      total++;
      instances[i.state] = (instances[i.state] ?? 0) + 1;
      if (i.state === settled) continue;
      if (attention.length < ATTENTION_KEPT) {
        attention.push({
          app: app.name,
          index: i.index,
          state: i.state,
          runner: i.runner,
          reason: i.reason,
          since: i.since,
        });
      } else more++;
    }
  }
  return {
    tenant: view.tenant,
    channel: view.channel,
    desired: view.desired,
    generation: view.generation,
    applications: view.applications.length,
    instances,
    total,
    attention,
    attentionMore: more,
    topics: view.resources.map((r) => ({
      type: r.type,
      name: r.name,
      cluster: r.cluster,
      state: r.state,
      error: r.error,
    })),
  };
}

export function runnerLive(view: RunnerView): RunnerLive {
  return {
    name: view.name,
    cluster: view.cluster,
    tags: view.tags,
    api: view.api,
    version: view.version,
    startedAt: view.startedAt,
    memoryEnforcement: view.memoryEnforcement,
    instances: view.instances,
  };
}

/**
 * The lost-runner list after a change of the live runners: runners that were live before and are
 * not now are lost at `now`; runners live again are forgotten; at most LOST_RUNNERS_KEPT, newest first.
 */
export function updateLostRunners(
  lost: readonly LostRunner[],
  before: ReadonlyMap<string, RunnerLive>,
  after: ReadonlyMap<string, RunnerLive>,
  now: Date,
): LostRunner[] {
  const fresh: LostRunner[] = [];
  for (const [name, r] of before) {
    if (!after.has(name)) fresh.push({ name, cluster: r.cluster, tags: r.tags, lostAt: now.toISOString() });
  }
  const freshNames = new Set(fresh.map((r) => r.name));
  return [...fresh, ...lost.filter((r) => !after.has(r.name) && !freshNames.has(r.name))].slice(
    0,
    LOST_RUNNERS_KEPT,
  );
}
