/**
 * The syslog receiver channel (channels/reftenant/syslog, as a real punchlinectl with its spool)
 * against real senders: util-linux `logger` (TCP with octet counting and LF, UDP, RFC 5424 and
 * RFC 3164), rsyslog from Debian (omfwd over TCP and over TLS with a client certificate,
 * omrelp) and syslog-ng from Debian (`syslog()` over TCP, `network()` over TLS with a client
 * certificate), each run sending 100,000 numbered lines read from a file. Over
 * RELP the receiver is killed with SIGKILL mid-stream and restarted: every number must be in
 * Kafka. rsyslog failing over to the pair's second receiver, configured as the README says, is
 * measured across a SIGKILL of the first: it loses the window omrelp had not had answered (one
 * block, at most two windows), nothing else. Over plain TCP the same kill
 * loses what was in the connection (measured and reported), and lines written after the restart
 * must all arrive: rsyslog reconnects.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '@drover/dev-services';
import { heapOptions } from '@drover/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../support/certs.js';
import { eventually } from '../support/eventually.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import {
  type PunchlineProcess,
  startPunchline,
  stopPunchline,
  syslogReceiverPipeline,
} from '../support/punchline.js';
import {
  imfileInput,
  omfwdTcp,
  omrelp,
  RETRY_FOREVER,
  type RsyslogProcess,
  startRsyslog,
} from '../support/rsyslog.js';
import { scratchDir } from '../support/scratch.js';
import { droverServices } from '../support/services.js';
import { fileSource, type SyslogNgProcess, startSyslogNg } from '../support/syslog-ng.js';

/** The node options the runner gives reftenant/syslog's receivers (`--childopts -Xmx96m`, `memory_limit: 320Mi`). */
const RECEIVER_NODE_OPTIONS = heapOptions(
  'punchlinectl',
  ['start', '--childopts', '-Xms96m -Xmx96m'],
  320 * 2 ** 20,
);
const execFileAsync = promisify(execFile);
const TOTAL = 100_000;
/** Lines the plain-TCP loss-window test writes once the killed receiver is back. */
const AFTER_RESTART = 1_000;

const dir = scratchDir('drover-syslog-interop-');
let brokers: string[];
let pki: TestPki;
let ports: { tls: number; relp: number; tcp: number; udp: number };
let pipelineFile: string;
let topics: string[];
/** Names this run's topics (both receivers of the pair write to them). */
let topicSuffix: string;
let reader: TopicReader;
let receiver: PunchlineProcess | undefined;
let starts = 0;
const senders: (RsyslogProcess | SyslogNgProcess)[] = [];

async function startReceiver(): Promise<PunchlineProcess> {
  receiver = await startPunchline({
    name: `syslog-receiver-${starts}`,
    file: pipelineFile,
    brokers,
    logFile: join(dir, `receiver-${starts++}.log`),
    // What the runner gives the channel's receivers (-Xmx96m under 320Mi): the heap and its
    // young generation.
    env: RECEIVER_NODE_OPTIONS,
  });
  return receiver;
}

