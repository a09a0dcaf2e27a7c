/**
 * pack -> Kafka -> unpack against the real dev broker, both formats: every event comes out once,
 * in order within each pack, and an event is confirmed to its input only once its pack is in
 * Kafka (the input's outcome waits for the broker's ack of the packed message).
 */
import { kafkaInputSettings, kafkaOutputSettings, packSettings, unpackSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { createTopics, readMessages, uniqueSuffix } from '../../../test/support/kafka.js';
import { droverServices } from '../../../test/support/services.js';
import { KafkaInput } from '../src/nodes/kafka-input.js';
import { KafkaOutput } from '../src/nodes/kafka-output.js';
import { Pack, Unpack } from '../src/nodes/pack.js';
import type { Fields } from '../src/types.js';
import { quiet, TestInput, TestOutput, testEngine } from './support/nodes.js';

const EVENTS = 5000;

describe.each(['lines', 'json_array'] as const)('pack -> Kafka -> unpack (%s)', (format) => {
  it('delivers every event once, in order within each pack', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const topic = `t-pack-${format}-${uniqueSuffix()}`;
    await createTopics(brokers, [topic], 3);

    const input = new TestInput();
    const sender = testEngine(
      [
        {
          component: 'in',
          impl: input,
          publish: [{ stream: 'logs', fields: ['log', 'seq', '_ppf_id'] }],
          subscribe: [],
        },
        {
          component: 'pack',
          impl: new Pack(packSettings.parse({ format, max_count: 100, count_field: 'n' }), 'packs'),
          publish: [{ stream: 'packs', fields: ['log', 'n'] }],
          subscribe: [{ component: 'in', stream: 'logs' }],
        },
        {
          component: 'kafka',
          impl: new KafkaOutput(
            kafkaOutputSettings.parse({
              brokers,
              topic,
              encoding: 'raw',
              raw_field: 'log',
              'producer.acks': 'all',
            }),
            { brokers },
            quiet,
          ),
          publish: [],
          subscribe: [{ component: 'pack', stream: 'packs' }],
        },
      ],
      { maxPending: 2000, messageTimeoutMs: 30_000 },
    );
    await sender.start();
    const outcomes = await Promise.all(
      Array.from({ length: EVENTS }, (_, seq) =>
        input.send({ log: `<13>Nov 29 10:00:00 host app[1]: line ${seq}`, seq }),
      ),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(await sender.drain(5000)).toBe(0);
    // Confirmed means in Kafka: the packs are there, 100 events each.
    const packs = await readMessages(brokers, topic, EVENTS / 100);
    expect(packs).toHaveLength(EVENTS / 100);

    const collect = new TestOutput();
    const group = `g-${topic}`;
    const receiver = testEngine(
      [
        {
          component: 'kin',
          impl: new KafkaInput(
            kafkaInputSettings.parse({
              brokers,
              topic,
              group_id: group,
              encoding: 'raw',
              raw_field: 'packed',
            }),
            { brokers },
            group,
            'packs',
          ),
          publish: [{ stream: 'packs', fields: ['packed', '_ppf_id'] }],
          subscribe: [],
        },
        {
          component: 'unpack',
          impl: new Unpack(unpackSettings.parse({ format, field: 'packed' }), 'logs'),
          publish: [{ stream: 'logs', fields: ['log', 'seq', '_ppf_id'] }],
          subscribe: [{ component: 'kin', stream: 'packs' }],
        },
        {
          component: 'out',
          impl: collect,
          publish: [],
          subscribe: [{ component: 'unpack', stream: 'logs' }],
        },
      ],
      { maxPending: 100, messageTimeoutMs: 30_000 },
    );
    await receiver.start();
    await eventually(() => collect.received.length >= EVENTS, 60_000, `${EVENTS} events unpacked`);
    expect(await receiver.drain(5000)).toBe(0);

    const seqOf = (f: Fields) =>
      format === 'json_array' ? Number(f.seq) : Number(/line (\d+)$/.exec(String(f.log))?.[1]);
    const seqs = collect.fields().map(seqOf);
    expect(seqs).toHaveLength(EVENTS);
    expect(new Set(seqs).size).toBe(EVENTS);
    // In order within each pack: the events of one pack come out consecutively and ascending.
    for (let i = 0; i < EVENTS; i += 100) {
      const pack = seqs.slice(i, i + 100);
      expect(pack).toEqual([...pack].sort((a, b) => a - b));
    }
    // Every unpacked event has an id of its own: its original one (json_array), one from its pack's (lines).
    expect(new Set(collect.fields().map((f) => f._ppf_id)).size).toBe(EVENTS);
  });
});
