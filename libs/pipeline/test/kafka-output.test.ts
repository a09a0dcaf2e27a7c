/** kafka_output in the engine against a real broker: confirmed only once Kafka acknowledged. */
import { kafkaOutputSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { createTopics, readMessages } from '../../../test/support/kafka.js';
import { droverServices } from '../../../test/support/services.js';
import { KafkaOutput } from '../src/nodes/kafka-output.js';
import type { Fields } from '../src/types.js';
import { quiet, TestInput, testEngine } from './support/nodes.js';

async function consume(brokers: string[], topic: string, count: number): Promise<string[]> {
  return (await readMessages(brokers, topic, count)).map((m) => m.value);
}

function pipeline(input: TestInput, output: KafkaOutput) {
  return testEngine(
    [
      {
        component: 'in',
        impl: input,
        publish: [
          { stream: 'linux', fields: ['log', 'host', '_ppf_id'] },
          { stream: 'apache', fields: ['log', 'host', '_ppf_id'] },
        ],
        subscribe: [],
      },
      {
        component: 'kafka',
        impl: output,
        publish: [],
        subscribe: [
          { component: 'in', stream: 'linux' },
          { component: 'in', stream: 'apache' },
        ],
      },
    ],
    { maxPending: 1000, messageTimeoutMs: 30_000 },
  );
}

/** A topic of its own and a started engine writing each event's `log` to it raw, with `settings` on top. */
async function rawToTopic(prefix: string, settings: Readonly<Record<string, unknown>>) {
  const { brokers } = droverServices('kafka').kafka;
  const topic = `${prefix}-${Date.now().toString(36)}`;
  await createTopics(brokers, [topic]);
  const parsed = kafkaOutputSettings.parse({
    brokers,
    topic,
    encoding: 'raw',
    raw_field: 'log',
    ...settings,
  });
  const input = new TestInput();
  const engine = pipeline(input, new KafkaOutput(parsed, { brokers }, quiet));
  await engine.start();
  return { brokers, topic, input, engine };
}

describe('kafka_output (real Kafka)', () => {
  it('writes each stream to its topic as JSON and confirms after the broker acknowledged', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const suffix = Date.now().toString(36);
    const topics = { linux: `t-linux-${suffix}`, apache: `t-apache-${suffix}` };
    await createTopics(brokers, [topics.linux, topics.apache]);
    const settings = kafkaOutputSettings.parse({
      brokers,
      topics: [
        { stream: 'linux', topic: topics.linux },
        { stream: 'apache', topic: topics.apache },
      ],
      'producer.acks': 'all',
    });
    const input = new TestInput();
    const output = new KafkaOutput(settings, { brokers }, quiet);
    const engine = pipeline(input, output);
    await engine.start();
    const outcomes = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) =>
        input.send({ log: `linux ${i}`, host: 'h1', dropped: 'x' }, 'linux'),
      ),
      input.send({ log: 'GET /', host: 'h2' }, 'apache'),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const linux = (await consume(brokers, topics.linux, 50)).map((v) => JSON.parse(v) as Fields);
    expect(linux).toHaveLength(50);
    expect(linux[0]).toMatchObject({ log: 'linux 0', host: 'h1' });
    expect(linux[0]).not.toHaveProperty('dropped');
    expect(typeof linux[0]?._ppf_id).toBe('string');
    expect(await consume(brokers, topics.apache, 1)).toHaveLength(1);
    expect(await engine.drain(5000)).toBe(0);
  });

  it('writes one field raw, keyed by another, across several batches', async () => {
    const { brokers, topic, input, engine } = await rawToTopic('t-raw', { key_field: 'host', batch_size: 7 });
    const events = Array.from({ length: 20 }, (_, i) => ({
      log: i === 5 ? 'a line with "quotes", é and 🚀' : `line ${i}`,
      ...(i % 4 === 0 ? {} : { host: `hôst-${i}` }),
    }));
    // Three batches (7 + 7 + 6) in flight at once: their order in Kafka is not promised.
    const outcomes = await Promise.all(events.map((e) => input.send({ ...e }, 'linux')));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const byValue = (a: { value: string }, b: { value: string }) => a.value.localeCompare(b.value);
    // A missing key field gives an empty key.
    const sent = events.map((e) => ({ key: e.host ?? '', value: e.log }));
    expect((await readMessages(brokers, topic, 20)).sort(byValue)).toEqual(sent.sort(byValue));
    expect(await engine.drain(5000)).toBe(0);
  });

  it('batch after batch on reused buffers, each message is its own bytes and nothing of another batch', async () => {
    const { brokers, topic, input, engine } = await rawToTopic('t-reuse', { batch_size: 40 });
    // Two batches in flight at once (a buffer must not be handed out again before its batch is
    // acknowledged), then the next two on the buffers given back: long values, then short ones,
    // so a buffer handed out again still holds the old batch's bytes beyond what the new one needs.
    const sent: string[] = [];
    for (let round = 0; round < 8; round++) {
      const length = round % 2 === 0 ? 2000 : 7;
      const letter = String.fromCharCode(97 + round);
      const events = Array.from({ length: 80 }, (_, i) => `${round}.${i}:${letter.repeat(length)}`);
      const outcomes = await Promise.all(events.map((log) => input.send({ log }, 'linux')));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      sent.push(...events);
    }
    const read = (await readMessages(brokers, topic, sent.length)).map((m) => m.value);
    expect(read.sort()).toEqual(sent.sort());
    expect(await engine.drain(5000)).toBe(0);
  });

  it('fails the events back when Kafka cannot be reached', async () => {
    const settings = kafkaOutputSettings.parse({ brokers: ['127.0.0.1:1'], topic: 'nowhere' });
    const input = new TestInput();
    const engine = pipeline(input, new KafkaOutput(settings, { brokers: ['127.0.0.1:1'] }, quiet));
    await engine.start();
    const outcome = await input.send({ log: 'x' }, 'linux');
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? '' : outcome.reason).toMatch(/^kafka: cannot reach Kafka brokers 127\.0\.0\.1:1/);
    await engine.drain(1000);
  });
});