/** The receiver's spool depth (records not yet confirmed by Kafka), from its metrics. */
async function spoolRecords(): Promise<number> {
  const text = (await receiver?.metrics()) ?? '';
  return Number(/^punchline_node_spool_records\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** Every event read so far from the receiver's topics. */
function events(): Record<string, unknown>[] {
  return topics.flatMap((t) => reader.json(t));
}

/** The distinct numbers of `run` in Kafka (lines "<run> <n>"), and how many messages carried them. */
function numbers(run: string): { distinct: Set<number>; messages: number } {
  const distinct = new Set<number>();
  let messages = 0;
  const re = new RegExp(`\\b${run} (\\d+)$`);
  for (const t of topics) {
    for (const v of reader.values.get(t) ?? []) {
      if (!v.includes(run)) continue;
      const m = re.exec(String((JSON.parse(v) as { log?: unknown }).log ?? ''));
      if (m === null) continue;
      messages++;
      distinct.add(Number(m[1]));
    }
  }
  return { distinct, messages };
}

/**
 * Appends AFTER_RESTART more numbered lines to `run`'s file (TOTAL on), once a killed receiver is
 * back; resolves when the last of them is in Kafka and the receiver's spool has drained (everything
 * it took is through it into Kafka).
 */
async function writeAfterRestart(run: string, file: string): Promise<void> {
  const after: string[] = [];
  for (let i = TOTAL; i < TOTAL + AFTER_RESTART; i++) after.push(`${run} ${i}`);
  appendFileSync(file, `${after.join('\n')}\n`);
  await eventually(
    () => numbers(run).distinct.has(TOTAL + AFTER_RESTART - 1),
    180_000,
    `the last number of ${run}, sent after the restart`,
  );
  await eventually(async () => (await spoolRecords()) === 0, 60_000, 'the spool drained');
}

/** A file of TOTAL numbered lines for imfile. */
function numberedFile(run: string): string {
  const file = join(dir, `${run}.txt`);
  const lines: string[] = [];
  for (let i = 0; i < TOTAL; i++) lines.push(`${run} ${i}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function sender(
  run: string,
  action: string,
  globals = '',
  file = numberedFile(run),
  rulesetOptions = '',
): Promise<RsyslogProcess> {
  const d = join(dir, `rsyslog-${run}`);
  mkdirSync(d, { recursive: true });
  const r = await startRsyslog(
    d,
    [
      globals,
      'main_queue(queue.size="300000")',
      'module(load="omrelp")',
      imfileInput(file, run, 'out'),
      `ruleset(name="out" ${rulesetOptions}) {\n  ${action}\n}`,
    ].join('\n'),
    `rsyslogd-${run}`,
  );
  senders.push(r);
  return r;
}

/**
 * syslog-ng sending `run`'s numbered file to `destination` (a destination driver), with flow
 * control on the path: the file is read only as fast as the destination takes it (without it
 * syslog-ng drops what overflows its queue).
 */
async function syslogNgSender(run: string, destination: string): Promise<SyslogNgProcess> {
  const s = await startSyslogNg(
    join(dir, `syslog-ng-${run}`),
    [
      fileSource('s_file', numberedFile(run), run),
      `destination d_drover { ${destination}; };`,
      'log { source(s_file); destination(d_drover); flags(flow-control); };',
    ].join('\n'),
    `syslog-ng-${run}`,
  );
  senders.push(s);
  return s;
}

beforeAll(async () => {
  brokers = droverServices('kafka').kafka.brokers;
  mkdirSync(join(dir, 'pki'), { recursive: true });
  pki = createTestPki(join(dir, 'pki'));
  const [tls = 0, relp = 0, tcp = 0, udp = 0] = await freePorts(4);
  ports = { tls, relp, tcp, udp };
  topicSuffix = uniqueSuffix();
  const generated = syslogReceiverPipeline(join(dir, 'channel'), {
    ports,
    suffix: topicSuffix,
    tls: { key: pki.server.keyFile, cert: pki.server.certFile, ca: pki.ca.certFile },
    spoolDir: join(dir, 'spool'),
  });
  pipelineFile = generated.file;
  topics = generated.topics;
  await createTopics(brokers, topics);
  reader = await readTopics(brokers, topics);
  await startReceiver();
}, 300_000);

afterAll(async () => {
  for (const s of senders) await s.stop();
  await stopPunchline(receiver?.proc);
  await reader?.close();
});

describe('syslog receiver with real senders', () => {
  it('logger: TCP octet counting and LF, UDP, RFC 5424 and RFC 3164: every message with its fields', async () => {
    const logger = (args: string[]) => execFileAsync('logger', ['-n', '127.0.0.1', ...args]);
    await logger([
      '--tcp',
      '--octet-count',
      '--rfc5424',
      '-P',
      `${ports.tcp}`,
      '-t',
      'sshd',
      '--msgid',
      'ID47',
      '--sd-id',
      'exampleSDID@32473',
      '--sd-param',
      'iut="3"',
      'tcp octet rfc5424 line\nwith a second line',
    ]);
    await logger(['--tcp', '--rfc3164', '-P', `${ports.tcp}`, '-t', 'httpd', 'tcp lf rfc3164']);
    await logger(['--udp', '--rfc5424', '-P', `${ports.udp}`, '-t', 'myapp', 'udp rfc5424']);
    await logger(['--udp', '--rfc3164', '-P', `${ports.udp}`, '-t', 'cron', 'udp rfc3164']);
    const expected = [
      { log: 'tcp octet rfc5424 line\nwith a second line', device_type: 'linux_os', _ppf_transport: 'tcp' },
      { log: 'tcp lf rfc3164', device_type: 'apache', _ppf_transport: 'tcp' },
      { log: 'udp rfc5424', device_type: 'unknown', _ppf_transport: 'udp' },
      { log: 'udp rfc3164', device_type: 'linux_os', _ppf_transport: 'udp' },
    ];
    await eventually(
      () => expected.every((e) => events().some((x) => x.log === e.log)),
      30_000,
      'logger messages in Kafka',
    );
    for (const e of expected) {
      const got = events().find((x) => x.log === e.log);
      expect(got).toMatchObject({ ...e, _ppf_remote_host: '127.0.0.1' });
    }
    const rfc5424 = events().find((x) => x.log === expected[0]?.log);
    expect(String(rfc5424?.raw_log)).toMatch(
      /^<13>1 \S+ \S+ sshd \S+ ID47 \[timeQuality [^\]]*\]\[exampleSDID@32473 iut="3"\] tcp octet/,
    );
  });

  it(`rsyslog omfwd over TCP (octet counting): ${TOTAL} numbered messages, all in Kafka`, async () => {
    const run = 'omfwdtcp';
    const r = await sender(run, omfwdTcp(ports.tcp, 'octet-counted'));
    await eventually(() => numbers(run).distinct.size === TOTAL, 120_000, `${TOTAL} numbers of ${run}`);
    await r.stop();
  }, 300_000);

  it(`rsyslog omfwd over TLS with a client certificate: ${TOTAL} numbered messages, all in Kafka, with the peer's subject`, async () => {
    const run = 'omfwdtls';
    const tls = [
      `global(DefaultNetstreamDriver="ossl" DefaultNetstreamDriverCAFile="${pki.ca.certFile}"`,
      `  DefaultNetstreamDriverCertFile="${pki.client.certFile}" DefaultNetstreamDriverKeyFile="${pki.client.keyFile}")`,
    ].join('\n');
    const action = `action(type="omfwd" target="127.0.0.1" port="${ports.tls}" protocol="tcp" StreamDriver="ossl" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost" TCP_Framing="octet-counted" ${RETRY_FOREVER})`;
    const r = await sender(run, action, tls);
    await eventually(() => numbers(run).distinct.size === TOTAL, 120_000, `${TOTAL} numbers of ${run}`);
    await r.stop();
    const one = events().find((x) => String(x.log).startsWith(`${run} `));
    expect(one).toMatchObject({ _ppf_transport: 'tls', _ppf_peer_subject: 'CN=collector-1' });
  }, 300_000);

  it(`syslog-ng syslog() over TCP (RFC 5424, octet counting): ${TOTAL} numbered messages, all in Kafka, whole and without syslog-ng's LF`, async () => {
    const run = 'sngtcp';
    const s = await syslogNgSender(run, `syslog("127.0.0.1" port(${ports.tcp}) transport("tcp"))`);
    await eventually(() => numbers(run).distinct.size === TOTAL, 120_000, `${TOTAL} numbers of ${run}`);
    await s.stop();
    // syslog-ng counts an LF of its own into each frame: dropped on reception, as rsyslog does.
    const first = events().find((x) => x.log === `${run} 0`);
    expect(first).toMatchObject({ _ppf_transport: 'tcp', _ppf_remote_host: '127.0.0.1' });
    // The channel ships the whole message for the processors to parse: RFC 5424, syslog-ng's own
    // structured data, the program as APP-NAME, and no LF.
    expect(String(first?.raw_log)).toMatch(
      new RegExp(`^<13>1 \\S+ \\S+ ${run} - - \\[meta sequenceId="\\d+"\\] ${run} 0$`),
    );
  }, 300_000);

  it(`syslog-ng network() over TLS with a client certificate (RFC 3164, LF): ${TOTAL} numbered messages, all in Kafka, with the peer's subject`, async () => {
    const run = 'sngtls';
    const tls = `tls(ca-file("${pki.ca.certFile}") key-file("${pki.client.keyFile}") cert-file("${pki.client.certFile}") peer-verify(required-trusted))`;
    // The server's certificate names localhost: syslog-ng checks it against the host it dials.
    const s = await syslogNgSender(run, `network("localhost" port(${ports.tls}) transport("tls") ${tls})`);
    await eventually(() => numbers(run).distinct.size === TOTAL, 120_000, `${TOTAL} numbers of ${run}`);
    await s.stop();
    const first = events().find((x) => x.log === `${run} 0`);
    expect(first).toMatchObject({ _ppf_transport: 'tls', _ppf_peer_subject: 'CN=collector-1' });
    expect(String(first?.raw_log)).toMatch(
      new RegExp(`^<13>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\S+ ${run}: ${run} 0$`),
    );
  }, 300_000);

  it(`rsyslog omrelp: ${TOTAL} numbered messages across a SIGKILL of the receiver, every one in Kafka`, async () => {
    const run = 'omrelpkill';
    const r = await sender(run, omrelp(ports.relp));
    await eventually(() => numbers(run).distinct.size >= TOTAL * 0.3, 120_000, 'a third through');
    await receiver?.proc.kill('SIGKILL');
    await startReceiver();
    await eventually(() => numbers(run).distinct.size === TOTAL, 180_000, `${TOTAL} numbers of ${run}`);
    await r.stop();
    const { messages } = numbers(run);
    console.log(
      `syslog interop: RELP across a SIGKILL: ${TOTAL} of ${TOTAL} numbers in Kafka, ${messages - TOTAL} duplicates`,
    );
  });

  it("rsyslog failing over between the receiver pair over RELP (the README's configuration) across a SIGKILL of the first: what rsyslog loses, measured", async () => {
    const run = 'omrelpfailover';
    const file = numberedFile(run);
    const window = 1024;
    // The second receiver of the pair: its own ports and spool, the same topics.
    const [tls = 0, relp = 0, tcp = 0, udp = 0] = await freePorts(4);
    const second = syslogReceiverPipeline(join(dir, 'channel-2'), {
      ports: { tls, relp, tcp, udp },
      suffix: topicSuffix,
      tls: { key: pki.server.keyFile, cert: pki.server.certFile, ca: pki.ca.certFile },
      spoolDir: join(dir, 'spool-2'),
    });
    expect(second.topics).toEqual(topics);
    const standby = await startPunchline({
      name: 'syslog-receiver-standby',
      file: second.file,
      brokers,
      logFile: join(dir, 'receiver-standby.log'),
      env: RECEIVER_NODE_OPTIONS,
    });
    let restarted = true;
    const taken = async () =>
      Number(/^punchline_node_messages\{[^}]*\} (\d+)$/m.exec(await standby.metrics())?.[1] ?? 0);
    try {
      // README "Syslog": the queue is the ruleset's; the first receiver (tried again every
      // second while it is down), the second while the first is suspended.
      const r = await sender(
        run,
        [
          `action(type="omrelp" target="127.0.0.1" port="${ports.relp}" windowSize="${window}" action.resumeInterval="1")`,
          `action(type="omrelp" target="127.0.0.1" port="${relp}" windowSize="${window}"`,
          '       action.execOnlyWhenPreviousIsSuspended="on" action.resumeRetryCount="-1")',
        ].join('\n'),
        '',
        file,
        'queue.type="LinkedList" queue.filename="to_drover" queue.saveOnShutdown="on"',
      );
      await eventually(() => numbers(run).distinct.size >= TOTAL * 0.3, 120_000, 'a third through');
      await receiver?.proc.kill('SIGKILL');
      restarted = false;
      await eventually(async () => (await taken()) > 0, 60_000, 'messages at the second receiver');
      // The runner restarts the first; what is written after that goes to it again.
      await startReceiver();
      restarted = true;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await writeAfterRestart(run, file);
      await r.stop();
      const { distinct, messages } = numbers(run);
      const missing = Array.from({ length: TOTAL + AFTER_RESTART }, (_, i) => i).filter(
        (n) => !distinct.has(n),
      );
      console.log(
        `syslog interop: RELP failover across a SIGKILL of the first receiver: ${TOTAL + AFTER_RESTART - missing.length} ` +
          `of ${TOTAL + AFTER_RESTART} numbers in Kafka, ${await taken()} through the second receiver, ` +
          `${messages - distinct.size} duplicates; lost ${missing.length}` +
          (missing.length === 0 ? '' : ` (${missing[0]}-${missing[missing.length - 1]})`),
      );
      // rsyslog hands the second receiver what comes after the failure, not what omrelp had sent
      // the first and not had answered: that window is lost (Drover had not answered it, so it
      // was never in its spool). At most that, in one block, and nothing written after the restart.
      expect(missing.length).toBeLessThanOrEqual(2 * window);
      if (missing.length > 0) {
        expect((missing[missing.length - 1] as number) - (missing[0] as number) + 1).toBe(missing.length);
      }
      expect(missing.every((n) => n < TOTAL)).toBe(true);
    } finally {
      await stopPunchline(standby.proc);
      // The tests after this one need the first receiver.
      if (!restarted) await startReceiver();
    }
  }, 600_000);

  it('rsyslog omfwd over plain TCP across a SIGKILL: the loss window, measured', async () => {
    const run = 'omfwdkill';
    const file = numberedFile(run);
    const r = await sender(run, omfwdTcp(ports.tcp, 'traditional'), '', file);
    await eventually(() => numbers(run).distinct.size >= TOTAL * 0.3, 120_000, 'a third through');
    await receiver?.proc.kill('SIGKILL');
    await startReceiver();
    // Plain TCP has no acknowledgement: what rsyslog had written into the kernel's buffers when
    // the receiver died is gone, and that can be the whole tail of the file (rsyslog then has
    // nothing left to send). A second batch, written once the receiver is back, shows that rsyslog
    // reconnects: only the first message it writes into the dead connection can be lost with it.
    await writeAfterRestart(run, file);
    const { distinct, messages } = numbers(run);
    await r.stop();
    const before = [...distinct].filter((n) => n < TOTAL).length;
    const second = distinct.size - before;
    console.log(
      `syslog interop: plain TCP (LF) across a SIGKILL: ${before} of ${TOTAL} numbers in Kafka, ` +
        `${TOTAL - before} lost, ${messages - distinct.size} duplicates; ` +
        `${second} of ${AFTER_RESTART} sent after the restart`,
    );
    expect(before).toBeGreaterThan(TOTAL * 0.3);
    expect(second).toBeGreaterThanOrEqual(AFTER_RESTART - 1);
  }, 600_000);
});
