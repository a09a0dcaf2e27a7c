/**
 * Our sender to our receiver over mutual TLS, as two punchlinectl processes:
 *
 *   sender:   kafka_input (source topic) -> lumberjack_output (ssl, client certificate)
 *   receiver: lumberjack_input (ssl, ssl_client_auth: required) -> kafka_output (sink topic)
 *
 * Every id produced into the source topic reaches the sink. Then clients without a valid
 * certificate (one signed by an untrusted CA, one with none, one not speaking TLS at all) get no
 * window acknowledged, nothing of theirs reaches Kafka, and the receiver still serves a valid client.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import { connectKafkaProducer } from '@drover/kafka-resources';
import { type ClientOptions, decodeAck, encodeWindow, LumberjackConnection } from '@drover/lumberjack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../support/certs.js';
import { eventually } from '../support/cluster.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import { type PunchlineProcess, startPunchline, stopPunchline } from '../support/punchline.js';
import { droverServices } from '../support/services.js';

const TOTAL = 2000;

let brokers: readonly string[];
let dir: string;
let pki: TestPki;
let ljPort: number;
let receiver: PunchlineProcess | undefined;
let sender: PunchlineProcess | undefined;
let reader: TopicReader | undefined;
const suffix = uniqueSuffix();
const sourceTopic = `e2e-tls-source-${suffix}`;
const sinkTopic = `e2e-tls-sink-${suffix}`;

function receiverPipeline(port: number): string {
  return `version: "6.0"
name: tls_receiver
dag:
  - type: lumberjack_input
    component: lumberjack_in
    settings:
      listen:
        host: 127.0.0.1
        port: ${port}
      ssl: true
      ssl_private_key: ${pki.server.keyFile}
      ssl_certificate: ${pki.server.certFile}
      ssl_trusted_certificate: ${pki.ca.certFile}
      ssl_client_auth: required
    publish:
      - stream: logs
        fields: [id, log, _ppf_id, _ppf_remote_host]
  - type: kafka_output
    component: sink
    settings:
      cluster: kafka_front
      topic: ${sinkTopic}
      producer.acks: all
    subscribe:
      - component: lumberjack_in
        stream: logs
settings:
  max.spout.pending: 5000
  message_timeout: 30s
`;
}

function senderPipeline(port: number): string {
  return `version: "6.0"
name: tls_sender
dag:
  - type: kafka_input
    component: source
    settings:
      cluster: kafka_front
      topic: ${sourceTopic}
      group_id: e2e-tls-sender-${suffix}
      start_offset_strategy: earliest
    publish:
      - stream: logs
        fields: [id, log]
  - type: lumberjack_output
    component: lumberjack_out
    settings:
      destinations:
        - host: 127.0.0.1
          port: ${port}
          ssl: true
          ssl_trusted_certificate: ${pki.ca.certFile}
          ssl_certificate: ${pki.client.certFile}
          ssl_private_key: ${pki.client.keyFile}
      window_size: 250
      linger_ms: 20
      ack_timeout_ms: 10000
      retry_initial_ms: 200
      retry_max_ms: 2000
    subscribe:
      - component: source
        stream: logs
settings:
  max.spout.pending: 5000
  message_timeout: 30s
`;
}

beforeAll(async () => {
  brokers = droverServices('kafka').kafka.brokers;
  dir = mkdtempSync(join(tmpdir(), 'drover-lj-tls-'));
  pki = createTestPki(mkdtempSync(join(dir, 'pki-')));
  [ljPort = 0] = await freePorts(1);
  await createTopics(brokers, [sourceTopic, sinkTopic]);
  reader = await readTopics(brokers, [sinkTopic]);
  writeFileSync(join(dir, 'receiver.yaml'), receiverPipeline(ljPort));
  writeFileSync(join(dir, 'sender.yaml'), senderPipeline(ljPort));
  receiver = await startPunchline({
    name: 'receiver',
    file: join(dir, 'receiver.yaml'),
    brokers,
    logFile: join(dir, 'receiver.log'),
  });
});

afterAll(async () => {
  await stopPunchline(sender?.proc);
  await stopPunchline(receiver?.proc);
  await reader?.close();
});

const sinkIds = (): Set<string> => new Set((reader as TopicReader).json(sinkTopic).map((m) => String(m.id)));

/**
 * Connects with `tls` and sends one window. 'acked', or why it was not: the connection failing or
 * closing (a refusal) or no ACK within the deadline (a stall, not a refusal).
 */
async function tryWindow(tls: ClientOptions['tls'], events: readonly object[]): Promise<string> {
  let conn: LumberjackConnection | undefined;
  try {
    conn = await LumberjackConnection.connect({
      host: '127.0.0.1',
      port: ljPort,
      ...(tls === undefined ? {} : { tls }),
      connectTimeoutMs: 10_000,
      ackTimeoutMs: 15_000,
    });
    await conn.send(events);
    return 'acked';
  } catch (err) {
    return (err as Error).message;
  } finally {
    conn?.close();
  }
}

