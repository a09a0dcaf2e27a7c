/**
 * syslog_output to Drover's own syslog_input (rsyslog as the receiver is in
 * libs/pipeline/test/syslog-output.test.ts): the sender is syslog_output in an engine of the
 * test, the receiver a real punchlinectl running syslog_input (TCP, TLS with client
 * certificates, RELP) into Kafka, where the test reads what arrived. Over TCP with octet counting
 * and with LF framing, and over TLS, every event arrives once with its header fields as sent; over
 * RELP the receiver is killed with SIGKILL mid-stream and started again: every event confirmed to
 * the sender is in Kafka, and every event is confirmed.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syslogOutputSettings } from '@drover/channel-model';
import { freePorts } from '@drover/dev-services';
import {
  Engine,
  type Fields,
  type InputContext,
  type InputNode,
  type Outcome,
  SyslogOutput,
} from '@drover/pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../support/certs.js';
import { eventually } from '../support/eventually.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import { type PunchlineProcess, startPunchline, stopPunchline } from '../support/punchline.js';
import { droverServices } from '../support/services.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let dir: string;
let brokers: string[];
let pki: TestPki;
let ports: { tcp: number; tls: number; relp: number };
let topic: string;
let pipelineFile: string;
let reader: TopicReader;
let receiver: PunchlineProcess | undefined;
let starts = 0;
const engines: Engine[] = [];

/** The receiving pipeline: syslog_input on three listeners, every event (and error) into one topic. */
function receiverYaml(): string {
  return `version: "6.0"
dag:
  - type: syslog_input
    component: syslog_in
    settings:
      listeners:
        - protocol: tcp
          host: 127.0.0.1
          port: ${ports.tcp}
        - protocol: tls
          host: 127.0.0.1
          port: ${ports.tls}
          ssl_private_key: ${pki.server.keyFile}
          ssl_certificate: ${pki.server.certFile}
          ssl_trusted_certificate: ${pki.ca.certFile}
        - protocol: relp
          host: 127.0.0.1
          port: ${ports.relp}
    publish:
      - stream: logs
        fields: [log, raw_log, syslog, _ppf_transport, _ppf_remote_host, _ppf_peer_subject, _ppf_id, _ppf_timestamp]
      - stream: _ppf_errors
        fields: [_ppf_error_message, _ppf_error_document, raw_log, _ppf_transport]
  - type: kafka_output
    component: to_kafka
    settings:
      cluster: kafka_front
      topic: ${topic}
      producer.acks: all
    subscribe:
      - component: syslog_in
        stream: logs
      - component: syslog_in
        stream: _ppf_errors
settings:
  max.spout.pending: 5000
  message_timeout: 30s
`;
}

async function startReceiver(): Promise<PunchlineProcess> {
  receiver = await startPunchline({
    name: `syslog-input-${starts}`,
    file: pipelineFile,
    brokers,
    logFile: join(dir, `receiver-${starts++}.log`),
  });
  return receiver;
}

class TestInput implements InputNode {
  readonly kind = 'input' as const;
  ctx: InputContext | undefined;
  async start(ctx: InputContext) {
    this.ctx = ctx;
  }
  async stop() {}
  /** Emits `count` events as fast as max_pending allows; resolves with their outcomes. */
  async flood(count: number, make: (i: number) => Fields): Promise<Outcome[]> {
    const ctx = this.ctx as InputContext;
    const outcomes: Promise<Outcome>[] = [];
    for (let i = 0; i < count; i++) {
      if (ctx.inFlight >= ctx.maxPending) await ctx.ready();
      outcomes.push(new Promise((resolve) => ctx.emit('logs', make(i), resolve)));
    }
    return Promise.all(outcomes);
  }
}

