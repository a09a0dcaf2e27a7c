/**
 * A Kafka producer on its own thread, like the Java client's sender thread: the caller packs a
 * batch (MessageBatch) and transfers it whole; the thread runs kafkajs (connectKafkaProducer)
 * and answers when the broker acknowledged the batch, or why it could not.
 *
 * Why a thread: kafkajs allocates a few kilobytes of short-lived buffers per message (an encoder
 * per record, copies per layer of the request). In the caller's isolate, under the small heap a
 * receiver is given (-Xmx96m), that churn forces a full GC every few tens of milliseconds, each
 * marking everything the pipeline holds; on its own isolate it costs only the producer's GC,
 * and it runs on another core.
 *
 * After a failed batch the thread drops its producer and connects afresh for the next one (a
 * producer may be wedged after an outage). If the thread dies, the batches it held fail and the
 * next send starts a new one. It keeps the process alive only while a batch is in flight.
 */
import { Worker } from 'node:worker_threads';
import { setLongTimeout } from '@drover/timers';
import type { ResourceLogger } from './admin.js';
import { KafkaResourceError, type KafkaResourceErrorCode } from './errors.js';
import { type PackedMessages, packedProblem } from './message-batch.js';
import type { KafkaProducerOptions } from './producer.js';

/** What the thread needs to connect: the producer options without the logger (logs come back as messages). */
export type ProducerThreadSettings = Omit<KafkaProducerOptions, 'logger'>;

export interface ProducerThreadOptions extends ProducerThreadSettings {
  readonly logger?: ResourceLogger;
  /** How long close() waits for the thread to disconnect before terminating it. */
  readonly closeTimeoutMs?: number;
}

/** Caller to thread. */
export type ToProducerThread =
  | ({ readonly type: 'send'; readonly id: number; readonly topic: string } & PackedMessages)
  | { readonly type: 'close' };

/** Thread to caller. */
export type FromProducerThread =
  | { readonly type: 'done'; readonly id: number }
  | {
      readonly type: 'failed';
      readonly id: number;
      readonly code: KafkaResourceErrorCode;
      readonly message: string;
    }
  | {
      readonly type: 'log';
      readonly level: 'debug' | 'info' | 'warn' | 'error';
      readonly obj: object;
      readonly msg: string;
    };

export interface BatchProducer {
  /** Resolves once the broker acknowledged every message of the batch; rejects if it could not. */
  send(topic: string, batch: PackedMessages): Promise<void>;
  /** Disconnects and stops the thread; batches still in flight fail. */
  close(): Promise<void>;
}

interface Pending {
  readonly topic: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

const workerUrl = new URL('./producer-worker.js', import.meta.url);

export function startProducerThread(options: ProducerThreadOptions): BatchProducer {
  return new ProducerThread(options);
}

class ProducerThread implements BatchProducer {
  readonly #settings: ProducerThreadSettings;
  readonly #logger: ResourceLogger | undefined;
  readonly #closeTimeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 0;

  constructor(options: ProducerThreadOptions) {
    const { logger, closeTimeoutMs, ...settings } = options;
    this.#settings = settings;
    this.#logger = logger;
    this.#closeTimeoutMs = closeTimeoutMs ?? 10_000;
  }

  send(topic: string, batch: PackedMessages): Promise<void> {
    const problem = packedProblem(batch);
    if (problem !== undefined) {
      return Promise.reject(
        new KafkaResourceError('KAFKA_REQUEST_FAILED', `batch for ${topic}: ${problem}`, { topic }),
      );
    }
    const worker = this.#worker ?? this.#spawn();
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { topic, resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      const message: ToProducerThread = { type: 'send', id, topic, ...batch };
      worker.postMessage(message, [batch.data, batch.index.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies ToProducerThread);
    const timer = setLongTimeout(() => void worker.terminate(), this.#closeTimeoutMs);
    await exited;
    timer.clear();
  }

  #spawn(): Worker {
    const worker = new Worker(workerUrl, { workerData: this.#settings });
    this.#worker = worker;
    worker.unref();
    worker.on('message', (m: FromProducerThread) => this.#message(m));
    worker.on('error', (err) => this.#lost(worker, err));
    worker.on('exit', (code) =>
      this.#lost(worker, new Error(`the Kafka producer thread exited (code ${code})`)),
    );
    return worker;
  }

  #message(m: FromProducerThread): void {
    if (m.type === 'log') {
      this.#logger?.[m.level](m.obj, m.msg);
      return;
    }
    const pending = this.#settle(m.id);
    if (pending === undefined) return;
    if (m.type === 'done') pending.resolve();
    else pending.reject(new KafkaResourceError(m.code, m.message, { topic: pending.topic }));
  }

  /** Forgets a batch; with none left in flight, the thread no longer keeps the process alive. */
  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
    return pending;
  }

  /** The thread is gone: what it held fails, and the next send starts another. */
  #lost(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