/** A plain TCP client writing a Lumberjack window to the TLS port: ACKs seen, and whether it was closed. */
async function plainWindow(events: readonly object[]): Promise<{ acks: number[]; closed: boolean }> {
  const acks: number[] = [];
  let buf = Buffer.alloc(0);
  const socket = net.connect(ljPort, '127.0.0.1');
  let closed = false;
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      let ack: { seq: number } | undefined;
      try {
        ack = decodeAck(buf);
      } catch {
        return; // not an ACK (a TLS alert, say): not an acknowledgement either
      }
      if (ack === undefined) return;
      acks.push(ack.seq);
      buf = buf.subarray(6);
    }
  });
  socket.on('connect', () => socket.write(encodeWindow(events, { compressionLevel: 3 })));
  await eventually(() => closed, 20_000, 'the receiver closes a plain TCP client');
  return { acks, closed };
}

describe('lumberjack_output to lumberjack_input over mutual TLS (real processes)', () => {
  it(`delivers all ${TOTAL} ids from the source topic to the sink topic`, async () => {
    const producer = await connectKafkaProducer({ brokers, acks: -1 });
    const ids = Array.from({ length: TOTAL }, (_, i) => `tls-${suffix}-${i}`);
    try {
      for (let at = 0; at < TOTAL; at += 500) {
        await producer.send(
          sourceTopic,
          ids.slice(at, at + 500).map((id) => ({ value: JSON.stringify({ id, log: `over tls ${id}` }) })),
        );
      }
    } finally {
      await producer.close();
    }
    sender = await startPunchline({
      name: 'sender',
      file: join(dir, 'sender.yaml'),
      brokers,
      logFile: join(dir, 'sender.log'),
    });
    await eventually(() => sinkIds().size >= TOTAL, 90_000, `${TOTAL} ids in the sink`);
    expect([...sinkIds()].sort()).toEqual([...ids].sort());
    for (const m of (reader as TopicReader).json(sinkTopic)) {
      expect(m.log).toBe(`over tls ${String(m.id)}`);
      expect(m._ppf_remote_host).toMatch(/127\.0\.0\.1/);
    }
    // The sender confirmed them all: every window was acknowledged over TLS.
    const acked = new RegExp(`punchline_events_acked_total\\{[^}]*component="source"\\} ${TOTAL}\n`);
    await eventually(
      async () => acked.test(await (sender as PunchlineProcess).metrics()),
      30_000,
      'the sender confirmed every event',
    );
    expect(await (sender as PunchlineProcess).metrics()).toMatch(
      /punchline_events_failed_total\{[^}]*component="source"\} 0\n/,
    );
  });

  it('refuses clients without a valid certificate, and keeps serving the valid one', async () => {
    const marker = `rogue-${suffix}`;
    const window = (who: string) =>
      Array.from({ length: 5 }, (_, i) => ({ id: `${marker}-${who}-${i}`, log: `from ${who}` }));

    // A certificate signed by a CA the receiver does not trust.
    const untrusted = await tryWindow(
      { ca: pki.ca.cert, cert: pki.rogueClient.cert, key: pki.rogueClient.key },
      window('untrusted'),
    );
    // No certificate at all (ssl_client_auth: required).
    const anonymous = await tryWindow({ ca: pki.ca.cert }, window('anonymous'));
    for (const outcome of [untrusted, anonymous]) {
      expect(outcome).not.toBe('acked');
      // Refused by the TLS layer (handshake alert or connection closed), not merely left waiting.
      expect(outcome).not.toMatch(/no ACK progress|timed out/);
      expect(outcome).toMatch(/127\.0\.0\.1:\d+: /);
    }
    // Not TLS at all: no ACK, the connection is closed.
    const plain = await plainWindow(window('plain'));
    expect(plain.acks).toEqual([]);
    expect(plain.closed).toBe(true);
    // The receiver logged each refusal with the peer and the reason (its log file is written as
    // it goes, through a pipe: wait for the lines rather than read it once).
    const receiverLog = () => (receiver as PunchlineProcess).proc.log();
    const refusalsIn = (log: string) => log.split('\n').filter((l) => l.includes('TLS client refused'));
    await eventually(
      () => refusalsIn(receiverLog()).length >= 2 && /TLS handshake refused/.test(receiverLog()),
      10_000,
      'the refusals in the receiver log',
    );
    const log = receiverLog();
    const refusals = refusalsIn(log);
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const line of refusals) expect(line).toMatch(/"peer":"127\.0\.0\.1:\d+"/);
    expect(log).toMatch(/TLS handshake refused/); // the plain TCP client

    // Still serving: a valid client gets its window acknowledged (so it is in Kafka) ...
    const after = Array.from({ length: 5 }, (_, i) => ({ id: `after-${suffix}-${i}`, log: 'after' }));
    expect(await tryWindow({ ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key }, after)).toBe(
      'acked',
    );
    await eventually(
      () => after.every((e) => sinkIds().has(e.id)),
      30_000,
      'the valid window after the refusals in the sink',
    );
    // ... and, written before it, nothing of the refused clients is.
    expect([...sinkIds()].filter((id) => id.startsWith(marker))).toEqual([]);
    expect(receiver?.proc.running).toBe(true);
  });
});
