/**
 * At-least-once, end to end: a sender pushes 200,000 events with unique ids, load-balanced over
 * two receiver processes (punchlinectl running the seed's receiver pipeline), into Kafka.
 * Mid-stream, one receiver is killed with SIGKILL (and restarted), then the broker is stopped for
 * 10 s. Every id must be in Kafka at least once; duplicates are counted and reported.
 */
import { join } from 'node:path';
import { lumberjackOutputSettings } from '@drover/channel-model';
import { freePorts, type KafkaHandle, startKafka } from '@drover/dev-services';
import { connectKafkaAdmin, connectKafkaConsumer, ensureTopics } from '@drover/kafka-resources';
import { Engine, type InputContext, type InputNode, LumberjackOutput, type Outcome } from '@drover/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, fetchJson, Proc, repoRoot } from '../support/cluster.js';
import { receiverPipeline } from '../support/punchline.js';
import { scratchDir } from '../support/scratch.js';

const TOTAL = 200_000;
const SUFFIX = 'alo';
const bin = join(repoRoot, 'apps', 'punchline', 'bin', 'punchlinectl.js');
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let kafka: KafkaHandle;
const dir = scratchDir('drover-alo-');
const receivers: { port: number; metrics: number; file: string; proc?: Proc }[] = [];

function startReceiver(i: number): Proc {
  const r = receivers[i] as (typeof receivers)[number];
  r.proc = new Proc(
    `receiver-${i}`,
    [
      bin,
      'start',
      '--punchline',
      r.file,
      '--kafka-cluster',
      `kafka_front=${kafka.brokers.join(',')}`,
      '--metrics-listen',
      `127.0.0.1:${r.metrics}`,
    ],
    join(dir, `receiver-${i}.log`),
    { PATH: process.env.PATH },
  );
  return r.proc;
}

beforeAll(async () => {
  kafka = await startKafka({ dir: join(dir, 'kafka') });
  const ports = await freePorts(4);
  // Both receivers write to the same topics (one suffix), on a broker of this test's own.
  const pipelines = [0, 1].map((i) =>
    receiverPipeline(join(dir, `receiver-${i}`), { port: ports[i * 2] ?? 0, suffix: SUFFIX }),
  );
  const topics = pipelines[0]?.topics ?? [];
  const admin = await connectKafkaAdmin({ brokers: kafka.brokers });
  await ensureTopics(
    admin,
    topics.map((name) => ({ cluster: 'kafka_front', name, partitions: 3, replicationFactor: 1 })),
  );
  await admin.close();
  for (let i = 0; i < 2; i++) {
    const port = ports[i * 2] ?? 0;
    const file = pipelines[i]?.file ?? '';
    receivers.push({ port, metrics: ports[i * 2 + 1] ?? 0, file });
    startReceiver(i);
  }
  for (const r of receivers) {
    await eventually(
      async () => (await fetchJson(`http://127.0.0.1:${r.metrics}/`)).status === 200,
      30_000,
      'receiver up',
    );
  }
}, 300_000);

afterAll(async () => {
  for (const r of receivers) if (r.proc?.running) r.proc.child.kill('SIGKILL');
  await kafka?.stop();
});

/** The sender: emits ids, re-emits the ones that fail (as a forwarder re-reads), until all confirmed. */
class Sender implements InputNode {
  readonly kind = 'input' as const;
  ctx: InputContext | undefined;
  confirmed = 0;
  retried = 0;
  async start(ctx: InputContext) {
    this.ctx = ctx;
  }
  async stop() {}

