/**
 * The in-flight window of one input: how many of its events may be in flight at once. It lies
 * between a floor and `max.spout.pending` (the ceiling, Punch's `topology.max.spout.pending`) and
 * follows what the pipeline can use rather than always being the ceiling. Every interval
 * (INTERVAL_MS, driven by the engine):
 *
 * - the pipeline's thread was busy (event-loop utilisation ≥ BUSY): more events in flight would
 *   only wait longer, so the limit shrinks by a quarter (down to the floor);
 * - else, if the input was held back by the limit, the limit grows by half (up to the ceiling):
 *   the outputs are far or slow to confirm, and the thread has time for more;
 * - else it stays.
 *
 * Why: an input that reads faster than its outputs confirm (a syslog sender writing as fast as
 * the socket takes it) always has the whole window in flight. When the pipeline's thread is the
 * bottleneck, every event past what keeps it busy only waits, and waiting events are what the
 * young generation copies and promotes: the syslog TCP receiver spent 5.5 µs more CPU per event
 * at 5,000 in flight than at 1,000 (191 MB promoted and 41 mark-compacts against 14 MB and 2, for
 * 800,000 events, at a lower rate). A distant broker needs the big window; then the thread waits
 * for confirmations instead of working, and the window grows: 1,000 reaches 5,000 in four
 * intervals. The signal is the thread's utilisation, not latency: a broker's latency varies for
 * reasons of its own (a first sketch sized the window from confirmation latency and rate, as BBR
 * does, and kept a receiver at its floor while its thread idled a third of the time).
 *
 * The floor (DEFAULT_FLOOR, or the ceiling when lower) holds whatever the measures say: a few
 * output batches, and the events confirmed at once (filtered out) never shrink it further.
 *
 * Plain state and arithmetic: the engine says when the input was held (`held`) and gives the
 * thread's utilisation of each interval (`adjust`).
 */
export class PendingWindow {
  /** The current limit: events in flight at most (floor ≤ limit ≤ ceiling). */
  limit: number;
  readonly ceiling: number;
  readonly floor: number;
  #held = false;

  /**
   * @param ceiling `max.spout.pending` (≥ 1).
   * @param floor the least limit; DEFAULT_FLOOR, and never above the ceiling.
   */
  constructor(ceiling: number, floor = DEFAULT_FLOOR) {
    this.ceiling = ceiling;
    this.floor = Math.min(floor, ceiling);
    this.limit = this.floor;
  }

  /** The input reached the limit this interval (it now waits for room). */
  held(): void {
    this.#held = true;
  }

  /**
   * Ends an interval: `busy` is the pipeline thread's event-loop utilisation over it (0 to 1,
   * `performance.eventLoopUtilization().utilization`). Sets the limit for the next one.
   */
  adjust(busy: number): void {
    if (busy >= BUSY) this.limit = Math.max(this.floor, Math.floor(this.limit * SHRINK));
    else if (this.#held && busy < SPARE) this.limit = Math.min(this.ceiling, Math.ceil(this.limit * GROW));
    this.#held = false;
  }
}

/** Length of one interval (ms). */
export const INTERVAL_MS = 100;
/** Utilisation at or above which the thread is the bottleneck. */
export const BUSY = 0.95;
/** Utilisation under which a held input may have more in flight. */
export const SPARE = 0.9;
export const GROW = 1.5;
export const SHRINK = 0.75;
/** The least limit (or the ceiling when lower): two of kafka_output's 500-event batches. */
export const DEFAULT_FLOOR = 1000;