/** An engine of the test: its input feeds syslog_output with `settings`. */
async function sender(
  settings: Record<string, unknown>,
): Promise<{ input: TestInput; output: SyslogOutput }> {
  const input = new TestInput();
  const output = new SyslogOutput(
    syslogOutputSettings.parse({ retry_initial_ms: 100, retry_max_ms: 500, ...settings }),
    quiet,
  );
  const engine = new Engine(
    [
      {
        component: 'in',
        impl: input,
        publish: [{ stream: 'logs', fields: ['log', 'syslog', '_ppf_timestamp'] }],
        subscribe: [],
      },
      { component: 'out', impl: output, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ],
    { maxPending: 2000, messageTimeoutMs: 60_000, logger: quiet },
  );
  engines.push(engine);
  await engine.start();
  return { input, output };
}

/** What arrived in Kafka for one run (its messages carry `run=<run>`), by sequence number. */
function arrived(run: string): {
  bySeq: Map<number, Record<string, unknown>>;
  messages: number;
  errors: unknown[];
} {
  const bySeq = new Map<number, Record<string, unknown>>();
  let messages = 0;
  const errors: unknown[] = [];
  const re = new RegExp(`\\bseq=(\\d+) run=${run}\\b`);
  for (const e of reader.json(topic)) {
    const text = String(e.raw_log ?? '');
    if (!text.includes(`run=${run}`)) continue;
    if (e._ppf_error_message !== undefined) {
      errors.push(e);
      continue;
    }
    const m = re.exec(String(e.log ?? ''));
    if (m === null) continue;
    messages++;
    bySeq.set(Number(m[1]), e);
  }
  return { bySeq, messages, errors };
}

/** A header as syslog_header produces it (what a processor forwards onwards). */
const header = (i: number, run: string) => ({
  facility: 4,
  severity: i % 8,
  host: 'web-1',
  app_name: 'sshd',
  procid: '4242',
  msgid: 'ID47',
  timestamp: '2026-11-29T10:00:00.123Z',
  structured_data: `[origin ip="10.0.0.1"][meta seq="${i}"]`,
  message: `Accepted publickey for deploy from 10.0.0.9 é seq=${i} run=${run}`,
});

/** The fields syslog_input must give for `header(i, run)` sent as RFC 5424. */
function expectRfc5424(e: Record<string, unknown> | undefined, i: number, run: string): void {
  const h = header(i, run);
  expect(e).toMatchObject({
    log: h.message,
    raw_log: `<${32 + (i % 8)}>1 ${h.timestamp} web-1 sshd 4242 ID47 ${h.structured_data} ${h.message}`,
    syslog: {
      header: 'parsed',
      format: 'rfc5424',
      facility: 4,
      severity: i % 8,
      version: 1,
      timestamp: h.timestamp,
      host: 'web-1',
      app_name: 'sshd',
      procid: '4242',
      msgid: 'ID47',
      structured_data: h.structured_data,
      sd: { origin: { ip: '10.0.0.1' }, meta: { seq: String(i) } },
      message: h.message,
    },
    _ppf_remote_host: '127.0.0.1',
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-syslog-output-'));
  brokers = droverServices('kafka').kafka.brokers;
  mkdirSync(join(dir, 'pki'), { recursive: true });
  pki = createTestPki(join(dir, 'pki'));
  const [tcp = 0, tls = 0, relp = 0] = await freePorts(3);
  ports = { tcp, tls, relp };
  topic = `syslog-output-e2e-${uniqueSuffix()}`;
  await createTopics(brokers, [topic]);
  pipelineFile = join(dir, 'receiver.yaml');
  writeFileSync(pipelineFile, receiverYaml());
  reader = await readTopics(brokers, [topic]);
  await startReceiver();
}, 300_000);

afterEach(async () => {
  for (const e of engines.splice(0)) await e.drain(5000);
});

afterAll(async () => {
  await stopPunchline(receiver?.proc);
  await reader?.close();
});

describe('syslog_output to syslog_input (real processes and sockets, into Kafka)', () => {
  it('TCP, octet counting: RFC 5424 from the header fields; every event once, each field as sent', async () => {
    const run = 'tcpoctet';
    const total = 2000;
    const { input } = await sender({
      destinations: [{ host: '127.0.0.1', port: ports.tcp }],
      header_field: 'syslog',
    });
    const outcomes = await input.flood(total, (i) => ({ syslog: header(i, run) }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => arrived(run).bySeq.size === total, 60_000, `${total} events of ${run}`);
    const { bySeq, messages, errors } = arrived(run);
    expect(errors).toEqual([]);
    expect(messages).toBe(total);
    for (const i of [0, 1, 7, total - 1]) {
      expectRfc5424(bySeq.get(i), i, run);
      expect(bySeq.get(i)?._ppf_transport).toBe('tcp');
    }
  });

  it('TCP, LF framing: RFC 3164 from the node settings and the event time; an LF inside a message arrives as #012', async () => {
    const run = 'tcplf';
    const total = 2000;
    const { input } = await sender({
      destinations: [{ host: '127.0.0.1', port: ports.tcp }],
      format: 'rfc3164',
      framing: 'lf',
      hostname: 'collector-1',
      app_name: 'relay',
      facility: 16,
      severity: 6,
    });
    const outcomes = await input.flood(total, (i) => ({
      log: i === 7 ? `first line\nsecond line seq=${i} run=${run}` : `forwarded line seq=${i} run=${run}`,
      _ppf_timestamp: Date.UTC(2026, 10, 9, 8, 7, 6),
    }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => arrived(run).bySeq.size === total, 60_000, `${total} events of ${run}`);
    const { bySeq, messages, errors } = arrived(run);
    expect(errors).toEqual([]);
    expect(messages).toBe(total);
    expect(bySeq.get(0)).toMatchObject({
      log: `forwarded line seq=0 run=${run}`,
      raw_log: `<134>Nov  9 08:07:06 collector-1 relay: forwarded line seq=0 run=${run}`,
      syslog: {
        header: 'parsed',
        format: 'rfc3164',
        facility: 16,
        severity: 6,
        timestamp: 'Nov  9 08:07:06',
        host: 'collector-1',
        app_name: 'relay',
        message: `forwarded line seq=0 run=${run}`,
      },
      _ppf_transport: 'tcp',
    });
    expect(bySeq.get(7)?.log).toBe(`first line#012second line seq=7 run=${run}`);
  });

  it('TLS with a client certificate (RFC 5425): every event once, with the sender certificate subject', async () => {
    const run = 'tls';
    const total = 2000;
    const { input } = await sender({
      destinations: [
        {
          host: '127.0.0.1',
          port: ports.tls,
          ssl: true,
          ssl_trusted_certificate: pki.ca.certFile,
          ssl_certificate: pki.client.certFile,
          ssl_private_key: pki.client.keyFile,
        },
      ],
      header_field: 'syslog',
    });
    const outcomes = await input.flood(total, (i) => ({ syslog: header(i, run) }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => arrived(run).bySeq.size === total, 60_000, `${total} events of ${run}`);
    const { bySeq, messages, errors } = arrived(run);
    expect(errors).toEqual([]);
    expect(messages).toBe(total);
    for (const i of [0, total - 1]) {
      expectRfc5424(bySeq.get(i), i, run);
      expect(bySeq.get(i)).toMatchObject({ _ppf_transport: 'tls', _ppf_peer_subject: 'CN=collector-1' });
    }
  });

  it('RELP across a SIGKILL of the receiving pipeline: every event confirmed, every event in Kafka', async () => {
    const run = 'relpkill';
    const total = 20_000;
    const { input, output } = await sender({
      destinations: [{ host: '127.0.0.1', port: ports.relp, protocol: 'relp' }],
      header_field: 'syslog',
    });
    const sent = input.flood(total, (i) => ({ syslog: header(i, run) }));
    await eventually(() => arrived(run).bySeq.size >= total * 0.25, 120_000, 'a quarter through');
    await receiver?.proc.kill('SIGKILL');
    const atKill = arrived(run).bySeq.size;
    await startReceiver();
    const outcomes = await sent;
    // Confirmed means answered 200 by syslog_input, which answers once Kafka acknowledged.
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => arrived(run).bySeq.size === total, 60_000, `${total} events of ${run}`);
    const { bySeq, messages, errors } = arrived(run);
    expect(errors).toEqual([]);
    expect(atKill).toBeLessThan(total);
    expect(output.stats.connections).toBeGreaterThanOrEqual(2);
    expect(output.stats.resent).toBeGreaterThan(0);
    expectRfc5424(bySeq.get(total - 1), total - 1, run);
    expect(bySeq.get(total - 1)?._ppf_transport).toBe('relp');
    console.log(
      `syslog_output -> syslog_input over RELP across a SIGKILL: ${bySeq.size} of ${total} in Kafka ` +
        `(${atKill} before the kill), ${messages - total} duplicates, ${output.stats.resent} resent`,
    );
  });
});
