/**
 * The in-flight window of one input: how many of its events may be in flight at once. It lies
 * between a floor and `max.spout.pending` (the ceiling, Punch's `topology.max.spout.pending`) and
 * follows what the pipeline can use rather than always being the ceiling. Every interval
 * (INTERVAL_MS, driven by the engine):
 *
 * - the pipeline's thread was busy (event-loop utilisation ≥ BUSY): more events in flight would
 *   only wait longer, so the limit shrinks by a quarter (down to the floor);
 * - the thread had time to spare (utilisation u < SPARE): the first time in the next interval
 *   that the input reaches its limit, the limit grows by BUSY / u, at most doubling (up to the
 *   ceiling): the outputs are far or slow to confirm, and the thread has room for that much more;
 * - else it stays.
 *
 * Why: an input that reads faster than its outputs confirm (a syslog sender writing as fast as
 * the socket takes it) always has the whole window in flight. When the pipeline's thread is the
 * bottleneck, every event past what keeps it busy only waits, and waiting events are what the
 * young generation copies and promotes: the syslog TCP receiver spent 5.5 µs more CPU per event
 * at 5,000 in flight than at 1,000 (191 MB promoted and 41 mark-compacts against 14 MB and 2, for
 * 800,000 events, at a lower rate). A distant broker needs the big window; then the thread waits
 * for confirmations instead of working, and the window grows: from an idle thread, 1,000 reaches
 * 5,000 in three intervals. The signal is the thread's utilisation because it says directly
 * whether the thread has room for more. Confirmation latency (BBR's signal, tried first) is a
 * weaker one here: it moves with the broker's own load and with batching (the last event of a
 * batch waits for nothing), and a millisecond clock is coarse next to a local broker's few ms.
 *
 * The floor (DEFAULT_FLOOR, or the ceiling when lower) holds whatever the measures say: a few
 * output batches, and the events confirmed at once (filtered out) never shrink it further.
 *
 * Plain state and arithmetic: the engine says when the input reaches its limit (`held`) and gives
 * the thread's utilisation of each interval (`adjust`).
 */
export class PendingWindow {
  /** The current limit: events in flight at most (floor ≤ limit ≤ ceiling). */
  limit: number;
  readonly ceiling: number;
  readonly floor: number;
  /**
   * What the next growth multiplies the limit by: 1 unless the last interval left time to spare,
   * and 1 again once it grew (one growth per interval).
   */
  #growth = 1;

  /**
   * @param ceiling `max.spout.pending` (≥ 1).
   * @param floor the least limit; DEFAULT_FLOOR, and never above the ceiling.
   */
  constructor(ceiling: number, floor = DEFAULT_FLOOR) {
    this.ceiling = ceiling;
    this.floor = Math.min(floor, ceiling);
    this.limit = this.floor;
  }

  /**
   * The input reached the limit. If the last interval left the thread time to spare, the limit
   * grows at once by that room (once per interval: the next interval shows what that did), so a
   * sender waits for room one interval less.
   */
  held(): void {
    if (this.#growth === 1) return;
    this.limit = Math.min(this.ceiling, Math.ceil(this.limit * this.#growth));
    this.#growth = 1;
  }

  /**
   * Ends an interval: `busy` is the pipeline thread's event-loop utilisation over it (0 to 1,
   * `performance.eventLoopUtilization().utilization`). At BUSY or more the limit shrinks by a
   * quarter; under SPARE the next interval may grow it (`held`) by BUSY / busy, at most GROW: a
   * window-limited input's rate follows its window, and the thread has that much room for it.
   */
  adjust(busy: number): void {
    if (busy >= BUSY) this.limit = Math.max(this.floor, Math.floor(this.limit * SHRINK));
    this.#growth = busy < SPARE ? Math.min(GROW, BUSY / Math.max(busy, 0.01)) : 1;
  }
}

/** Length of one interval (ms). */
export const INTERVAL_MS = 100;
/** Utilisation at or above which the thread is the bottleneck. */
export const BUSY = 0.9;
/** Utilisation under which a held input may have more in flight. */
export const SPARE = 0.8;
/** The most one growth multiplies the limit by (TCP's slow start: double per round trip). */
export const GROW = 2;
/** What one busy interval multiplies the limit by. */
export const SHRINK = 0.75;
/** The least limit (or the ceiling when lower): two of kafka_output's 500-event batches. */
export const DEFAULT_FLOOR = 1000;
