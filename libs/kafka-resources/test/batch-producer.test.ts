/** kafka_output's batch producer against a real broker. */

import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { createTopics, readMessages, uniqueSuffix } from '../../../test/support/kafka.js';
import { droverServices } from '../../../test/support/services.js';
import { connectKafkaProducer, MessageBatch, startBatchProducer } from '../src/index.js';

let brokers: string[];

beforeAll(() => {
  brokers = droverServices('kafka').kafka.brokers;
});

async function createTopic(partitions = 1, config?: Record<string, string>): Promise<string> {
  const topic = `batch-producer-${uniqueSuffix()}`;
  await createTopics(brokers, [topic], partitions, config);
  return topic;
}

/** Every message of `topic` with its partition, read by another client (kafkajs), in each partition's order. */
async function readWithPartitions(topic: string, count: number) {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `partitions-${uniqueSuffix()}` });
  const seen: { partition: number; key: string | null; value: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({
          partition,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
        });
      },
    });
    await eventually(() => seen.length >= count, 30_000, `${count} messages in ${topic}`);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

const consume = (topic: string, count: number) => readMessages(brokers, topic, count);

function batchOf(pairs: readonly (readonly [string | null, string])[]) {
  const batch = new MessageBatch();
  for (const [key, value] of pairs) batch.add(key, value);
  return batch.pack();
}

