/**
 * A running pipeline's counters as JSON: what `punchlinectl` serves on its metrics address at
 * `GET /v1/stats`, what its runner passes on (`GET /v1/instances/:id/metrics`), and what the
 * controller gathers for a channel (`GET /v1/channels/:tenant/:channel/runtime`). Counters are
 * totals since the pipeline started; `history` keeps the inputs' totals every `intervalMs` over
 * the last minutes, so a reader computes events/s without polling.
 */
import { z } from 'zod';

export const componentStatsSchema = z.object({
  kind: z.enum(['input', 'processing', 'output']),
  in: z.number().int(),
  out: z.number().int(),
  acked: z.number().int(),
  failed: z.number().int(),
  errors: z.number().int(),
});
export type ComponentStatsView = z.infer<typeof componentStatsSchema>;

/** Totals over the pipeline's inputs at one instant: events emitted, confirmed and failed back. */
export const statsSampleSchema = z.object({
  /** Epoch milliseconds. */
  at: z.number(),
  in: z.number().int(),
  acked: z.number().int(),
  failed: z.number().int(),
});
export type StatsSample = z.infer<typeof statsSampleSchema>;

export const pipelineStatsSchema = z.object({
  /** Epoch milliseconds when the pipeline started. */
  startedAt: z.number(),
  components: z.record(z.string(), componentStatsSchema),
  inFlight: z.number().int(),
  history: z.object({ intervalMs: z.number().int(), samples: z.array(statsSampleSchema) }),
});
export type PipelineStats = z.infer<typeof pipelineStatsSchema>;

/** One instance as its runner sees it now: live RSS and, for pipelines, their counters. */
export const instanceRuntimeSchema = z.object({
  app: z.string(),
  index: z.number().int(),
  runner: z.string().nullable(),
  rssBytes: z.number().int().nullable(),
  memoryLimitBytes: z.number().int().nullable(),
  pipeline: pipelineStatsSchema.nullable(),
  /** Why something is missing (runner unreachable, the instance serves no counters). */
  error: z.string().nullable(),
});
export type InstanceRuntime = z.infer<typeof instanceRuntimeSchema>;

export const channelRuntimeSchema = z.object({
  tenant: z.string(),
  channel: z.string(),
  at: z.string(),
  instances: z.array(instanceRuntimeSchema),
});
export type ChannelRuntime = z.infer<typeof channelRuntimeSchema>;

/**
 * What a runner answers at `GET /v1/instances/:id/metrics`: the instance's live RSS and limit,
 * and its pipeline's counters when it serves them (`error` says why not).
 */
export const runnerInstanceMetricsSchema = z.object({
  id: z.string(),
  runner: z.string(),
  rssBytes: z.number().int().nullable(),
  memoryLimitBytes: z.number().int().nullable(),
  pipeline: pipelineStatsSchema.nullable(),
  error: z.string().nullable(),
});
export type RunnerInstanceMetrics = z.infer<typeof runnerInstanceMetricsSchema>;
