/**
 * The pipeline's counters as JSON (`GET /v1/stats` on the metrics address), with a short history
 * of its inputs' totals so that a reader (the console, through the runner) draws events/s over
 * the last minutes without polling. Shape: `pipelineStatsSchema` in @drover/cluster-state.
 */
import type { ComponentStatsView, PipelineStats, StatsSample } from '@drover/cluster-state';
import type { EngineStats, PipelineNodeImpl } from '@drover/pipeline';

export type ComponentKind = ComponentStatsView['kind'];

/**
 * A node's kind as its counters report it: a deferred node (a processing node on worker threads,
 * `workers: N`) is a processing node to whoever reads the counters.
 */
export function componentKind(kind: PipelineNodeImpl['kind']): ComponentKind {
  return kind === 'deferred' ? 'processing' : kind;
}

/** One sample every 10 s, the last 10 minutes. */
export const HISTORY_INTERVAL_MS = 10_000;
export const HISTORY_SAMPLES = 61;

/** Totals over the inputs: emitted (out), confirmed (acked) and failed back. */
export function inputTotals(
  stats: EngineStats,
  kinds: Readonly<Record<string, ComponentKind>>,
  at: number,
): StatsSample {
  const sample = { at, in: 0, acked: 0, failed: 0 };
  for (const [name, c] of Object.entries(stats.components)) {
    if (kinds[name] !== 'input') continue;
    sample.in += c.out;
    sample.acked += c.acked;
    sample.failed += c.failed;
  }
  return sample;
}

/** A bounded ring of samples (oldest first). */
export class StatsHistory {
  readonly intervalMs: number;
  readonly #max: number;
  #samples: StatsSample[] = [];

  constructor(intervalMs = HISTORY_INTERVAL_MS, max = HISTORY_SAMPLES) {
    this.intervalMs = intervalMs;
    this.#max = max;
  }

  add(sample: StatsSample): void {
    this.#samples.push(sample);
    if (this.#samples.length > this.#max) this.#samples.splice(0, this.#samples.length - this.#max);
  }

  get samples(): readonly StatsSample[] {
    return this.#samples;
  }
}

export function statsJson(
  stats: EngineStats,
  kinds: Readonly<Record<string, ComponentKind>>,
  history: StatsHistory,
  startedAt: number,
  now: number,
): PipelineStats {
  const components: PipelineStats['components'] = {};
  for (const [name, c] of Object.entries(stats.components)) {
    components[name] = {
      kind: kinds[name] ?? 'processing',
      in: c.in,
      out: c.out,
      acked: c.acked,
      failed: c.failed,
      errors: c.errors,
    };
  }
  // The history ends with the counters as they are now, so the last rate is current.
  return {
    startedAt,
    components,
    inFlight: stats.inFlight,
    history: {
      intervalMs: history.intervalMs,
      samples: [...history.samples, inputTotals(stats, kinds, now)],
    },
  };
}