describe('startBatchProducer (real Kafka)', () => {
  it('sends each batch and resolves once the broker acknowledged it', async () => {
    const topic = await createTopic();
    const logs: string[] = [];
    const logger = {
      debug: () => {},
      info: (_: object, msg: string) => logs.push(msg),
      warn: (_: object, msg: string) => logs.push(msg),
      error: (_: object, msg: string) => logs.push(msg),
    };
    const producer = startBatchProducer({ brokers, acks: -1, logger });
    try {
      const first = Array.from({ length: 300 }, (_, i) => [i % 2 === 0 ? null : `k${i}`, `v${i} ✓`] as const);
      const second = [['last', 'ünïcode 🚀'] as const];
      // Two batches in flight at once: each arrives whole and in its own order.
      await Promise.all([producer.send(topic, batchOf(first)), producer.send(topic, batchOf(second))]);
      const seen = await consume(topic, 301);
      expect(seen.filter((m) => m.key !== 'last')).toEqual(first.map(([key, value]) => ({ key, value })));
      expect(seen.filter((m) => m.key === 'last')).toEqual([{ key: 'last', value: 'ünïcode 🚀' }]);
    } finally {
      await producer.close();
    }
  });

  it('rejects a batch it cannot deliver, with the reason and the topic', async () => {
    const producer = startBatchProducer({ brokers: ['127.0.0.1:1'], acks: 1 });
    try {
      await expect(producer.send('nowhere', batchOf([[null, 'x']]))).rejects.toMatchObject({
        code: 'KAFKA_UNREACHABLE',
        topic: 'nowhere',
        message: expect.stringContaining('cannot reach Kafka brokers 127.0.0.1:1'),
      });
    } finally {
      await producer.close();
    }
  });

  it('refuses a batch whose index does not cover its messages, and goes on with the next', async () => {
    const topic = await createTopic();
    const producer = startBatchProducer({ brokers, acks: 1 });
    try {
      await producer.send(topic, batchOf([[null, 'first']]));
      const broken = { ...batchOf([[null, 'x']]), index: new Int32Array(0) };
      await expect(producer.send(topic, broken)).rejects.toThrow(
        new RegExp(`^batch for ${topic}: .*\\(sent already\\?\\)$`),
      );
      await producer.send(topic, batchOf([[null, 'second']]));
      expect(await consume(topic, 2)).toEqual([
        { key: null, value: 'first' },
        { key: null, value: 'second' },
      ]);
    } finally {
      await producer.close();
    }
  });

  it('compresses with each codec, and what it sends reads back the same', async () => {
    const topic = await createTopic();
    const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
    for (const compression of codecs) {
      const producer = startBatchProducer({ brokers, acks: 1, compression });
      try {
        await producer.send(
          topic,
          batchOf(
            Array.from({ length: 50 }, (_, i) => [null, `${compression} ${i} ${'x'.repeat(200)}`] as const),
          ),
        );
      } finally {
        await producer.close();
      }
    }
    const seen = await consume(topic, 200);
    for (const compression of codecs)
      expect(seen.filter((m) => m.value.startsWith(`${compression} `)).map((m) => m.value)).toEqual(
        Array.from({ length: 50 }, (_, i) => `${compression} ${i} ${'x'.repeat(200)}`),
      );
  });

  it('writes idempotently with acks all, and refuses idempotence without it', async () => {
    const topic = await createTopic();
    const producer = startBatchProducer({ brokers, acks: -1, idempotent: true });
    try {
      await producer.send(topic, batchOf([['k', 'once']]));
      expect(await consume(topic, 1)).toEqual([{ key: 'k', value: 'once' }]);
    } finally {
      await producer.close();
    }
    const wrong = startBatchProducer({ brokers, acks: 1, idempotent: true });
    await expect(wrong.send(topic, batchOf([[null, 'x']]))).rejects.toThrow(
      /idempotent producer needs acks all/,
    );
    await wrong.close();
  });

  it("puts a keyed message on the partition Kafka's Java client would (murmur2), in order per key", async () => {
    const topic = await createTopic(3);
    const producer = startBatchProducer({ brokers, acks: 1 });
    const pairs = Array.from({ length: 90 }, (_, i) => [`host-${i % 30}`, `line ${i}`] as const);
    try {
      await producer.send(topic, batchOf(pairs.slice(0, 45)));
      await producer.send(topic, batchOf(pairs.slice(45)));
    } finally {
      await producer.close();
    }
    const seen = await readWithPartitions(topic, pairs.length);
    // kafkajs's DefaultPartitioner is Java's: toPositive(murmur2(key)) % partitions.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    for (const m of seen) {
      expect(
        partitioner({ topic, partitionMetadata, message: { key: m.key, value: m.value } }),
        m.key ?? '',
      ).toBe(m.partition);
    }
    expect(new Set(seen.map((m) => m.partition)).size).toBe(3);
    for (let k = 0; k < 30; k++) {
      const key = `host-${k}`;
      expect(seen.filter((m) => m.key === key).map((m) => m.value)).toEqual([
        `line ${k}`,
        `line ${k + 30}`,
        `line ${k + 60}`,
      ]);
    }
  });

  it('splits a send larger than a record batch may be into several, every message once and in order', async () => {
    // The broker refuses a record batch over 20,000 bytes on this topic: 600 x ~104 bytes in one would be.
    const topic = await createTopic(1, { 'max.message.bytes': '20000' });
    const producer = await connectKafkaProducer({ brokers, acks: 1, maxBatchBytes: 10_000 });
    const values = Array.from({ length: 600 }, (_, i) => `${i} ${'z'.repeat(100)}`);
    try {
      await producer.send(
        topic,
        values.map((value) => ({ value })),
      );
    } finally {
      await producer.close();
    }
    expect((await readMessages(brokers, topic, values.length)).map((m) => m.value)).toEqual(values);
  });

  it('an idempotent producer keeps every batch once and in order with many in flight to one partition', async () => {
    const topic = await createTopic();
    const producer = await connectKafkaProducer({ brokers, acks: -1, idempotent: true });
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 100 }, (_, i) => `${b}-${i}`));
    try {
      await Promise.all(
        batches.map((values) =>
          producer.send(
            topic,
            values.map((value) => ({ value })),
          ),
        ),
      );
    } finally {
      await producer.close();
    }
    const seen = (await readMessages(brokers, topic, 1200)).map((m) => m.value);
    expect(seen).toHaveLength(1200);
    expect(seen).toEqual(batches.flat());
  });
});
