/**
 * The shipped forwarder channel, for real: its pipeline (generator_input -> lumberjack_output)
 * runs as a punchlinectl process and sends, load-balanced, to two receivers running the shipped
 * receiver pipeline, into Kafka. One receiver is killed with SIGKILL mid-stream and restarted:
 * the forwarder resends what it had not acknowledged, and every generated line is in Kafka.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, repoRoot } from '../support/cluster.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import {
  type PunchlineProcess,
  receiverPipeline,
  startPunchline,
  stopPunchline,
} from '../support/punchline.js';
import { droverServices } from '../support/services.js';

const COUNT = 30_000;

const started: PunchlineProcess[] = [];
let reader: TopicReader | undefined;
afterAll(async () => {
  await Promise.all(started.map((p) => stopPunchline(p.proc)));
  await reader?.close();
});

/** The input counter of a receiver's lumberjack_input, from its Prometheus metrics. */
async function received(p: PunchlineProcess): Promise<number> {
  const m = (await p.metrics()).match(
    /punchline_events_out_total\{[^}]*component="lumberjack_input_logs"\} (\d+)/,
  );
  return Number(m?.[1] ?? 0);
}

describe('reftenant/forwarder -> two reftenant/receiver instances -> Kafka (real processes)', () => {
  it('delivers every generated line, load-balanced, across a receiver SIGKILL', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const dir = mkdtempSync(join(tmpdir(), 'drover-fwd-'));
    const suffix = uniqueSuffix();
    const [p1 = 0, p2 = 0] = await freePorts(2);

    // The receivers: the shipped pipeline on two loopback ports, with topics unique to this run.
    const receiverFiles = [p1, p2].map(
      (port, i) =>
        receiverPipeline(join(dir, 'receiver'), { port, suffix, file: `logs_receiver${i}.yaml` }).file,
    );
    const { topics } = receiverPipeline(join(dir, 'receiver'), { port: p1, suffix });
    await createTopics(brokers, topics, 3);
    const startReceiver = (i: number) =>
      startPunchline({
        name: `receiver-${i}`,
        file: receiverFiles[i] ?? '',
        brokers,
        logFile: join(dir, `receiver-${i}.log`),
        identity: { tenant: 'reftenant', channel: 'receiver', app: `central_receiver${i + 1}` },
      });
    const receivers = [await startReceiver(0), await startReceiver(1)];
    started.push(...receivers);

    // The forwarder: the shipped pipeline, a fixed count instead of a rate, sending to both.
    cpSync(join(repoRoot, 'channels', 'reftenant', 'forwarder'), join(dir, 'forwarder'), { recursive: true });
    const forwarderFile = join(dir, 'forwarder', 'forwarder.yaml');
    const shipped = readFileSync(forwarderFile, 'utf8');
    const forwarderText = shipped
      .replace(/rate: 100[^\n]*/, `count: ${COUNT}`)
      .replace(/host: centralfront1(\s+)port: 2002/, `host: 127.0.0.1$1port: ${p1}`)
      .replace(/host: centralfront2(\s+)port: 2002/, `host: 127.0.0.1$1port: ${p2}`);
    expect(forwarderText).not.toBe(shipped);
    expect(forwarderText).toContain(`count: ${COUNT}`);
    expect(forwarderText).not.toMatch(/centralfront/);
    writeFileSync(forwarderFile, forwarderText);

    reader = await readTopics(brokers, topics);
    const forwarder = await startPunchline({
      name: 'forwarder',
      file: forwarderFile,
      brokers,
      logFile: join(dir, 'forwarder.log'),
      identity: { tenant: 'reftenant', channel: 'forwarder', app: 'forwarder' },
    });
    started.push(forwarder);

    // Mid-stream, receiver 0 dies without a word; it comes back a second later.
    await eventually(
      async () => (await received(receivers[0] as PunchlineProcess)) > 2_000,
      60_000,
      'traffic',
    );
    await receivers[0]?.proc.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    receivers[0] = await startReceiver(0);
    started.push(receivers[0]);

    const seqs = () => {
      const seen = new Map<number, number>();
      for (const topic of topics) {
        for (const doc of reader?.json(topic) ?? []) {
          const m = /seq=(\d+)/.exec(String(doc.log));
          if (m !== null) seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
        }
      }
      return seen;
    };
    await eventually(() => seqs().size === COUNT, 120_000, `all ${COUNT} lines in Kafka`);
    const seen = seqs();
    const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    process.stderr.write(
      `forwarder e2e: ${COUNT} lines, ${duplicates} duplicates after a receiver SIGKILL\n`,
    );
    expect(Math.min(...seen.keys())).toBe(0);
    expect(Math.max(...seen.keys())).toBe(COUNT - 1);
    // Both receivers took a share: receiver 0 its 2,000+ before the kill, receiver 1 the rest.
    expect(await received(receivers[1] as PunchlineProcess)).toBeGreaterThan(0);
    // The generator's device types went where the receiver's dispatch sends them.
    const linux = reader.json(topics.find((t) => t.includes('linux-os')) ?? '');
    expect(linux.some((d) => String(d.raw_log).includes(' sshd['))).toBe(true);
    expect(linux.every((d) => d.device_type === 'linux_os' && !String(d.raw_log).includes(' httpd['))).toBe(
      true,
    );
    expect(await stopPunchline(forwarder.proc)).toBe(0);
  });
});
