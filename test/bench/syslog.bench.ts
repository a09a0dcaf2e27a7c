/**
 * The syslog receiver into Kafka, next to rsyslog doing the same job in the same run, same
 * broker, same messages (~300-byte nginx lines in RFC 3164), and the spool's own rates.
 *
 * - TCP -> Kafka: a client writes N LF-framed lines as fast as the socket takes them to
 *   punchlinectl (syslog_input tcp -> kafka_output, acks 1, the node options the runner gives
 *   the channel's -Xmx96m; without and with a spool) and to rsyslogd (imtcp -> omkafka, acks 1).
 *   Events/s: from the first write until all N are in the topic (counted from the topic's end offset, polled every 20 ms: nothing read back); CPU
 *   per event: the receiving process's user + system time over N.
 * - RELP -> Kafka: the same lines go through a sending rsyslogd (imtcp -> omrelp, window 1024)
 *   to punchlinectl (syslog_input relp with its spool, fsync always, as the syslog channel runs
 *   it) and to rsyslogd (imrelp -> omkafka). CPU per event is the receiver's only.
 * - Spool: sustained appends (64-record groups from 16 writers, 5,000 unconfirmed at most) with
 *   fsync always and with a 1 s interval, and the replay rate (read and confirm) of 200,000
 *   spooled records after a reopen.
 * Runs are interleaved, after WARMUP rounds that are not counted; medians. The ratio to rsyslog
 * is the figure. The broker's CPU per event is counted for each case too: it shares the cores.
 *
 * To look inside the Drover receivers, give them node flags: DROVER_BENCH_SYSLOG_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" (a profile per receiver, written when it exits).
 * DROVER_BENCH_SYSLOG_SPOOL=0 leaves out the spool-only rows (append and replay rates).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePorts } from '@drover/dev-services';
import { heapOptions } from '@drover/runner';
import { Spool } from '@drover/spool';
import { acquireServices, devServicePid } from '../support/acquire.js';
import { countTopics, createTopics, type TopicCounter } from '../support/kafka.js';
import { type PunchlineProcess, startPunchline, stopPunchline } from '../support/punchline.js';
import { type RsyslogProcess, startRsyslog } from '../support/rsyslog.js';
import { type BenchContext, type BenchRow, median } from './harness.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'syslog';

const N = Number(process.env.DROVER_BENCH_SYSLOG_EVENTS ?? 200_000);
const RUNS = Number(process.env.DROVER_BENCH_SYSLOG_RUNS ?? 5);
/**
 * Rounds of every case run first and not counted (logged as warm-up): a receiver runs for days,
 * and a 2 s run's first round is also V8 compiling its hot paths and every client's first
 * connection to the broker (rsyslog's too).
 */
const WARMUP = Number(process.env.DROVER_BENCH_SYSLOG_WARMUP ?? 1);
const MB = 1024 * 1024;
const OMKAFKA =
  'confParam=["compression.codec=none", "queue.buffering.max.messages=1000000", "queue.buffering.max.kbytes=1048576"] ' +
  'topicConfParam=["request.required.acks=1"] action.resumeRetryCount="-1"';
/** A run that makes no progress this long is given up (its rate is reported as NaN). */
const STALL_MS = 60_000;
/**
 * What the runner gives the syslog channel's receivers (`--childopts -Xms96m -Xmx96m`, memory_limit
 * 320Mi: channels/reftenant/syslog), by its own rule.
 */
const DEPLOYED_NODE_OPTIONS =
  heapOptions('punchlinectl', ['start', '--childopts', '-Xms96m -Xmx96m'], 320 * 1024 * 1024).NODE_OPTIONS ??
  '';
