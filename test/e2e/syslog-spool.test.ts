/**
 * The spool drills, with real processes: rsyslog (Debian, omrelp) sends 300,000 numbered lines
 * to the syslog receiver channel (punchlinectl, spool on) while its Kafka broker is stopped for
 * 60 s. Meanwhile the spool grows and the receiver's RSS stays bounded; 40 s into the outage the
 * receiver is killed with SIGKILL while its spool holds unconfirmed messages, and started again.
 * When the broker is back, every number must be in Kafka.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, type KafkaHandle, startKafka } from '@drover/dev-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../support/certs.js';
import { eventually } from '../support/eventually.js';
import { createTopics, readTopics } from '../support/kafka.js';
import {
  type PunchlineProcess,
  startPunchline,
  stopPunchline,
  syslogReceiverPipeline,
} from '../support/punchline.js';
import { imfileInput, omrelp, type RsyslogProcess, startRsyslog } from '../support/rsyslog.js';

const TOTAL = 300_000;
const OUTAGE_MS = 60_000;
const KILL_AFTER_MS = 40_000;
const RUN = 'spooldrill';

let dir: string;
let kafka: KafkaHandle;
let pipelineFile: string;
let topics: string[];
let receiver: PunchlineProcess | undefined;
let sender: RsyslogProcess | undefined;
let starts = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startReceiver(): Promise<PunchlineProcess> {
  receiver = await startPunchline({
    name: `syslog-receiver-${starts}`,
    file: pipelineFile,
    brokers: kafka.brokers,
    logFile: join(dir, `receiver-${starts++}.log`),
    // The heap the runner gives the channel's receivers (-Xmx96m).
    env: { NODE_OPTIONS: '--max-old-space-size=96' },
  });
  return receiver;
}

async function metric(name: string): Promise<number> {
  const text = (await receiver?.metrics().catch(() => '')) ?? '';
  return Number(new RegExp(`^punchline_node_${name}\\{[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-syslog-spool-'));
  kafka = await startKafka({ dir: join(dir, 'kafka') });
  mkdirSync(join(dir, 'pki'));
  const pki = createTestPki(join(dir, 'pki'));
  const [tls = 0, relp = 0, tcp = 0, udp = 0] = await freePorts(4);
  const generated = syslogReceiverPipeline(join(dir, 'channel'), {
    ports: { tls, relp, tcp, udp },
    suffix: 'drill',
    tls: { key: pki.server.keyFile, cert: pki.server.certFile },
    spoolDir: join(dir, 'spool'),
  });
  pipelineFile = generated.file;
  topics = generated.topics;
  await createTopics(kafka.brokers, topics);
  await startReceiver();
  const lines: string[] = [];
  for (let i = 0; i < TOTAL; i++) lines.push(`${RUN} ${i}`);
  const file = join(dir, 'numbers.txt');
  writeFileSync(file, `${lines.join('\n')}\n`);
  mkdirSync(join(dir, 'rsyslog'));
  sender = await startRsyslog(
    join(dir, 'rsyslog'),
    [
      'main_queue(queue.size="400000")',
      'module(load="omrelp")',
      imfileInput(file, RUN, 'out'),
      `ruleset(name="out") {\n  ${omrelp(relp)}\n}`,
    ].join('\n'),
    'rsyslogd-drill',
  );
}, 300_000);

afterAll(async () => {
  await sender?.stop();
  await stopPunchline(receiver?.proc);
  await kafka?.stop();
});

describe('syslog receiver spool drills (real rsyslog, real Kafka, real processes)', () => {
  it(`keeps ${TOTAL} RELP messages through a ${OUTAGE_MS / 1000} s broker outage and a SIGKILL with a full spool`, async () => {
    // Some traffic through first, then the broker goes away.
    await eventually(async () => (await metric('messages')) >= 20_000, 120_000, '20,000 messages received');
    const { port, controllerPort } = kafka;
    await kafka.stop();
    const outageStart = Date.now();
    const first = receiver as PunchlineProcess;
    const rssAtStart = rssBytes(first.proc.pid);
    const spoolAtStart = await metric('spool_records');
    let rssMax = rssAtStart;
    let spoolMax = spoolAtStart;
    // RSS and spool depth over the outage, in two halves: flat means the second half's RSS is not
    // above the first's (the heap settles, the disk takes the rest). How much of the 300,000 the
    // spool takes in each half depends on how fast rsyslog sends on the day.
    const halves = [
      { rss: 0, spool: 0 },
      { rss: 0, spool: 0 },
    ];
    while (Date.now() - outageStart < KILL_AFTER_MS) {
      await sleep(500);
      const half = halves[Date.now() - outageStart < KILL_AFTER_MS / 2 ? 0 : 1] as {
        rss: number;
        spool: number;
      };
      const rss = rssBytes(first.proc.pid);
      const spool = await metric('spool_records');
      half.rss = Math.max(half.rss, rss);
      half.spool = Math.max(half.spool, spool);
      rssMax = Math.max(rssMax, rss);
      spoolMax = Math.max(spoolMax, spool);
    }
    // SIGKILL while the spool holds what Kafka never confirmed; a new receiver takes the spool over.
    const unconfirmed = await metric('spool_records');
    await first.proc.kill('SIGKILL');
    const second = await startReceiver();
    const replayed = await metric('spool_replayed');
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStart)));
    kafka = await startKafka({ dir: join(dir, 'kafka'), port, controllerPort });
    const outageSeconds = (Date.now() - outageStart) / 1000;

    // The lines' program ("spooldrill") is no known device type: they go to the unknown topic.
    const unknown = topics.find((t) => t.includes('unknown')) as string;
    const reader = await readTopics(kafka.brokers, [unknown]);
    const seen = new Set<number>();
    let messages = 0;
    let read = 0;
    const count = () => {
      const values = reader.values.get(unknown) ?? [];
      for (; read < values.length; read++) {
        const log = String((JSON.parse(values[read] ?? '{}') as { log?: unknown }).log ?? '');
        const m = new RegExp(`${RUN} (\\d+)$`).exec(log);
        if (m === null) continue;
        messages++;
        seen.add(Number(m[1]));
      }
      return seen.size;
    };
    try {
      await eventually(() => count() === TOTAL, 240_000, `${TOTAL} numbers in Kafka`);
    } finally {
      await reader.close();
    }
    console.log(
      `syslog spool drill: broker down ${outageSeconds.toFixed(0)} s; spool grew from ${spoolAtStart} to ${spoolMax} records ` +
        `while the receiver's RSS went from ${(rssAtStart / 2 ** 20).toFixed(1)} to at most ${(rssMax / 2 ** 20).toFixed(1)} MB; ` +
        `first/second half of the outage: RSS at most ${((halves[0]?.rss ?? 0) / 2 ** 20) | 0} / ${((halves[1]?.rss ?? 0) / 2 ** 20) | 0} MB ` +
        `with the spool at ${halves[0]?.spool} / ${halves[1]?.spool} records; ` +
        `SIGKILL with ${unconfirmed} unconfirmed in the spool, ${replayed} replayed by the next receiver; ` +
        `${TOTAL} of ${TOTAL} numbers in Kafka, ${messages - TOTAL} duplicates`,
    );
    expect(second.proc.running).toBe(true);
    expect(spoolMax - spoolAtStart).toBeGreaterThan(10_000); // the spool took what Kafka could not
    expect(unconfirmed).toBeGreaterThan(0);
    expect(replayed).toBeGreaterThanOrEqual(unconfirmed);
    // Bounded: RSS levels off while the spool holds what Kafka could not take, within the
    // memory_limit the channel runs under (320Mi, heap -Xmx96m): the spooled messages are on disk.
    // (With the heap capped, RSS rises while V8 fills its allowed heap, then levels off.)
    expect(halves[1]?.rss ?? 0).toBeLessThanOrEqual((halves[0]?.rss ?? 0) + 32 * 2 ** 20);
    expect(rssMax).toBeLessThan(320 * 2 ** 20);
  }, 600_000);
});
