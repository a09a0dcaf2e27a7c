/**
 * A Kafka producer behind our own interface (kafkajs stays inside libs/): send a batch of
 * messages to one topic and learn when the broker acknowledged them (`acks`: 0, 1 or -1 = all).
 * A broker outage makes `send` reject after kafkajs's retries; callers fail the events and
 * send again later.
 */
import type { Message } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { ResourceLogger } from './admin.js';
import { KafkaResourceError } from './errors.js';
import { kafkaClient } from './kafkajs-client.js';

const { CompressionTypes, Partitioners } = kafkajs;

export interface KafkaProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** 0 (no ack), 1 (leader) or -1 (all in-sync replicas). */
  readonly acks: 0 | 1 | -1;
  readonly compression?: 'none' | 'gzip';
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

export async function connectKafkaProducer(options: KafkaProducerOptions): Promise<KafkaProducer> {
  const { kafka } = kafkaClient({
    brokers: options.brokers,
    clientId: options.clientId ?? 'drover-pipeline',
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    level: 'warn',
    connectionTimeoutMs: 3_000,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 },
  });
  // Named explicitly (murmur2 on the key, as the Java client): kafkajs warns on every start otherwise.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await producer.connect();
  } catch (err) {
    throw new KafkaResourceError(
      'KAFKA_UNREACHABLE',
      `cannot reach Kafka brokers ${options.brokers.join(',')}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    send: async (topic, messages) => {
      await producer.send({
        topic,
        acks: options.acks,
        compression,
        // kafkajs reads the messages and never changes them: no copy.
        messages: messages as Message[],
      });
    },
    close: () => producer.disconnect(),
  };
}
