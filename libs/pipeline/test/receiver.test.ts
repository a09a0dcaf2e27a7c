/**
 * The seed's receiver pipeline (channels/reftenant/receiver/logs_receiver.yaml), built from the
 * file and run in-process against a real Kafka broker: Lumberjack windows in, one topic per device
 * type out, format errors to the errors topic, and each window acknowledged only after Kafka.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePipeline, unwrap } from '@drover/channel-model';
import { connectKafkaAdmin, ensureTopics } from '@drover/kafka-resources';
import { decodeAck, encodeWindow } from '@drover/lumberjack';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { filebeatEvent, winlogbeatLogon } from '../../../test/support/beats-events.js';
import { droverServices } from '../../../test/support/services.js';
import { buildPipeline } from '../src/build.js';
import type { LumberjackInput } from '../src/nodes/lumberjack-input.js';
import { quiet, testEngine } from './support/nodes.js';

const channelDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../channels/reftenant/receiver');

async function consumeAll(
  brokers: string[],
  topics: string[],
  expected: number,
): Promise<Map<string, Record<string, unknown>[]>> {
  const kafka = new kafkajs.Kafka({ clientId: 'test', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `receiver-test-${Date.now()}` });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  const got = new Map<string, Record<string, unknown>[]>();
  let count = 0;
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`only ${count} of ${expected} messages`)), 30_000);
    void consumer.run({
      eachMessage: async ({ topic, message }) => {
        const list = got.get(topic) ?? [];
        list.push(JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>);
        got.set(topic, list);
        if (++count >= expected) {
          clearTimeout(timer);
          done();
        }
      },
    });
  });
  await consumer.disconnect();
  return got;
}

describe('the receiver pipeline (real Kafka, real sockets)', () => {
  it('routes syslog by device type, Beats events whole, Winlogbeat by log_format, errors to the errors topic; ACKs after Kafka', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const file = join(channelDir, 'logs_receiver.yaml');
    const pipeline = unwrap(parsePipeline(readFileSync(file, 'utf8'), { file }));
    // Test-only changes: a free loopback port, and topics of our own on the test broker.
    const suffix = Date.now().toString(36);
    const input = pipeline.dag[0];
    if (input === undefined) throw new Error('no input');
    (input.settings as { listen: { host: string; port: number } }).listen = { host: '127.0.0.1', port: 0 };
    const output = pipeline.dag.find((n) => n.type === 'kafka_output');
    if (output === undefined) throw new Error('no kafka_output');
    const topics = (output.settings as { topics: { stream: string; topic: string }[] }).topics;
    for (const t of topics) t.topic = `${t.topic}-${suffix}`;
    const admin = await connectKafkaAdmin({ brokers });
    await ensureTopics(
      admin,
      topics.map((t) => ({ cluster: 'kafka_front', name: t.topic, partitions: 1, replicationFactor: 1 })),
    );
    await admin.close();

    const nodes = await buildPipeline(pipeline, {
      baseDir: channelDir,
      kafkaClusters: { kafka_front: { cluster: 'kafka_front', brokers } },
      logger: quiet,
    });
    const engine = testEngine(nodes, { maxPending: 5000, messageTimeoutMs: 30_000 });
    await engine.start();
    const first = nodes[0];
    if (first === undefined) throw new Error('no nodes');
    const port = (first.impl as LumberjackInput).port ?? 0;

    const filebeat = filebeatEvent('Nov 23 05:00:03 web-01 sshd[20431]: Accepted publickey for deploy', {
      path: '/var/log/auth.log',
      offset: 120934,
    });
    const filebeatJson = filebeatEvent('{"level":"info","msg":"started"}', {
      path: '/srv/app.log',
      offset: 0,
    });
    const winlogbeat = winlogbeatLogon(1063578, 'user1');
    const events: Record<string, unknown>[] = [
      { log: '<38>Nov 23 05:00:00 front1 sshd[42]: Accepted publickey for root', subsystem: 'auth' },
      { log: '<134>Nov 23 05:00:01 web1 httpd: GET / 200', subsystem: 'web' },
      { log: '<13>1 2026-11-23T05:00:02Z host9 mystery - - - who am I', subsystem: 'x' },
      {
        log: '{"event":{"code":4624},"winlog":{"channel":"Security"}}',
        log_format: 'winlogbeat',
        subsystem: 'win',
      },
      { log: 'neither json nor syslog', subsystem: 'text' },
      { subsystem: 'bad', message: 'no log field at all' },
      filebeat,
      winlogbeat,
      filebeatJson,
    ];
    const socket = await new Promise<net.Socket>((ok) => {
      const s = net.connect(port, '127.0.0.1', () => ok(s));
    });
    const acks: number[] = [];
    socket.on('data', (d: Buffer) => {
      for (let at = 0; at + 6 <= d.length; at += 6) acks.push(decodeAck(d, at)?.seq ?? -1);
    });
    socket.write(encodeWindow(events, { compressionLevel: 3 }));

    const byTopic = await consumeAll(
      brokers,
      topics.map((t) => t.topic),
      events.length,
    );
    const topicOf = (stream: string) => topics.find((t) => t.stream === stream)?.topic ?? '';
    const inTopic = (stream: string) => byTopic.get(topicOf(stream)) ?? [];
    const linux = inTopic('linux_os_logs');
    expect(linux.find((m) => m.subsystem === 'auth')).toMatchObject({
      log: 'Accepted publickey for root',
      raw_log: events[0]?.log,
      device_type: 'linux_os',
    });
    // Filebeat's syslog line takes the syslog path, and the event travels whole.
    expect(linux.find((m) => m.log_format === 'filebeat')).toMatchObject({
      log: 'Accepted publickey for deploy',
      raw_log: filebeat.message,
      device_type: 'linux_os',
      syslog: { host: 'web-01', app_name: 'sshd', procid: '20431' },
      beat: filebeat,
    });
    expect(inTopic('apache_logs')).toMatchObject([{ device_type: 'apache', log: 'GET / 200' }]);
    const unknown = inTopic('unknown_device_logs');
    expect(unknown.map((m) => m.log).sort()).toEqual(
      ['who am I', 'neither json nor syslog', filebeatJson.message].sort(),
    );
    expect(unknown.find((m) => m.log === filebeatJson.message)?.beat).toEqual(filebeatJson);
    const windows = inTopic('winlogbeat_logs');
    expect(windows.find((m) => m.subsystem === 'win')).toMatchObject({ log_format: 'winlogbeat' });
    expect(windows.find((m) => m.beat !== undefined)).toMatchObject({
      log_format: 'winlogbeat',
      beat: winlogbeat,
    });
    const errors = inTopic('_ppf_errors');
    expect(errors).toHaveLength(1);
    expect(errors[0]?._ppf_error_message).toMatch(/field "log" is missing/);
    expect(JSON.parse(String(errors[0]?._ppf_error_document))).toMatchObject(events[5] ?? {});

    await new Promise((r) => setTimeout(r, 200));
    expect(acks).toEqual([events.length]);
    socket.destroy();
    expect(await engine.drain(5000)).toBe(0);
  });
});
