/**
 * A Kafka consumer behind our own interface (kafkajs stays inside libs/), with manual commits:
 * the caller says which offset of a partition is safe to commit (everything before it is
 * confirmed), and may seek back to replay from a failed offset.
 */
import type { ResourceLogger } from './admin.js';
import { KafkaResourceError } from './errors.js';
import { kafkaClient } from './kafkajs-client.js';

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  /** Keeps the group membership alive while the caller holds the message (back-pressure). */
  heartbeat(): Promise<void>;
}

export interface KafkaConsumerOptions {
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. */
  readonly fromBeginning: boolean;
  readonly clientId?: string;
  readonly logger?: ResourceLogger;
  /** Called for each message, in order per partition; awaited (back-pressure). */
  onMessage(message: ConsumedMessage): Promise<void>;
}

export interface KafkaConsumer {
  /** Commits `offset` (the next offset to read) for a partition. */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** Replays a partition from `offset`. */
  seek(topic: string, partition: number, offset: string): void;
  close(): Promise<void>;
}

export async function connectKafkaConsumer(options: KafkaConsumerOptions): Promise<KafkaConsumer> {
  const { kafka } = kafkaClient({
    brokers: options.brokers,
    clientId: options.clientId ?? 'drover-pipeline',
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    level: 'warn',
    connectionTimeoutMs: 3_000,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 10 },
  });
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    for (const topic of options.topics)
      await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw new KafkaResourceError(
      'KAFKA_UNREACHABLE',
      `cannot consume from Kafka brokers ${options.brokers.join(',')}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message, heartbeat }) => {
      await options.onMessage({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        timestamp: message.timestamp,
        heartbeat,
      });
    },
  });
  return {
    commit: (topic, partition, offset) => consumer.commitOffsets([{ topic, partition, offset }]),
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
    close: () => consumer.disconnect(),
  };
}
