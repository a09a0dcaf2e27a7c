/**
 * A processing node on `workers: N` threads (pyloggr: "filters application is multi-threaded").
 *
 * The pipeline thread batches the events a node receives (one message per batch and worker, up
 * to 256 events, flushed on the next turn of the event loop) and hands each batch to the worker
 * with the fewest events outstanding; each worker runs its own copy of the node. Results come
 * back to the engine as a DeferredProcessingNode's, so tracking and `_ppf_errors` are the main
 * thread's. With `ordered` (the default), results are released in the order events arrived, so
 * the node never reorders events of one input connection; `ordered: false` lets them go as they
 * finish.
 *
 * Guard: a worker busy on one event for longer than `timeoutMs` is terminated (V8 interrupts a
 * runaway regex or loop), the event gets `onTimeout`'s result (an error by default: it goes to
 * `_ppf_errors`), the other events it held go to a fresh worker, and that worker replaces it. A
 * worker that dies otherwise fails the events it held as errors and is replaced.
 */
import { Worker } from 'node:worker_threads';
import { setLongInterval, type Timer } from '@drover/timers';
import type { DeferredProcessingNode, Delivery, NodeLogger, ProcessResult } from '../types.js';
import type { FromWorker, NodeSpec, ToWorker, WorkerData } from './protocol.js';

const BATCH = 256;
/** The worker's script; under vitest this module runs from src/ (TypeScript) and the worker from the build. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/threads/node-worker.js', import.meta.url)
  : new URL('./node-worker.js', import.meta.url);

export interface ThreadOptions {
  readonly workers: number;
  readonly ordered: boolean;
  /** A worker on one event longer than this is restarted; undefined: no limit. */
  readonly timeoutMs: number | undefined;
  /** What a timed-out event becomes (default: an error naming the limit). */
  readonly onTimeout?: (event: Delivery) => ProcessResult;
}

interface Job {
  readonly seq: number;
  readonly event: Delivery;
  readonly done: (result: ProcessResult) => void;
}

class Thread {
  readonly worker: Worker;
  readonly state: Int32Array;
  /** Sent and not answered, by seq, in the order sent. */
  readonly jobs = new Map<number, Job>();
  ready: Promise<void>;
  /** The seq in progress when last looked at, and since when. */
  watched = -1;
  watchedSince = 0;
  dead = false;

  constructor(spec: NodeSpec) {
    const progress = new SharedArrayBuffer(8);
    this.state = new Int32Array(progress);
    this.worker = new Worker(WORKER_URL, { workerData: { spec, progress } satisfies WorkerData });
    this.ready = Promise.resolve();
  }
}

export class ThreadedNode implements DeferredProcessingNode {
  readonly kind = 'deferred' as const;
  readonly #spec: NodeSpec;
  readonly #options: ThreadOptions;
  readonly #logger: NodeLogger;
  readonly #threads: Thread[] = [];
  #queue: Job[] = [];
  #flushScheduled = false;
  #seq = 0;
  /** With `ordered`: results waiting for earlier ones, and the next seq to release. */
  readonly #finished = new Map<number, { job: Job; result: ProcessResult }>();
  #nextRelease = 0;
  readonly #watchdog: Timer | undefined;
  #closed = false;
  readonly stats = { timeouts: 0, restarts: 0 };

  private constructor(spec: NodeSpec, options: ThreadOptions, logger: NodeLogger) {
    this.#spec = spec;
    this.#options = options;
    this.#logger = logger;
    if (options.timeoutMs !== undefined) {
      const every = Math.max(10, Math.floor(options.timeoutMs / 4));
      this.#watchdog = setLongInterval(() => this.#watch(), every).unref();
    }
  }

