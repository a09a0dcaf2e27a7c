/**
 * punchlinectl as a process: a malformed pipeline exits 1 with file:line:column; the receiver
 * pipeline runs against the real broker, ACKs a Lumberjack window after Kafka, serves its
 * metrics, and exits 0 on SIGTERM after a clean drain.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import { connectKafkaAdmin, ensureTopics } from '@drover/kafka-resources';
import { decodeAck, encodeWindow } from '@drover/lumberjack';
import { describe, expect, it } from 'vitest';
import { eventually, fetchJson, Proc, repoRoot, run } from '../support/cluster.js';
import { uniqueSuffix } from '../support/kafka.js';
import { receiverPipeline } from '../support/punchline.js';
import { droverServices } from '../support/services.js';

const bin = join(repoRoot, 'apps', 'punchline', 'bin', 'punchlinectl.js');

describe('punchlinectl (real process, real Kafka)', () => {
  it('refuses a malformed pipeline with file:line:column and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-pl-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'version: "6.0"\ndag:\n  - type: kafka_outputt\n    component: out\n',
    );
    const r = await run(process.execPath, [bin, 'start', '--punchline', join(dir, 'bad.yaml')], {
      PATH: process.env.PATH,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+: dag\[0\]\.type: unknown node type "kafka_outputt"/);
  });

  it('runs the receiver pipeline, ACKs after Kafka, and drains cleanly on SIGTERM', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const dir = mkdtempSync(join(tmpdir(), 'drover-pl-'));
    const [ljPort = 0, metricsPort = 0] = await freePorts(2);
    const { file, topics } = receiverPipeline(dir, { port: ljPort, suffix: uniqueSuffix() });
    const admin = await connectKafkaAdmin({ brokers });
    await ensureTopics(
      admin,
      topics.map((name) => ({ cluster: 'kafka_front', name, partitions: 1, replicationFactor: 1 })),
    );
    await admin.close();

    const proc = new Proc(
      'punchlinectl',
      [
        bin,
        'start',
        '--punchline',
        file,
        '--tenant',
        'reftenant',
        '--channel',
        'receiver',
        '--app',
        'r1',
        '--kafka-cluster',
        `kafka_front=${brokers.join(',')}`,
        '--metrics-listen',
        `127.0.0.1:${metricsPort}`,
      ],
      join(dir, 'punchline.log'),
      { PATH: process.env.PATH },
    );
    try {
      await eventually(
        async () => (await fetchJson(`http://127.0.0.1:${metricsPort}/`)).status === 200,
        20_000,
        'metrics up',
      );
      const socket = await new Promise<net.Socket>((ok, fail) => {
        const s = net.connect(ljPort, '127.0.0.1', () => ok(s));
        s.on('error', fail);
      });
      const acks: number[] = [];
      socket.on('data', (d: Buffer) => {
        for (let at = 0; at + 6 <= d.length; at += 6) acks.push(decodeAck(d, at)?.seq ?? -1);
      });
      const lines = Array.from({ length: 100 }, (_, i) => ({
        log: `<38>Nov 23 05:00:00 front1 sshd[1]: line ${i}`,
        subsystem: 's',
      }));
      socket.write(encodeWindow(lines, { compressionLevel: 3 }));
      await eventually(() => acks.length === 1, 20_000, 'ACK');
      expect(acks).toEqual([100]);
      socket.destroy();
      const metrics = String((await fetchJson(`http://127.0.0.1:${metricsPort}/`)).body);
      expect(metrics).toMatch(
        /punchline_events_acked_total\{tenant="reftenant",channel="receiver",app="r1",component="lumberjack_input_logs"\} 100/,
      );
      expect(metrics).toMatch(
        /punchline_events_acked_total\{[^}]*component="kafka_front_output_switcher"\} 100/,
      );
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(proc.log()).toMatch(/drained cleanly/);
    } finally {
      if (proc.running) proc.child.kill('SIGKILL');
    }
  });
});
