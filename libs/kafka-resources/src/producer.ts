/**
 * A Kafka producer behind our own interface (the client library stays inside libs/): send a batch
 * of messages to one topic and learn when the broker acknowledged them (`acks`: 0, 1 or -1 = all).
 * Runs on @platformatic/kafka (maintained, pure JavaScript; measured in test/bench/kafka-clients:
 * less than half kafkajs's CPU per message). A broker outage makes `send` reject after the
 * client's retries; callers fail the events and send again later.
 *
 * Partitions, as Kafka's Java client chooses them: a keyed message goes to
 * `toPositive(murmur2(key)) % partitions` (the same partition kafkajs's DefaultPartitioner and the
 * Java client pick, so a key keeps its partition across clients); the unkeyed messages of one
 * `send` go together to one partition, the next `send` to the next (sticky, KIP-480), so they
 * form one record batch.
 */
import { type MessageToProduce, murmur2, Producer } from '@platformatic/kafka';
import type { ResourceLogger } from './admin.js';
import type { KafkaConnection } from './connection.js';
import { KafkaResourceError } from './errors.js';
import { assertContact } from './first-contact.js';
import { baseOptions, connectionFailure, requestFailure } from './platformatic-client.js';

/** Codecs of Kafka's record batches (all in pure JavaScript or Node's zlib: no native addon). */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The cluster (brokers, TLS, SASL) and how to produce to it. */
export interface KafkaProducerOptions extends KafkaConnection {
  readonly clientId?: string;
  /** 0 (no ack), 1 (leader) or -1 (all in-sync replicas). */
  readonly acks: 0 | 1 | -1;
  /** Record batch compression (default none). */
  readonly compression?: Compression;
  /**
   * Idempotent producer (KIP-98): the broker drops a batch it already has, so a retry after a
   * lost answer writes nothing twice. Needs acks -1 (all), as in the Java client.
   */
  readonly idempotent?: boolean;
  /** Bound on one produce request's answer, ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly logger?: ResourceLogger;
}

export interface ProducerMessage {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer;
}

export interface KafkaProducer {
  send(topic: string, messages: readonly ProducerMessage[]): Promise<void>;
  close(): Promise<void>;
}

const toBuffer = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

/** Java's partitioner for keyed messages: `Utils.toPositive(Utils.murmur2(key))`; the client takes it modulo the partitions. */
function keyPartition(_message: unknown, key: Buffer | undefined): number {
  return key === undefined ? 0 : murmur2(key) & 0x7fffffff;
}

export async function connectKafkaProducer(options: KafkaProducerOptions): Promise<KafkaProducer> {
  if (options.idempotent === true && options.acks !== -1) {
    throw new KafkaResourceError(
      'KAFKA_REQUEST_FAILED',
      `an idempotent producer needs acks all (-1), not ${options.acks}`,
      { cluster: options.cluster },
    );
  }
  // A refused login or certificate is said at once (the client's retries would hide it).
  await assertContact(options, { unreachable: 'ignore' });
  const producer = new Producer({
    ...baseOptions({
      connection: options,
      clientId: options.clientId ?? 'drover-pipeline',
      connectTimeoutMs: 3_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      retries: 5,
      retryDelayMs: 200,
    }),
    acks: options.acks,
    compression: options.compression ?? 'none',
    idempotent: options.idempotent ?? false,
    partitioner: keyPartition,
  });
  try {
    // Connected, and the cluster's brokers known, before the first batch.
    await producer.metadata({ topics: [] });
    if (options.idempotent === true) await producer.initIdempotentProducer({});
  } catch (err) {
    await producer.close().catch(() => {});
    throw connectionFailure(options, err, 'cannot produce to');
  }
  let sticky = 0;
  return {
    send: async (topic, messages) => {
      const partition = sticky++ & 0x7fffffff;
      const records: MessageToProduce[] = new Array(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as ProducerMessage;
        records[i] =
          m.key === null || m.key === undefined
            ? { topic, value: toBuffer(m.value), partition }
            : { topic, key: toBuffer(m.key), value: toBuffer(m.value) };
      }
      try {
        await producer.send({ messages: records });
      } catch (err) {
        throw requestFailure(options, err, `cannot send ${messages.length} messages to ${topic}`, topic);
      }
    },
    close: () => producer.close(),
  };
}
