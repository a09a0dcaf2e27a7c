/**
 * Kafka throughput for small syslog lines (~90 bytes), with and without `pack` (pyloggr's packers).
 *
 * - Write: an input emitting as fast as max.spout.pending (5,000) allows -> kafka_output (raw,
 *   acks 1, default batching), or -> pack (`lines`, 100 lines or 64 KiB or 100 ms) ->
 *   kafka_output. Events per second from the first emit to the last confirmation (each line is
 *   confirmed only once its pack is acknowledged by the broker), and Kafka messages written.
 * - Read: kafka_input (raw) -> an output that confirms at once, or kafka_input -> unpack -> the
 *   same output, over what the write runs produced: lines per second until all arrived.
 * Engines run in this process (kafka_output's producer on its thread, as deployed); the broker is
 * the dev broker on the same machine. Runs interleaved; medians.
 */
import { performance } from 'node:perf_hooks';
import { kafkaInputSettings, kafkaOutputSettings, packSettings, unpackSettings } from '@drover/channel-model';
import {
  Engine,
  type EngineNode,
  type InputContext,
  type InputNode,
  KafkaInput,
  KafkaOutput,
  type OutputNode,
  Pack,
  Unpack,
} from '@drover/pipeline';
import { acquireServices } from '../support/acquire.js';
import { createTopics } from '../support/kafka.js';
import { type BenchContext, type BenchRow, median } from './harness.js';

export const name = 'pack';

const LINES = Number(process.env.DROVER_BENCH_PACK_LINES ?? 200_000);
const RUNS = 3;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const line = (i: number) =>
  `<30>Nov 29 10:00:00 host-${i % 50} systemd[1]: Started Session ${i} of user deploy.`;

async function write(brokers: readonly string[], topic: string, packed: boolean): Promise<number> {
  let ctx: InputContext | undefined;
  const input: InputNode = {
    kind: 'input',
    start: async (c) => {
      ctx = c;
    },
    stop: async () => {},
  };
  const kafka = new KafkaOutput(
    kafkaOutputSettings.parse({ brokers, topic, encoding: 'raw', raw_field: 'log', 'producer.acks': '1' }),
    { brokers },
    quiet,
  );
  const nodes: EngineNode[] = [
    { component: 'in', impl: input, publish: [{ stream: 'logs', fields: ['log'] }], subscribe: [] },
  ];
  if (packed) {
    nodes.push({
      component: 'pack',
      impl: new Pack(packSettings.parse({ format: 'lines' }), 'packs'),
      publish: [{ stream: 'packs', fields: ['log'] }],
      subscribe: [{ component: 'in', stream: 'logs' }],
    });
  }
  nodes.push({
    component: 'kafka',
    impl: kafka,
    publish: [],
    subscribe: [{ component: packed ? 'pack' : 'in', stream: packed ? 'packs' : 'logs' }],
  });
  const engine = new Engine(nodes, { maxPending: 5000, messageTimeoutMs: 60_000, logger: quiet });
  await engine.start();
  const c = ctx as InputContext;
  let confirmed = 0;
  let failed = 0;
  let all: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    all = resolve;
  });
  const start = performance.now();
  for (let i = 0; i < LINES; i++) {
    if (c.inFlight >= c.maxPending) await c.ready();
    c.emit('logs', { log: line(i) }, (outcome) => {
      if (outcome.ok) confirmed++;
      else failed++;
      if (confirmed + failed === LINES) all();
    });
  }
  await finished;
  const ms = performance.now() - start;
  await engine.drain(5000);
  if (failed > 0) throw new Error(`${failed} lines failed`);
  return (LINES / ms) * 1000;
}

async function read(
  brokers: readonly string[],
  topic: string,
  packed: boolean,
  run: number,
): Promise<number> {
  let received = 0;
  let all: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    all = resolve;
  });
  let start = 0;
  const output: OutputNode = {
    kind: 'output',
    write: (_event, done) => {
      if (received === 0) start = performance.now();
      if (++received === LINES) all();
      done();
    },
    close: async () => {},
  };
  const group = `bench-pack-read-${topic}-${run}`;
  const nodes: EngineNode[] = [
    {
      component: 'kin',
      impl: new KafkaInput(
        kafkaInputSettings.parse({ brokers, topic, group_id: group, encoding: 'raw', raw_field: 'log' }),
        { brokers },
        group,
        'logs',
      ),
      publish: [{ stream: 'logs', fields: ['log'] }],
      subscribe: [],
    },
  ];
  if (packed) {
    nodes.push({
      component: 'unpack',
      impl: new Unpack(unpackSettings.parse({ format: 'lines' }), 'lines'),
      publish: [{ stream: 'lines', fields: ['log'] }],
      subscribe: [{ component: 'kin', stream: 'logs' }],
    });
  }
  nodes.push({
    component: 'out',
    impl: output,
    publish: [],
    subscribe: [{ component: packed ? 'unpack' : 'kin', stream: packed ? 'lines' : 'logs' }],
  });
  // Packs of 100: max.spout.pending counts packs on the read side.
  const engine = new Engine(nodes, {
    maxPending: packed ? 50 : 5000,
    messageTimeoutMs: 60_000,
    logger: quiet,
  });
  await engine.start();
  await finished;
  const ms = performance.now() - start;
  await engine.drain(5000);
  return (LINES / ms) * 1000;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['kafka']);
  const brokers = services.kafka?.brokers ?? [];
  const tag = `${Date.now().toString(36)}-${process.pid}`;
  try {
    const rates = {
      plainWrite: [] as number[],
      packWrite: [] as number[],
      plainRead: [] as number[],
      packRead: [] as number[],
    };
    const topics: { plain: string; packed: string }[] = [];
    for (let k = 0; k < RUNS; k++) {
      const t = {
        plain: `drover-bench-pack-${tag}-${k}-plain`,
        packed: `drover-bench-pack-${tag}-${k}-packed`,
      };
      await createTopics(brokers, [t.plain, t.packed], 1, { 'retention.bytes': String(64 * 1024 * 1024) });
      topics.push(t);
      rates.plainWrite.push(await write(brokers, t.plain, false));
      rates.packWrite.push(await write(brokers, t.packed, true));
      ctx.log(
        `  write run ${k}: plain ${rates.plainWrite[k]?.toFixed(0)} lines/s, packed ${rates.packWrite[k]?.toFixed(0)} lines/s`,
      );
    }
    for (const [k, t] of topics.entries()) {
      rates.plainRead.push(await read(brokers, t.plain, false, k));
      rates.packRead.push(await read(brokers, t.packed, true, k));
      ctx.log(
        `  read run ${k}: plain ${rates.plainRead[k]?.toFixed(0)} lines/s, unpacked ${rates.packRead[k]?.toFixed(0)} lines/s`,
      );
    }
    const row = (c: string, values: number[]): BenchRow => ({
      case: c,
      metric: 'lines/s',
      value: Math.round(median(values)),
      unit: 'lines/s',
    });
    return [
      row(
        `write ${LINES} ~90-byte syslog lines: input -> kafka_output (raw, acks 1), one message per line`,
        rates.plainWrite,
      ),
      row(
        'write the same: input -> pack (lines, 100 per pack) -> kafka_output, one message per 100 lines',
        rates.packWrite,
      ),
      row('read them back: kafka_input -> output, one message per line', rates.plainRead),
      row('read them back: kafka_input -> unpack -> output, 100 lines per message', rates.packRead),
    ];
  } finally {
    await release();
  }
}
