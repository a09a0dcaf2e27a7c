/** kafka_output's batch producer against a real broker. */

import { beforeAll, describe, expect, it } from 'vitest';
import { createTopics, readMessages, uniqueSuffix } from '../../../test/support/kafka.js';
import { droverServices } from '../../../test/support/services.js';
import { MessageBatch, startBatchProducer } from '../src/index.js';

let brokers: string[];

beforeAll(() => {
  brokers = droverServices('kafka').kafka.brokers;
});

async function createTopic(): Promise<string> {
  const topic = `batch-producer-${uniqueSuffix()}`;
  await createTopics(brokers, [topic]);
  return topic;
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
});
