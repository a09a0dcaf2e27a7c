/**
 * The pipeline engine's own overhead: events through input -> two processing nodes -> output
 * (which confirms at once), with tracking, field filtering and flow control, on one core.
 */
import { Engine, type Fields, type InputContext, type InputNode, type OutputNode } from '@drover/pipeline';
import { type BenchContext, type BenchRow, median } from './harness.js';

export const name = 'pipeline';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function runOnce(events: number): Promise<number> {
  let ctx: InputContext | undefined;
  const input: InputNode = {
    kind: 'input',
    start: async (c) => {
      ctx = c;
    },
    stop: async () => {},
  };
  const output: OutputNode = { kind: 'output', write: (_e, done) => done(), close: async () => {} };
  const engine = new Engine(
    [
      {
        component: 'in',
        impl: input,
        publish: [{ stream: 'logs', fields: ['log', '_ppf_id', '_ppf_timestamp'] }],
        subscribe: [],
      },
      {
        component: 'switch',
        impl: { kind: 'processing', process: (e, emit) => emit('syslog', e.fields as Fields) },
        publish: [{ stream: 'syslog', fields: ['log', '_ppf_id', '_ppf_timestamp'] }],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      {
        component: 'enrich',
        impl: {
          kind: 'processing',
          process: (e, emit) => emit('out', { ...e.fields, device_type: 'linux_os' }),
        },
        publish: [{ stream: 'out', fields: ['log', 'device_type', '_ppf_id', '_ppf_timestamp'] }],
        subscribe: [{ component: 'switch', stream: 'syslog' }],
      },
      { component: 'kafka', impl: output, publish: [], subscribe: [{ component: 'enrich', stream: 'out' }] },
    ],
    { maxPending: 5000, messageTimeoutMs: 30_000, logger: quiet },
  );
  await engine.start();
  const c = ctx as InputContext;
  const start = performance.now();
  let confirmed = 0;
  for (let i = 0; i < events; i++) {
    if (c.inFlight >= 5000) await c.ready();
    c.emit('logs', { log: `<134>Nov 23 05:00:00 host app[1]: line ${i}` }, () => {
      confirmed++;
    });
  }
  const ms = performance.now() - start;
  if (confirmed !== events) throw new Error(`confirmed ${confirmed} of ${events}`);
  return ms;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const events = 200_000;
  await runOnce(20_000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push(await runOnce(events));
  const rate = events / (median(samples) / 1000);
  ctx.log(`  engine: ${samples.map((s) => s.toFixed(0)).join(', ')} ms for ${events} events`);
  return [
    {
      case: 'engine: input -> 2 processing nodes -> output, tracked and confirmed',
      metric: 'events/s',
      value: Math.round(rate),
      unit: '/s',
    },
  ];
}
