/**
 * Pacing for inputs that produce events themselves (generator, file): an optional rate in
 * events per second, and a macrotask yield every so often so a producer that never waits on
 * I/O cannot starve sockets, timers and the outputs it feeds.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { sleep } from '@drover/timers';

const YIELD_EVERY = 256;

export class Pace {
  readonly #rate: number | undefined;
  #startedAt = performance.now();
  #count = 0;

  /** `rate`: events per second; undefined for as fast as the caller's flow control allows. */
  constructor(rate: number | undefined) {
    this.#rate = rate;
  }

  /** Resolves when the next event may go. */
  async next(): Promise<void> {
    this.#count++;
    if (this.#rate === undefined) {
      if (this.#count % YIELD_EVERY === 0) await yieldToLoop();
      return;
    }
    const due = this.#startedAt + (this.#count / this.#rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    else if (this.#count % YIELD_EVERY === 0) await yieldToLoop();
  }

  /** Starts counting again from now (after a pause, so no burst makes up for it). */
  restart(): void {
    this.#startedAt = performance.now();
    this.#count = 0;
  }
}