const NODE_ARGS = (process.env.DROVER_BENCH_SYSLOG_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const SPOOL_ROWS = process.env.DROVER_BENCH_SYSLOG_SPOOL !== '0';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

/** Writes `data` to 127.0.0.1:`port` and closes. */
function writeAll(port: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(data));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

/** Resolves once 127.0.0.1:`port` accepts connections (rsyslogd opens its listeners after it starts). */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

interface Case {
  readonly label: string;
  readonly topic: string;
  /** The receiving process (CPU is counted there). */
  readonly pid: () => number;
  /** Sends the N lines. */
  readonly send: () => Promise<void>;
}

interface Sample {
  readonly rate: number;
  readonly cpuUs: number;
  /** The broker's CPU over the run, per event (NaN when the broker is not ours to watch). */
  readonly brokerUs: number;
}

/** `brokerPid`: the dev broker's process, to count its CPU too (it shares the cores). */
async function measure(c: Case, counter: TopicCounter, brokerPid: number | undefined): Promise<Sample> {
  const before = await counter.count(c.topic);
  const cpu0 = cpuMicros(c.pid());
  const broker0 = brokerPid === undefined ? Number.NaN : cpuMicros(brokerPid);
  const t0 = performance.now();
  await c.send();
  let last = await counter.count(c.topic);
  let lastProgress = performance.now();
  while (last < before + N) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await counter.count(c.topic);
    if (now !== last) {
      last = now;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > STALL_MS) {
      throw new Error(
        `${c.label}: ${now - before} of ${N} in ${c.topic}, no progress for ${STALL_MS / 1000} s`,
      );
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    rate: N / seconds,
    cpuUs: (cpuMicros(c.pid()) - cpu0) / N,
    brokerUs: brokerPid === undefined ? Number.NaN : (cpuMicros(brokerPid) - broker0) / N,
  };
}

function drover(
  dir: string,
  label: string,
  listener: string,
  topic: string,
  brokers: readonly string[],
  spool: string,
): Promise<PunchlineProcess> {
  const file = join(dir, `${label}.yaml`);
  writeFileSync(
    file,
    `version: "6.0"
tenant: bench
channel: syslog
runtime: shiva
type: punchline
name: ${label}
dag:
  - type: syslog_input
    component: syslog_in
    settings:
      listeners: [${listener}]
${spool}
    publish:
      - stream: logs
        fields: [log, raw_log, syslog, _ppf_remote_host, _ppf_transport, _ppf_timestamp, _ppf_id]
  - type: kafka_output
    component: kafka_out
    settings:
      cluster: kafka_front
      topic: ${topic}
      encoding: json
      producer.acks: 1
    subscribe: [{ component: syslog_in, stream: logs }]
settings:
  max.spout.pending: 5000
`,
  );
  return startPunchline({
    name: label,
    file,
    brokers,
    logFile: join(dir, `${label}.log`),
    nodeArgs: NODE_ARGS,
    env: { NODE_OPTIONS: DEPLOYED_NODE_OPTIONS },
  });
}

async function spoolRates(dir: string): Promise<BenchRow[]> {
  const payload = Buffer.from(syslogLines()(1));
  const total = 200_000;
  const appendRate = async (fsync: 'always' | 'interval'): Promise<number> => {
    const d = join(dir, `spool-${fsync}`);
    rmSync(d, { recursive: true, force: true });
    const spool = await Spool.open({ dir: d, maxBytes: 4 * 1024 * MB, fsync, fsyncIntervalMs: 1000 });
    const group = Array.from({ length: 64 }, () => payload);
    let sent = 0;
    let done = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (sent < total && sent - done < 5000) {
          sent += group.length;
          spool.append(group, () => {
            done += group.length;
            if (done >= total) resolve();
            else pump();
          });
        }
      };
      for (let w = 0; w < 16; w++) pump();
    });
    const rate = total / ((performance.now() - t0) / 1000);
    await spool.close();
    return rate;
  };
  const always = median([await appendRate('always'), await appendRate('always'), await appendRate('always')]);
  const interval = median([
    await appendRate('interval'),
    await appendRate('interval'),
    await appendRate('interval'),
  ]);
  // Replay: the spool appended with fsync interval above holds `total` unconfirmed records.
  const spool = await Spool.open({
    dir: join(dir, 'spool-interval'),
    maxBytes: 4 * 1024 * MB,
    fsync: 'always',
  });
  const t0 = performance.now();
  let replayed = 0;
  for (;;) {
    const records = await spool.read();
    if (records.length === 0) break;
    for (const r of records) spool.confirm(r.seq);
    replayed += records.length;
  }
  const replay = replayed / ((performance.now() - t0) / 1000);
  await spool.close();
  return [
    {
      case: 'spool append, fsync always (group commit), 300-byte records',
      metric: 'events/s',
      value: Math.round(always),
      unit: '',
    },
    { case: 'spool append, fsync every 1 s', metric: 'events/s', value: Math.round(interval), unit: '' },
    {
      case: `spool replay after a restart (read + confirm ${replayed} records)`,
      metric: 'events/s',
      value: Math.round(replay),
      unit: '',
    },
  ];
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['kafka']);
  const brokers = services.kafka?.brokers ?? [];
  const dir = ctx.scratchDir('drover-bench-syslog-');
  const id = `${Date.now().toString(36)}-${process.pid}`;
  const topics = ['tcp', 'tcpspool', 'relp', 'rsyslogtcp', 'rsyslogrelp'].map(
    (t) => `drover-bench-syslog-${t}-${id}`,
  );
  const [tTcp = '', tTcpSpool = '', tRelp = '', tRsTcp = '', tRsRelp = ''] = topics;
  const processes: { stop(): Promise<unknown> }[] = [];
  let counter: TopicCounter | undefined;
  try {
    await createTopics(brokers, topics, 1, {
      'retention.bytes': String(256 * MB),
      'segment.bytes': String(32 * MB),
    });
    counter = await countTopics(brokers);
    const brokerPid = brokers[0] === undefined ? undefined : await devServicePid('kafka', brokers[0]);
    const line = syslogLines();
    const data = Buffer.from(`${Array.from({ length: N }, (_, i) => line(i)).join('\n')}\n`);
    const [pTcp = 0, pTcpSpool = 0, pRelp = 0, pRsTcp = 0, pRsRelp = 0, pFwd1 = 0, pFwd2 = 0] =
      await freePorts(7);

    const dTcp = await drover(
      dir,
      'drover-tcp',
      `{ protocol: tcp, host: 127.0.0.1, port: ${pTcp} }`,
      tTcp,
      brokers,
      '',
    );
    processes.push({ stop: () => stopPunchline(dTcp.proc) });
    const dTcpSpool = await drover(
      dir,
      'drover-tcp-spool',
      `{ protocol: tcp, host: 127.0.0.1, port: ${pTcpSpool} }`,
      tTcpSpool,
      brokers,
      `      spool: { dir: ${join(dir, 'spool-tcp')}, fsync: always }`,
    );
    processes.push({ stop: () => stopPunchline(dTcpSpool.proc) });
    const dRelp = await drover(
      dir,
      'drover-relp',
      `{ protocol: relp, host: 127.0.0.1, port: ${pRelp} }`,
      tRelp,
      brokers,
      `      spool: { dir: ${join(dir, 'spool-relp')}, fsync: always }`,
    );
    processes.push({ stop: () => stopPunchline(dRelp.proc) });

    const broker = brokers.map((b) => `"${b}"`).join(',');
    mkdirSync(join(dir, 'rsyslog-receiver'));
    const rs = await startRsyslog(
      join(dir, 'rsyslog-receiver'),
      [
        'main_queue(queue.size="300000")',
        'module(load="imtcp")',
        'module(load="imrelp")',
        'module(load="omkafka")',
        // What Drover writes, as JSON: the message, the raw line, the header fields, the peer.
        'template(name="doc" type="list" option.jsonf="on") {',
        '  property(outname="log" name="msg" format="jsonf")',
        '  property(outname="raw_log" name="rawmsg" format="jsonf")',
        '  property(outname="pri" name="pri" format="jsonf")',
        '  property(outname="facility" name="syslogfacility" format="jsonf")',
        '  property(outname="severity" name="syslogseverity" format="jsonf")',
        '  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")',
        '  property(outname="host" name="hostname" format="jsonf")',
        '  property(outname="app_name" name="app-name" format="jsonf")',
        '  property(outname="procid" name="procid" format="jsonf")',
        '  property(outname="msgid" name="msgid" format="jsonf")',
        '  property(outname="structured_data" name="structured-data" format="jsonf")',
        '  property(outname="message" name="msg" format="jsonf")',
        '  property(outname="remote_host" name="fromhost-ip" format="jsonf")',
        '  property(outname="transport" name="inputname" format="jsonf")',
        '}',
        `input(type="imtcp" port="${pRsTcp}" ruleset="tcp")`,
        `input(type="imrelp" port="${pRsRelp}" ruleset="relp")`,
        // librdkafka's local queue (100,000 messages by default) fills faster than the broker
        // drains it, and omkafka then drops what it cannot queue: room for a whole run.
        `ruleset(name="tcp") { action(type="omkafka" broker=[${broker}] topic="${tRsTcp}" template="doc" ${OMKAFKA}) }`,
        `ruleset(name="relp") { action(type="omkafka" broker=[${broker}] topic="${tRsRelp}" template="doc" ${OMKAFKA}) }`,
      ].join('\n'),
      'rsyslogd-receiver',
    );
    processes.push(rs);
    // The RELP senders: rsyslogd relaying what it takes on imtcp to omrelp, one per receiver.
    const relay = async (inPort: number, outPort: number, label: string): Promise<RsyslogProcess> => {
      mkdirSync(join(dir, label));
      const r = await startRsyslog(
        join(dir, label),
        [
          'main_queue(queue.size="300000")',
          'module(load="imtcp")',
          'module(load="omrelp")',
          `input(type="imtcp" port="${inPort}")`,
          `action(type="omrelp" target="127.0.0.1" port="${outPort}" windowSize="1024" action.resumeRetryCount="-1")`,
        ].join('\n'),
        label,
      );
      processes.push(r);
      return r;
    };
    await relay(pFwd1, pRelp, 'rsyslogd-relp-to-drover');
    await relay(pFwd2, pRsRelp, 'rsyslogd-relp-to-rsyslog');
    for (const port of [pRsTcp, pRsRelp, pFwd1, pFwd2]) await listening(port);

    const cases: Case[] = [
      { label: 'tcp drover', topic: tTcp, pid: () => dTcp.proc.pid, send: () => writeAll(pTcp, data) },
      {
        label: 'tcp drover spool',
        topic: tTcpSpool,
        pid: () => dTcpSpool.proc.pid,
        send: () => writeAll(pTcpSpool, data),
      },
      { label: 'tcp rsyslog', topic: tRsTcp, pid: () => rs.proc.pid, send: () => writeAll(pRsTcp, data) },
      { label: 'relp drover', topic: tRelp, pid: () => dRelp.proc.pid, send: () => writeAll(pFwd1, data) },
      { label: 'relp rsyslog', topic: tRsRelp, pid: () => rs.proc.pid, send: () => writeAll(pFwd2, data) },
    ];
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.label, []]));
    for (let r = -WARMUP; r < RUNS; r++) {
      const round = r < 0 ? `warm-up ${r + WARMUP + 1}/${WARMUP}` : `run ${r + 1}/${RUNS}`;
      for (const c of cases) {
        let s: Sample;
        try {
          s = await measure(c, counter, brokerPid);
          ctx.log(
            `  ${round} ${c.label}: ${Math.round(s.rate)} events/s, ${s.cpuUs.toFixed(1)} µs CPU/event, broker ${s.brokerUs.toFixed(1)} µs/event`,
          );
        } catch (err) {
          s = { rate: Number.NaN, cpuUs: Number.NaN, brokerUs: Number.NaN };
          ctx.log(`  ${round} ${(err as Error).message}`);
        }
        if (r >= 0) samples.get(c.label)?.push(s);
      }
    }
    const med = (label: string, key: keyof Sample) => median((samples.get(label) ?? []).map((s) => s[key]));
    const ratios = (a: string, b: string) => {
      const xs = samples.get(a) ?? [];
      const ys = samples.get(b) ?? [];
      return median(xs.map((x, i) => x.rate / (ys[i]?.rate ?? Number.NaN)));
    };
    const rows: BenchRow[] = [
      {
        case: `TCP -> Kafka, drover (syslog_input, no spool, ${DEPLOYED_NODE_OPTIONS}), ${N} lines`,
        metric: 'events/s',
        value: Math.round(med('tcp drover', 'rate')),
        unit: '',
      },
      {
        case: 'TCP -> Kafka, drover with spool (fsync always)',
        metric: 'events/s',
        value: Math.round(med('tcp drover spool', 'rate')),
        unit: '',
      },
      {
        case: 'TCP -> Kafka, rsyslog imtcp -> omkafka, same run',
        metric: 'events/s',
        value: Math.round(med('tcp rsyslog', 'rate')),
        unit: '',
      },
      {
        case: 'TCP -> Kafka, drover / rsyslog (median of paired runs)',
        metric: 'ratio',
        value: ratios('tcp drover', 'tcp rsyslog'),
        unit: '',
        goal: '>= 1.0',
      },
      {
        case: 'TCP -> Kafka, drover with spool / rsyslog',
        metric: 'ratio',
        value: ratios('tcp drover spool', 'tcp rsyslog'),
        unit: '',
      },
      {
        case: 'TCP -> Kafka, CPU per event drover / rsyslog',
        metric: 'µs',
        value: med('tcp drover', 'cpuUs'),
        unit: `/ ${med('tcp rsyslog', 'cpuUs').toFixed(1)} µs`,
      },
      {
        case: 'TCP -> Kafka, CPU per event of the broker, drover / rsyslog records',
        metric: 'µs',
        value: med('tcp drover', 'brokerUs'),
        unit: `/ ${med('tcp rsyslog', 'brokerUs').toFixed(1)} µs`,
      },
      {
        case: 'RELP (rsyslog omrelp, window 1024) -> Kafka, drover with spool',
        metric: 'events/s',
        value: Math.round(med('relp drover', 'rate')),
        unit: '',
      },
      {
        case: 'RELP -> Kafka, rsyslog imrelp -> omkafka, same run',
        metric: 'events/s',
        value: Math.round(med('relp rsyslog', 'rate')),
        unit: '',
      },
      {
        case: 'RELP -> Kafka, drover / rsyslog (median of paired runs)',
        metric: 'ratio',
        value: ratios('relp drover', 'relp rsyslog'),
        unit: '',
        goal: '>= 1.0',
      },
      {
        case: 'RELP -> Kafka, CPU per event drover / rsyslog (receivers only)',
        metric: 'µs',
        value: med('relp drover', 'cpuUs'),
        unit: `/ ${med('relp rsyslog', 'cpuUs').toFixed(1)} µs`,
      },
    ];
    if (SPOOL_ROWS) rows.push(...(await spoolRates(dir)));
    return rows;
  } finally {
    await counter?.close();
    for (const p of processes.reverse()) await p.stop();
    await release();
  }
}
