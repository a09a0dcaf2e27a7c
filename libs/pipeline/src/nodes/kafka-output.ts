/**
 * `kafka_output`: events to Kafka, one topic per stream (or one topic), batched per topic up to
 * `batch_size` events or `linger_ms`; each event is confirmed only when the broker acknowledged
 * its batch (`producer.acks`: 0, 1 or all). When Kafka is down, batches fail: the events fail
 * back to their inputs (which stop acknowledging upstream, so senders keep the data) and the
 * producer reconnects on the next batch.
 *
 * With TLS or SASL it connects at start (`start`), before the inputs: a cluster that refuses the
 * login or a certificate stops the pipeline there, naming the cluster (the platform file's
 * `kafka.clusters.<name>`); one that does not answer within START_WAIT_MS is logged and connected
 * to on the first batch. A plaintext cluster cannot refuse us: it is connected to on the first
 * batch, so the inputs listen at once (a receiver restarting after a crash is back before its
 * senders' reconnect backoff grows). A login refused later (a password rotated on the cluster)
 * fails batches like an outage: events are never confirmed, so nothing is acknowledged upstream
 * and nothing is lost.
 *
 * Events are encoded straight into their batch's one buffer (MessageBatch), which is handed whole
 * to the batch producer (startBatchProducer): the bytes waiting for the broker stay out of the
 * pipeline's heap. That buffer is used again once the broker acknowledged its batch (BufferPool:
 * V8 counts fresh external memory towards the old generation's limit).
 */
import type { KafkaOutputSettings } from '@drover/channel-model';
import {
  type BatchProducer,
  BufferPool,
  connectionLabel,
  isKafkaAccessRefused,
  type KafkaConnection,
  MessageBatch,
  startBatchProducer,
} from '@drover/kafka-resources';
import { setLongTimeout, type Timer } from '@drover/timers';
import type { Delivery, NodeLogger, OutputNode } from '../types.js';

/** How long start waits for the first connection before going on without it. */
const START_WAIT_MS = 10_000;

interface Batch {
  readonly messages: MessageBatch;
  readonly dones: ((err?: Error) => void)[];
  timer: Timer | undefined;
}

export class KafkaOutput implements OutputNode {
  readonly kind = 'output' as const;
  readonly #settings: KafkaOutputSettings;
  readonly #connection: KafkaConnection;
  readonly #logger: NodeLogger;
  readonly #topics: ReadonlyMap<string, string>;
  readonly #batches = new Map<string, Batch>();
  /** Bytes of the last batch per topic: the next one starts that big. */
  readonly #lastBytes = new Map<string, number>();
  /** The batches' buffers, used again once acknowledged. */
  readonly #pool = new BufferPool();
  #producer: BatchProducer | undefined;
  #sending = new Set<Promise<void>>();

  constructor(settings: KafkaOutputSettings, connection: KafkaConnection, logger: NodeLogger) {
    this.#settings = settings;
    this.#connection = connection;
    this.#logger = logger;
    this.#topics = new Map((settings.topics ?? []).map((t) => [t.stream, t.topic]));
  }

  async start(): Promise<void> {
    if (this.#connection.tls === undefined && this.#connection.sasl === undefined) return;
    const cluster = connectionLabel(this.#connection);
    let timer: Timer | undefined;
    const waited = new Promise<'waiting'>((resolve) => {
      timer = setLongTimeout(() => resolve('waiting'), START_WAIT_MS);
    });
    const connecting = this.#batchProducer().connect();
    const outcome = await Promise.race([
      connecting.then(
        () => 'connected' as const,
        (err: unknown) => err,
      ),
      waited,
    ]);
    timer?.clear();
    if (outcome === 'connected') {
      this.#logger.info({ cluster: this.#connection.cluster }, `kafka_output connected to ${cluster}`);
      return;
    }
    if (outcome === 'waiting') {
      connecting.catch(() => {});
      this.#logger.warn(
        { cluster: this.#connection.cluster },
        `kafka_output: ${cluster} did not answer within ${START_WAIT_MS} ms; going on, events wait for it`,
      );
      return;
    }
    if (isKafkaAccessRefused(outcome)) throw outcome;
    this.#logger.warn(
      { cluster: this.#connection.cluster, err: (outcome as Error).message },
      `kafka_output: cannot reach ${cluster} yet; events fail back to their inputs until it answers`,
    );
  }

  write(event: Delivery, done: (err?: Error) => void): void {
    const topic = this.#settings.topic ?? this.#topics.get(event.stream);
    if (topic === undefined) {
      done(new Error(`no topic for stream "${event.stream}"`));
      return;
    }
    let value: string;
    try {
      value = this.#encode(event);
    } catch (err) {
      done(err as Error);
      return;
    }
    const keyField = this.#settings.key_field;
    const key = keyField === undefined ? null : String(event.fields[keyField] ?? '');
    let batch = this.#batches.get(topic);
    if (batch === undefined) {
      const bytes = this.#lastBytes.get(topic);
      batch = {
        messages: new MessageBatch({
          // Capped: a quiet stream with a large batch_size flushes small batches on linger_ms.
          messages: Math.min(this.#settings.batch_size, 1024),
          ...(bytes === undefined ? {} : { bytes: Math.ceil(bytes * 1.25) }),
          pool: this.#pool,
        }),
        dones: [],
        timer: undefined,
      };
      this.#batches.set(topic, batch);
    }
    batch.messages.add(key, value);
    batch.dones.push(done);
    if (batch.dones.length >= this.#settings.batch_size) this.#flush(topic);
    else batch.timer ??= setLongTimeout(() => this.#flush(topic), this.#settings.linger_ms);
  }

  #encode(event: Delivery): string {
    if (this.#settings.encoding === 'json') return JSON.stringify(event.fields);
    const field = this.#settings.raw_field as string;
    const v = event.fields[field];
    if (v === undefined) throw new Error(`raw encoding: the event has no field "${field}"`);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  #acks(): 0 | 1 | -1 {
    const a = this.#settings['producer.acks'];
    return a === 0 || a === '0' ? 0 : a === 1 || a === '1' ? 1 : -1;
  }

  #batchProducer(): BatchProducer {
    this.#producer ??= startBatchProducer({
      ...this.#connection,
      acks: this.#acks(),
      compression: this.#settings.compression,
      idempotent: this.#settings.idempotent,
      // Methods, not a spread: pino's live on its prototype.
      logger: {
        debug: () => {},
        info: (obj, msg) => this.#logger.info(obj, msg),
        warn: (obj, msg) => this.#logger.warn(obj, msg),
        error: (obj, msg) => this.#logger.error(obj, msg),
      },
    });
    return this.#producer;
  }

  #flush(topic: string): void {
    const batch = this.#batches.get(topic);
    if (batch === undefined) return;
    this.#batches.delete(topic);
    batch.timer?.clear();
    this.#lastBytes.set(topic, batch.messages.bytes);
    const sending = (async () => {
      try {
        const packed = batch.messages.pack();
        await this.#batchProducer().send(topic, packed);
        // Acknowledged: nothing reads these bytes any more (on a failure, a request being retried may).
        this.#pool.give(packed.data);
        for (const done of batch.dones) done();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.#logger.warn({ topic, events: batch.dones.length, err: error.message }, 'kafka batch failed');
        for (const done of batch.dones) done(error);
      }
    })();
    this.#sending.add(sending);
    void sending.finally(() => this.#sending.delete(sending));
  }

  async close(): Promise<void> {
    for (const topic of [...this.#batches.keys()]) this.#flush(topic);
    await Promise.all(this.#sending);
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.close();
  }
}
