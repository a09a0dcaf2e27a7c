/**
 * A keyed work queue with the guarantees of client-go's `workqueue` (Kubernetes
 * sample-controller): FIFO; *stingy*, so a key is never processed twice at once and several adds
 * before it is taken collapse into one; a key added while it is processed is taken again once it
 * is done; per-key exponential backoff for failures (`addRateLimited`, reset by `forget`), and
 * timed re-adds (`addAfter`) for waits that are not failures.
 *
 *   const queue = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 30_000 });
 *   queue.add('tenant/channel');
 *   for (let key = await queue.next(); key !== undefined; key = await queue.next()) {
 *     try { await sync(key); queue.forget(key); } catch { queue.addRateLimited(key); }
 *     finally { queue.done(key); }
 *   }
 */
import { setLongTimeout, type Timer } from '@drover/timers';

export interface WorkQueueOptions {
  /** Delay of the first retry after a failure; doubles with each failure in a row. */
  readonly baseDelayMs?: number;
  /** Cap of the retry delay. */
  readonly maxDelayMs?: number;
}

export class WorkQueue<K> {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  /** Keys ready to be taken, in the order they were added. */
  #queue: K[] = [];
  #queued = new Set<K>();
  #processing = new Set<K>();
  /** Added while processing: queued again on `done`. */
  #dirty = new Set<K>();
  #failures = new Map<K, number>();
  /** One timer per key: the earliest timed add wins. */
  #timers = new Map<K, { at: number; timer: Timer }>();
  #waiters: ((key: K | undefined) => void)[] = [];
  #shutDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  /** Keys waiting to be taken (not counting timed adds). */
  get length(): number {
    return this.#queue.length;
  }

  get isShutDown(): boolean {
    return this.#shutDown;
  }

  add(key: K): void {
    if (this.#shutDown) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queued.add(key);
    this.#queue.push(key);
  }

  /** Adds `key` after `ms` (at once when `ms <= 0`); an earlier timed add of it is kept. */
  addAfter(key: K, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.#timers.get(key);
    if (existing !== undefined && existing.at <= at) return;
    existing?.timer.clear();
    // A delay from settings (a rollout's deadline) may exceed what a native timer holds.
    const timer = setLongTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms).unref();
    this.#timers.set(key, { at, timer });
  }

  /** Adds `key` after its backoff: base x 2^(failures so far), capped. */
  addRateLimited(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(failures, 30));
    this.addAfter(key, delay);
    return delay;
  }

  /** Failures in a row of `key` (0 once forgotten). */
  failures(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  /** `key` succeeded: its next failure starts the backoff from the beginning. */
  forget(key: K): void {
    this.#failures.delete(key);
  }

  /** The next key, marked as processing; waits while there is none; undefined once shut down. */
  next(): Promise<K | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shutDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Every key ready now, each marked as processing (for a batch after `next`). */
  takeReady(): K[] {
    const keys: K[] = [];
    for (let key = this.#take(); key !== undefined; key = this.#take()) keys.push(key);
    return keys;
  }

  /** Processing of `key` ended: if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  /** Ends the queue: waiting `next` calls resolve undefined, timers are cleared. */
  shutDown(): void {
    this.#shutDown = true;
    for (const { timer } of this.#timers.values()) timer.clear();
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    this.#queue = [];
    this.#queued.clear();
  }

  #take(): K | undefined {
    if (this.#shutDown) return undefined;
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#queued.delete(key);
    this.#processing.add(key);
    return key;
  }
}
