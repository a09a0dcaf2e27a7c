/**
 * Timers that hold any delay. Node's `setTimeout` and `setInterval` keep a delay in a signed
 * 32-bit integer: anything above 2^31-1 ms (about 24.8 days) is replaced by 1 ms, with only a
 * process warning, so a job scheduled for next year fires at once, then again, in a loop. These
 * helpers chain native timers of at most 2^31-1 ms until the whole delay has passed.
 *
 * The rule in Drover: every delay computed at run time (from settings, flags, schedules,
 * backoff, arithmetic) goes through this module; a native timer is only for a small constant.
 */

/** The longest delay a native Node timer holds (ms): 2^31-1, about 24.8 days. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** A pending timeout or interval. Like Node's `Timeout`: referenced by default. */
export interface Timer {
  /** Cancels it; nothing fires afterwards. Idempotent. */
  clear(): void;
  /** Lets the process exit while only this timer is pending (across every chained hop). */
  unref(): this;
  /** Keeps the process alive while it is pending (the default). */
  ref(): this;
  hasRef(): boolean;
  /** True until a timeout fired or the timer was cleared (an interval stays active until cleared). */
  readonly active: boolean;
}

/** Negative means now, as in Node; NaN is a programming error that Node would turn into 1 ms silently. */
function checkedDelay(delayMs: number, what: string): number {
  if (typeof delayMs !== 'number' || Number.isNaN(delayMs)) {
    throw new RangeError(`${what}: the delay must be a number of milliseconds, got ${String(delayMs)}`);
  }
  return Math.max(0, delayMs);
}

class ChainedTimeout implements Timer {
  readonly #callback: () => void;
  #remaining: number;
  #handle: NodeJS.Timeout | undefined;
  #ref = true;
  #active = true;

  constructor(callback: () => void, delayMs: number) {
    this.#callback = callback;
    this.#remaining = delayMs;
    this.#arm();
  }

  #arm(): void {
    const hop = Math.min(this.#remaining, MAX_TIMER_DELAY_MS);
    this.#remaining -= hop;
    this.#handle = setTimeout(() => {
      if (this.#remaining > 0) {
        this.#arm();
        return;
      }
      this.#handle = undefined;
      this.#active = false;
      this.#callback();
    }, hop);
    if (!this.#ref) this.#handle.unref();
  }

  get active(): boolean {
    return this.#active;
  }

  clear(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#active = false;
  }

  unref(): this {
    this.#ref = false;
    this.#handle?.unref();
    return this;
  }

  ref(): this {
    this.#ref = true;
    this.#handle?.ref();
    return this;
  }

  hasRef(): boolean {
    return this.#ref;
  }
}

/** `setTimeout` for any delay: calls `callback` once, `delayMs` from now. */
export function setLongTimeout(callback: () => void, delayMs: number): Timer {
  return new ChainedTimeout(callback, checkedDelay(delayMs, 'setLongTimeout'));
}

class RepeatingTimer implements Timer {
  readonly #callback: () => void;
  readonly #periodMs: number;
  #native: NodeJS.Timeout | undefined;
  #chained: ChainedTimeout | undefined;
  #ref = true;
  #active = true;

  constructor(callback: () => void, periodMs: number) {
    this.#callback = callback;
    this.#periodMs = periodMs;
    // Within range, a native interval keeps its exact cadence; beyond, one long timeout per period.
    if (periodMs <= MAX_TIMER_DELAY_MS) this.#native = setInterval(callback, periodMs);
    else this.#next();
  }

  #next(): void {
    this.#chained = new ChainedTimeout(() => {
      this.#next();
      this.#callback();
    }, this.#periodMs);
    if (!this.#ref) this.#chained.unref();
  }

  get active(): boolean {
    return this.#active;
  }

  clear(): void {
    if (this.#native !== undefined) clearInterval(this.#native);
    this.#chained?.clear();
    this.#native = undefined;
    this.#chained = undefined;
    this.#active = false;
  }

  unref(): this {
    this.#ref = false;
    this.#native?.unref();
    this.#chained?.unref();
    return this;
  }

  ref(): this {
    this.#ref = true;
    this.#native?.ref();
    this.#chained?.ref();
    return this;
  }

  hasRef(): boolean {
    return this.#ref;
  }
}

/** `setInterval` for any period: calls `callback` every `periodMs` until cleared. */
export function setLongInterval(callback: () => void, periodMs: number): Timer {
  const period = checkedDelay(periodMs, 'setLongInterval');
  // Node runs a 0 ms interval every 1 ms; say so rather than spin.
  return new RepeatingTimer(callback, Math.max(1, period));
}

export interface SleepOptions {
  /** Rejects with an AbortError (code ABORT_ERR) when aborted, as `timers/promises` does. */
  readonly signal?: AbortSignal;
  /** false: the sleep does not keep the process alive. */
  readonly ref?: boolean;
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/** Resolves after `delayMs`, however long. */
export function sleep(delayMs: number, options: SleepOptions = {}): Promise<void> {
  const delay = checkedDelay(delayMs, 'sleep');
  const { signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      timer.clear();
      reject(abortError(signal as AbortSignal));
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    if (options.ref === false) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
