/** kafka_input against a real broker: contiguous commits, a failed event emitted again, resume after restart. */
import { kafkaInputSettings } from '@drover/channel-model';
import { connectKafkaAdmin, connectKafkaProducer, ensureTopics } from '@drover/kafka-resources';
import kafkajs from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { droverServices } from '../../../test/support/services.js';
import { KafkaInput } from '../src/nodes/kafka-input.js';
import type { Delivery, OutputNode } from '../src/types.js';
import { inputToNode } from './support/nodes.js';

/**
 * Records the id of every event and confirms it, failing once each id of `failOnce` (a script of
 * the test's own, unlike support/nodes.ts's TestOutput, which the test settles by hand).
 */
class Collect implements OutputNode {
  readonly kind = 'output' as const;
  readonly ids: number[] = [];
  constructor(readonly failOnce = new Set<number>()) {}
  write(event: Delivery, done: (err?: Error) => void) {
    const id = Number(event.fields.id);
    this.ids.push(id);
    if (this.failOnce.delete(id)) done(new Error(`refusing ${id} once`));
    else done();
  }
  async close() {}
}

async function committed(brokers: string[], groupId: string, topic: string): Promise<number> {
  const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return Number(res?.partitions[0]?.offset ?? -1);
}

async function run(
  brokers: string[],
  topic: string,
  groupId: string,
  output: OutputNode,
  logger?: pino.Logger,
) {
  const input = new KafkaInput(
    kafkaInputSettings.parse({ brokers, topic, group_id: groupId, commit_interval_ms: 100 }),
    { brokers },
    groupId,
    'logs',
  );
  const engine = inputToNode(
    { input, inputName: 'kin', fields: ['id', 'log'], node: output },
    { maxPending: 20, messageTimeoutMs: 10_000, ...(logger === undefined ? {} : { logger }) },
  );
  await engine.start();
  return engine;
}

describe('kafka_input (real Kafka)', () => {
  it('commits up to what is confirmed, replays a failed message, and a restart resumes after the commit', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const topic = `t-in-${Date.now().toString(36)}`;
    const admin = await connectKafkaAdmin({ brokers });
    await ensureTopics(admin, [{ cluster: 'k', name: topic, partitions: 1, replicationFactor: 1 }]);
    await admin.close();
    const producer = await connectKafkaProducer({ brokers, acks: -1 });
    await producer.send(
      topic,
      Array.from({ length: 100 }, (_, id) => ({ value: JSON.stringify({ id, log: `line ${id}` }) })),
    );

    const first = new Collect(new Set([10]));
    const engine = await run(brokers, topic, `g-${topic}`, first);
    // The failed one is emitted again after its backoff.
    await eventually(
      () => new Set(first.ids).size === 100 && first.ids.filter((id) => id === 10).length === 2,
    );
    expect(first.ids.filter((id) => id === 10)).toHaveLength(2); // failed once, emitted again
    expect(await engine.drain(5000)).toBe(0);
    expect(await committed(brokers, `g-${topic}`, topic)).toBe(100);

    // Ten more; a new consumer of the same group starts after the commit.
    await producer.send(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ id: 100 + i, log: 'more' }) })),
    );
    await producer.close();
    const second = new Collect();
    const again = await run(brokers, topic, `g-${topic}`, second);
    await eventually(() => second.ids.length >= 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(second.ids).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    await again.drain(5000);
  });

  it('replays every failed message when outcomes come back out of order, and never commits past one in flight', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const topic = `t-in-ooo-${Date.now().toString(36)}`;
    const admin = await connectKafkaAdmin({ brokers });
    await ensureTopics(admin, [{ cluster: 'k', name: topic, partitions: 1, replicationFactor: 1 }]);
    await admin.close();
    const producer = await connectKafkaProducer({ brokers, acks: -1 });
    await producer.send(
      topic,
      Array.from({ length: 20 }, (_, id) => ({ value: JSON.stringify({ id, log: `line ${id}` }) })),
    );
    await producer.close();

    // Holds every event; the test decides each outcome, as an output whose batches finish out of order.
    const held = new Map<number, ((err?: Error) => void)[]>();
    const seen: number[] = [];
    let confirmAll = false;
    const output: OutputNode = {
      kind: 'output',
      write(event, done) {
        const id = Number(event.fields.id);
        seen.push(id);
        if (confirmAll) done();
        else held.set(id, [...(held.get(id) ?? []), done]);
      },
      close: async () => {},
    };
    const settle = (id: number, err?: Error) => held.get(id)?.shift()?.(err);
    const group = `g-${topic}`;
    const warnings: { msg: string; failed?: number }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const engine = await run(brokers, topic, group, output, logger);
    await eventually(() => seen.length === 20);
    // The later one fails first (rewind to 15), then the earlier one (further back, to 5).
    settle(15, new Error('batch b failed'));
    settle(5, new Error('batch a failed'));
    for (const id of [0, 1, 2, 3, 4]) settle(id);
    await eventually(
      () => seen.filter((id) => id === 5).length === 2 && seen.filter((id) => id === 15).length === 2,
    );
    // Two failures within 10 s: one warning (the first), the second only counted.
    const failedLines = warnings.filter((w) => w.msg.startsWith('event failed'));
    expect(failedLines.map((w) => w.failed)).toEqual([1]);
    // 6..19 of the first pass are still in flight: nothing past 5 may be committed.
    await new Promise((r) => setTimeout(r, 300));
    expect(await committed(brokers, group, topic)).toBe(5);
    confirmAll = true;
    for (let id = 5; id < 20; id++) while ((held.get(id)?.length ?? 0) > 0) settle(id);
    for (let id = 0; id < 20; id++) expect(seen).toContain(id);
    // Everything confirmed: the periodic commit reaches the end.
    await eventually(async () => (await committed(brokers, group, topic)) === 20, 10_000, 'committed 20');
    expect(await engine.drain(5000)).toBe(0);
  });
});
