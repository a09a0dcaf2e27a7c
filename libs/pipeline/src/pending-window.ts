/**
 * The in-flight window of one input: how many of its events may be in flight at once. It lies
 * between a floor and `max.spout.pending` (the ceiling, Punch's `topology.max.spout.pending`),
 * sized from what the outputs need instead of always being the ceiling:
 *
 *     limit = clamp(2 × maxRate × minLatency, floor, ceiling)
 *
 * - `maxRate`: the most events confirmed per second in one interval (INTERVAL_MS) of the last
 *   RATE_INTERVALS (1 s);
 * - `minLatency`: the least confirmation latency (emit to confirmation, ms, at least 1) of the
 *   last LATENCY_INTERVALS (10 s);
 * - gain 2: BBR's congestion window (draft-ietf-ccwg-bbr, "cwnd_gain": twice the bandwidth-delay
 *   product), room for a second round while the first is being confirmed.
 *
 * Why: an input that reads faster than its outputs confirm (a syslog sender writing as fast as
 * the socket takes it) always has the whole window in flight, and each extra event in flight only
 * waits longer. Those events are what the young generation copies and promotes: with a local
 * broker the syslog TCP receiver spent 5.5 µs more CPU per event at 5,000 in flight than at
 * 1,000 (191 MB promoted and 41 mark-compacts against 14 MB and 2, for 800,000 events, same
 * rate or better). A distant broker needs the big window: when the window is what limits the
 * rate (latency near its minimum), maxRate × minLatency is the window itself and the limit
 * doubles each interval until the ceiling or until confirmations stop keeping up.
 *
 * The floor (DEFAULT_FLOOR, or the ceiling when lower) keeps a window that a few output batches
 * and a Lumberjack window fill, whatever the measures say: events confirmed without an output
 * (filtered out) have latency 0 and must not shrink the window to nothing.
 *
 * Plain state and arithmetic, fed by the engine with its clock: `confirmed(now, latencyMs)` for
 * each confirmed event, `limit` read before taking more.
 */
export class PendingWindow {
  /** The current limit: events in flight at most (floor ≤ limit ≤ ceiling). */
  limit: number;
  readonly ceiling: number;
  readonly floor: number;
  #intervalStart: number | undefined;
  #count = 0;
  #minLatency = Number.POSITIVE_INFINITY;
  /** Rates (events/s) of the last RATE_INTERVALS closed intervals, newest last. */
  readonly #rates: number[] = [];
  /** Least latencies (ms) of the last LATENCY_INTERVALS closed intervals, newest last. */
  readonly #latencies: number[] = [];

  /**
   * @param ceiling `max.spout.pending` (≥ 1).
   * @param floor the least limit; DEFAULT_FLOOR, and never above the ceiling.
   */
  constructor(ceiling: number, floor = DEFAULT_FLOOR) {
    this.ceiling = ceiling;
    this.floor = Math.min(floor, ceiling);
    this.limit = this.floor;
  }

  /** One event confirmed at `now` (ms, any monotonic-enough clock) after `latencyMs`. */
  confirmed(now: number, latencyMs: number): void {
    if (this.#intervalStart === undefined) this.#intervalStart = now;
    const elapsed = now - this.#intervalStart;
    if (elapsed >= INTERVAL_MS) this.#close(now, elapsed);
    this.#count++;
    if (latencyMs < this.#minLatency) this.#minLatency = latencyMs;
  }

  /** Ends the current interval (`elapsed` ms long, silences included), then sizes the limit again. */
  #close(now: number, elapsed: number): void {
    push(this.#rates, (this.#count * 1000) / elapsed, RATE_INTERVALS);
    push(this.#latencies, this.#minLatency, LATENCY_INTERVALS);
    this.#intervalStart = now;
    this.#count = 0;
    this.#minLatency = Number.POSITIVE_INFINITY;

    let rate = 0;
    for (const r of this.#rates) if (r > rate) rate = r;
    let latency = Number.POSITIVE_INFINITY;
    for (const l of this.#latencies) if (l < latency) latency = l;
    const wanted = Math.ceil((GAIN * rate * Math.max(latency, 1)) / 1000);
    this.limit = Math.min(this.ceiling, Math.max(this.floor, wanted));
  }
}

/** Length of one measuring interval (ms). */
export const INTERVAL_MS = 100;
/** Intervals over which the highest rate is taken (1 s). */
export const RATE_INTERVALS = 10;
/** Intervals over which the least latency is taken (10 s). */
export const LATENCY_INTERVALS = 100;
/** Window over the bandwidth-delay product. */
export const GAIN = 2;
/** The least limit (or the ceiling when lower): two 500-event batches, or one Lumberjack window. */
export const DEFAULT_FLOOR = 1000;

function push(values: number[], value: number, keep: number): void {
  values.push(value);
  if (values.length > keep) values.shift();
}