  /** Starts the workers; resolves once each has built its node (throws what the first one could not build). */
  static async start(spec: NodeSpec, options: ThreadOptions, logger: NodeLogger): Promise<ThreadedNode> {
    const node = new ThreadedNode(spec, options, logger);
    try {
      for (let i = 0; i < options.workers; i++) node.#threads.push(node.#spawn());
      await Promise.all(node.#threads.map((t) => t.ready));
    } catch (err) {
      await node.close();
      throw err;
    }
    return node;
  }

  #spawn(): Thread {
    const thread = new Thread(this.#spec);
    thread.ready = new Promise<void>((resolve, reject) => {
      thread.worker.on('message', (message: FromWorker) => {
        if ('ready' in message) resolve();
        else if ('failedToStart' in message) reject(new Error(message.failedToStart));
        else this.#results(thread, message.results);
      });
      // A worker's uncaught exception can be any value, not only an Error.
      thread.worker.on('error', (thrown: unknown) => {
        const err = thrown instanceof Error ? thrown : new Error(String(thrown));
        reject(err);
        this.#died(thread, `worker thread failed: ${err.message}`);
      });
      thread.worker.on('exit', (code) => {
        reject(new Error(`worker thread exited with code ${code} before it was ready`));
        this.#died(thread, `worker thread exited with code ${code}`);
      });
    });
    // Until it is ready a thread holds what it is sent; a start failure is reported by start().
    thread.ready.catch(() => undefined);
    return thread;
  }

  process(event: Delivery, done: (result: ProcessResult) => void): void {
    this.#queue.push({ seq: this.#seq++, event, done });
    if (this.#queue.length >= BATCH) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, BATCH);
      this.#send(batch);
    }
  }

  /** To the live worker with the fewest events outstanding. */
  #send(batch: Job[]): void {
    let target: Thread | undefined;
    for (const t of this.#threads)
      if (!t.dead && (target === undefined || t.jobs.size < target.jobs.size)) target = t;
    if (target === undefined) {
      for (const job of batch) this.#complete(job, { emits: [], error: 'no worker thread is running' });
      return;
    }
    for (const job of batch) target.jobs.set(job.seq, job);
    const message: ToWorker = { batch: batch.map((j) => ({ seq: j.seq, event: j.event })) };
    target.worker.postMessage(message);
  }

  #results(thread: Thread, results: readonly { seq: number; result: ProcessResult }[]): void {
    for (const { seq, result } of results) {
      const job = thread.jobs.get(seq);
      if (job === undefined) continue;
      thread.jobs.delete(seq);
      this.#complete(job, result);
    }
  }

  #complete(job: Job, result: ProcessResult): void {
    if (!this.#options.ordered) {
      job.done(result);
      return;
    }
    this.#finished.set(job.seq, { job, result });
    for (
      let next = this.#finished.get(this.#nextRelease);
      next !== undefined;
      next = this.#finished.get(this.#nextRelease)
    ) {
      this.#finished.delete(this.#nextRelease);
      this.#nextRelease++;
      next.job.done(next.result);
    }
  }

  /** Restarts a worker stuck on one event for longer than the timeout. */
  #watch(): void {
    const limit = this.#options.timeoutMs as number;
    const now = Date.now();
    for (const thread of [...this.#threads]) {
      if (thread.dead) continue;
      const busy = Atomics.load(thread.state, 1) === 1;
      const seq = Atomics.load(thread.state, 0);
      if (!busy || !thread.jobs.has(seq)) {
        thread.watched = -1;
        continue;
      }
      if (thread.watched !== seq) {
        thread.watched = seq;
        thread.watchedSince = now;
        continue;
      }
      if (now - thread.watchedSince < limit) continue;
      const job = thread.jobs.get(seq) as Job;
      thread.jobs.delete(seq);
      this.stats.timeouts++;
      this.#logger.warn(
        { component: this.#spec.component, timeout_ms: limit, _ppf_id: job.event.fields._ppf_id },
        'processing took too long: worker thread restarted',
      );
      const onTimeout = this.#options.onTimeout;
      this.#complete(
        job,
        onTimeout === undefined
          ? { emits: [], error: `not processed within ${limit} ms (worker thread restarted)` }
          : onTimeout(job.event),
      );
      this.#replace(thread, 'timed out');
    }
  }

  /** A worker that died: the events it held are errors (a crash here would have been the process's). */
  #died(thread: Thread, reason: string): void {
    if (thread.dead || this.#closed) return;
    this.#logger.error(
      { component: this.#spec.component, reason, events: thread.jobs.size },
      'worker thread died: replaced',
    );
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    for (const job of jobs) this.#complete(job, { emits: [], error: reason });
    this.#replace(thread, reason);
  }

  /** Terminates `thread` and starts another in its place; what it still held goes to the new one. */
  #replace(thread: Thread, why: string): void {
    thread.dead = true;
    void thread.worker.terminate();
    this.stats.restarts++;
    const fresh = this.#spawn();
    fresh.ready.catch((err: unknown) =>
      this.#logger.error(
        { component: this.#spec.component, err: (err as Error).message, why },
        'replacement worker thread failed to start',
      ),
    );
    this.#threads[this.#threads.indexOf(thread)] = fresh;
    const left = [...thread.jobs.values()];
    thread.jobs.clear();
    if (left.length > 0) this.#send(left);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watchdog?.clear();
    for (const t of this.#threads) t.dead = true;
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }
}
