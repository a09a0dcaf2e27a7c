/**
 * Interop: the npm package `lumberjack-client` (an independent implementation: Lumberjack v2,
 * JSON frames inside zlib-compressed frames, windows numbered from 1) sends to our
 * `lumberjack_input` in the reftenant receiver pipeline (a punchlinectl process), and every
 * event arrives in Kafka, in the topic the pipeline's dispatch chooses: syslog lines of sshd in
 * the linux-os topic, ECS (JSON) events of winlogbeat in the winlogbeat topic.
 *
 * lumberjack-client does not read its socket (it tracks no ACK): the test listens on the
 * client's socket to see the ACKs our receiver sends, decoding them by hand ('2A' + seq).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import LumberjackClient from 'lumberjack-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import {
  type PunchlineProcess,
  receiverPipeline,
  startPunchline,
  stopPunchline,
} from '../support/punchline.js';
import { droverServices } from '../support/services.js';

/** Sent while the client connects: lumberjack-client flushes them as one window. */
const QUEUED = 1000;
/** Then sent one by one on the open connection: one window each. */
const SINGLES = 2000;
const TOTAL = QUEUED + SINGLES;

let brokers: readonly string[];
let dir: string;
let ljPort: number;
let receiver: PunchlineProcess | undefined;
let reader: TopicReader | undefined;
const suffix = uniqueSuffix();
const topic = (name: string) => `reftenant-receiver-${name}-${suffix}`;

beforeAll(async () => {
  brokers = droverServices('kafka').kafka.brokers;
  dir = mkdtempSync(join(tmpdir(), 'drover-interop-'));
  [ljPort = 0] = await freePorts(1);
  const { file, topics } = receiverPipeline(dir, { port: ljPort, suffix });
  expect(topics).toContain(topic('linux-os'));
  expect(topics).toContain(topic('winlogbeat'));
  await createTopics(brokers, topics);
  reader = await readTopics(brokers, topics);
  receiver = await startPunchline({
    name: 'receiver',
    file,
    brokers,
    logFile: join(dir, 'receiver.log'),
    identity: { tenant: 'reftenant', channel: 'receiver', app: 'interop' },
  });
});

afterAll(async () => {
  await stopPunchline(receiver?.proc);
  await reader?.close();
});

/** Half syslog lines (to linux-os), half ECS documents (to winlogbeat), each with a unique id. */
function event(i: number): { id: string; doc: { log: string; subsystem: string; log_format?: string } } {
  const id = `interop-${suffix}-${i}`;
  if (i % 2 === 0) {
    return {
      id,
      doc: {
        log: `<38>Nov 23 05:00:00 front1 sshd[4242]: Accepted publickey id=${id}`,
        subsystem: 'interop',
      },
    };
  }
  return {
    id,
    doc: {
      log: JSON.stringify({ '@timestamp': '2024-11-23T05:00:00Z', event: { code: 4624 }, message: id }),
      log_format: 'winlogbeat',
      subsystem: 'interop',
    },
  };
}

describe('lumberjack-client (npm) to our lumberjack_input, into Kafka', () => {
  it(`delivers all ${TOTAL} events to the topics the dispatch chooses, and ACKs every window`, async () => {
    const sent = Array.from({ length: TOTAL }, (_, i) => event(i));
    const client = new LumberjackClient({ host: '127.0.0.1', port: ljPort });
    const socket = client.socket;
    if (socket === undefined) throw new Error('lumberjack-client did not open a socket');
    // Our own view of what comes back: ACK frames are '2A' + a 32-bit big-endian seq.
    const acks: number[] = [];
    let pending = Buffer.alloc(0);
    let protocolViolation: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 6) {
        if (pending[0] !== 0x32 || pending[1] !== 0x41) protocolViolation ??= pending.toString('hex');
        acks.push(pending.readUInt32BE(2));
        pending = pending.subarray(6);
      }
    });
    let closedByServer = false;
    socket.on('close', () => {
      closedByServer = true;
    });
    try {
      // Logged before the connection is up: queued, then sent as one window of QUEUED events.
      for (const e of sent.slice(0, QUEUED)) client.log(e.doc);
      expect(client.queue).toHaveLength(QUEUED);
      await eventually(() => client.connected === true, 10_000, 'lumberjack-client connected');
      await eventually(() => acks.includes(QUEUED), 60_000, 'ACK of the queued window');
      // On the open connection: each log() is a window of one event (seq 1).
      for (const e of sent.slice(QUEUED)) client.log(e.doc);
      const windows = () => acks.filter((seq) => seq > 0).length;
      await eventually(() => windows() === 1 + SINGLES, 120_000, `ACKs of ${1 + SINGLES} windows`);
      expect(protocolViolation).toBeUndefined();
      expect(closedByServer).toBe(false);
      // In window order: the big window, then one ACK per single-event window (0s are keepalives).
      expect(acks.filter((seq) => seq > 0)).toEqual([QUEUED, ...Array<number>(SINGLES).fill(1)]);
    } finally {
      // lumberjack-client has no close(): it reconnects whenever its socket closes, unless it
      // believes it is connecting already.
      client.connecting = true;
      client.socket?.destroy();
    }

    // Every id in Kafka, in the topic of its kind, with its line intact.
    const r = reader as TopicReader;
    const linux = topic('linux-os');
    const winlogbeat = topic('winlogbeat');
    await eventually(
      () => r.count(linux) + r.count(winlogbeat) >= TOTAL,
      60_000,
      `${TOTAL} events in ${linux} and ${winlogbeat}`,
    );
    const syslogSent = new Map(sent.filter((_, i) => i % 2 === 0).map((e) => [e.id, e.doc.log]));
    const ecsSent = new Map(sent.filter((_, i) => i % 2 === 1).map((e) => [e.id, e.doc.log]));
    const syslogSeen = new Map<string, unknown>();
    for (const m of r.json(linux)) {
      const id = /id=(\S+)$/.exec(String(m.raw_log))?.[1] ?? '';
      syslogSeen.set(id, m.raw_log);
      expect(m).toMatchObject({ subsystem: 'interop', device_type: 'linux_os' });
    }
    const ecsSeen = new Map<string, unknown>();
    for (const m of r.json(winlogbeat)) {
      const id = String((JSON.parse(String(m.log)) as { message?: unknown }).message);
      ecsSeen.set(id, m.log);
      expect(m).toMatchObject({ subsystem: 'interop' });
    }
    expect(syslogSeen).toEqual(syslogSent);
    expect(ecsSeen).toEqual(ecsSent);
    expect(r.count(linux) + r.count(winlogbeat)).toBe(TOTAL); // no duplicates either
    for (const other of ['apache', 'unknown', 'switch-errors']) expect(r.count(topic(other))).toBe(0);

    const metrics = await (receiver as PunchlineProcess).metrics();
    expect(metrics).toContain(
      `punchline_events_acked_total{tenant="reftenant",channel="receiver",app="interop",component="lumberjack_input_logs"} ${TOTAL}`,
    );
  });
});