  async run(total: number, onProgress: (confirmed: number) => void): Promise<void> {
    const ctx = this.ctx as InputContext;
    const queue: number[] = Array.from({ length: total }, (_, i) => i);
    let outstanding = 0;
    await new Promise<void>((resolve) => {
      const pump = async () => {
        while (queue.length > 0) {
          if (ctx.inFlight >= 20_000) await ctx.ready();
          const id = queue.shift() as number;
          outstanding++;
          ctx.emit(
            'logs',
            { log: `<38>Nov 23 05:00:00 front1 sshd[1]: id=${id}`, subsystem: 'alo' },
            (o: Outcome) => {
              outstanding--;
              if (o.ok) {
                this.confirmed++;
                onProgress(this.confirmed);
              } else {
                this.retried++;
                queue.push(id);
                if (queue.length === 1) void pump();
              }
              if (this.confirmed === total) resolve();
            },
          );
        }
      };
      void pump();
    });
    expect(outstanding).toBe(0);
  }
}

async function idsInKafka(expected: number): Promise<{ distinct: number; duplicates: number }> {
  const seen = new Map<number, number>();
  let messages = 0;
  const consumer = await connectKafkaConsumer({
    brokers: kafka.brokers,
    groupId: `alo-check-${Date.now()}`,
    topics: [`reftenant-receiver-linux-os-${SUFFIX}`],
    fromBeginning: true,
    onMessage: async (m) => {
      messages++;
      const id = Number(/id=(\d+)/.exec(m.value?.toString() ?? '')?.[1]);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    },
  });
  try {
    await eventually(() => seen.size >= expected, 120_000, `${expected} distinct ids in Kafka`);
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await consumer.close();
  }
  return { distinct: seen.size, duplicates: messages - seen.size };
}

describe('at-least-once through two receivers into Kafka (real processes)', () => {
  it(`delivers all ${TOTAL} ids despite a receiver SIGKILL and a 10 s broker outage`, async () => {
    const sender = new Sender();
    const output = new LumberjackOutput(
      lumberjackOutputSettings.parse({
        destinations: receivers.map((r) => ({ host: '127.0.0.1', port: r.port })),
        window_size: 1000,
        linger_ms: 20,
        ack_timeout_ms: 10_000,
        retry_initial_ms: 200,
        retry_max_ms: 2000,
      }),
      quiet,
    );
    const engine = new Engine(
      [
        {
          component: 'gen',
          impl: sender,
          publish: [{ stream: 'logs', fields: ['log', 'subsystem'] }],
          subscribe: [],
        },
        { component: 'lj', impl: output, publish: [], subscribe: [{ component: 'gen', stream: 'logs' }] },
      ],
      { maxPending: 20_000, messageTimeoutMs: 60_000, logger: quiet },
    );
    await engine.start();
    let killed = false;
    let outage = false;
    const faults: Promise<void>[] = [];
    const started = Date.now();
    await sender.run(TOTAL, (confirmed) => {
      if (!killed && confirmed >= TOTAL * 0.25) {
        killed = true;
        faults.push(
          (async () => {
            await receivers[0]?.proc?.kill('SIGKILL');
            await new Promise((r) => setTimeout(r, 1000));
            startReceiver(0);
          })(),
        );
      }
      if (!outage && confirmed >= TOTAL * 0.55) {
        outage = true;
        faults.push(
          (async () => {
            const { port, controllerPort } = kafka;
            await kafka.stop();
            await new Promise((r) => setTimeout(r, 10_000));
            kafka = await startKafka({ dir: join(dir, 'kafka'), port, controllerPort });
          })(),
        );
      }
    });
    await Promise.all(faults);
    const seconds = (Date.now() - started) / 1000;
    expect(await engine.drain(5000)).toBe(0);
    const { distinct, duplicates } = await idsInKafka(TOTAL);
    console.log(
      `at-least-once: ${TOTAL} ids in ${seconds.toFixed(1)} s; ${distinct} distinct in Kafka, ${duplicates} duplicates, ` +
        `${sender.retried} events re-sent by the sender, ${output.stats.resent} windows resent by lumberjack_output`,
    );
    expect(distinct).toBe(TOTAL);
    expect(killed && outage).toBe(true);
  }, 600_000);
});
