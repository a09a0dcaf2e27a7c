/**
 * The receiver end to end, as a real `punchlinectl` process on the real broker:
 * lumberjack_input (1,024-event windows, zlib level 3, ~300-byte syslog lines with Beats-like
 * metadata) -> kafka_output (`encoding: json`, `producer.acks: 1`, default batching), one topic.
 *
 * - Max rate: a few connections, each with 2 windows pipelined (Filebeat's default), as fast as
 *   ACKs come back (events acknowledged per second, first write to last ACK), next to Kafka's own
 *   Java producer (`ProducerPerformance`, acks 1, the same JSON documents, same topic: the anchor,
 *   see kafka-clients.bench.ts) and our plain producer (`connectKafkaProducer`, acks 1, batches of
 *   1,024 straight to the topic); runs interleaved, medians. The ratio is the figure: the median
 *   of each Java run's and the next receiver run's ratio.
 * - ACK latency: 1,024-event windows paced at half the measured max rate; per window, from its
 *   write to its ACK; p50 and p99 of each of three 8 s runs, the medians reported, with the
 *   receiver's max RSS meanwhile.
 * - Overload: many connections (collectors) pushing as fast as they can for 15 s; the receiver's
 *   RSS (VmRSS) and its events in flight (metrics) sampled every 200 ms, the max reported.
 *
 * The receiver's kafka_output sends through its batch producer (startBatchProducer); the plain
 * producer runs in this process, as an application would use it.
 *
 * Three times: with the heap the runner gives the reference receiver (reftenant/receiver:
 * `--childopts -Xmx96m` inside `memory_limit: 256Mi`, mapped by the runner's own heapOptions to
 * NODE_OPTIONS=--max-old-space-size=96 --max-semi-space-size=16), with what it would give it
 * without -Xmx (75% of the limit: 192 MB), and with V8's defaults (no NODE_OPTIONS). The sender writes pre-encoded windows on raw sockets (no encoding on
 * the measured path, and pipelining, which LumberjackConnection does not do). Kafka, the receiver
 * and this process share the machine: absolute rates depend on it, the ratio less so; CPU time
 * per event (the receiver's whole process from /proc, the producer's from process.cpuUsage) is
 * the steadier comparison.
 *
 * DROVER_BENCH_RECEIVER_HEAPS=0 runs only the first heap (as deployed), and so on.
 * To look inside the receiver, give it node flags: DROVER_BENCH_RECEIVER_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" (a profile per receiver, written when it exits) or "--trace-gc".
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePorts } from '@drover/dev-services';
import { connectKafkaProducer } from '@drover/kafka-resources';
import { decodeAck, encodeWindow } from '@drover/lumberjack';
import { heapOptions } from '@drover/runner';
import { acquireServices } from '../support/acquire.js';
import { createTopics } from '../support/kafka.js';
import { type PunchlineProcess, startPunchline, stopPunchline } from '../support/punchline.js';
import { type BenchContext, type BenchRow, median, percentile } from './harness.js';
import { type JavaTools, javaProducer, javaTools, receiverDocuments } from './kafka-clients.bench.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'receiver';

const MB = 1024 * 1024;
const WINDOW = 1024;
const MAX_SPOUT_PENDING = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Max-rate runs: connections x windows written ahead of their ACK, windows per run, runs. */
const MAX_RATE = { connections: 4, pipelined: 2, windows: 100, runs: 5 } as const;
/** Paced runs of `ms` each: p50 and p99 are the medians of the runs' own (one run can catch a noisy neighbour). */
const LATENCY = { runs: 3, ms: 8000 } as const;
const OVERLOAD = { connections: 64, pipelined: 2, ms: 15_000 } as const;

const receiverNodeArgs = (process.env.DROVER_BENCH_RECEIVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/** DROVER_BENCH_RECEIVER_HEAPS=0,2 runs only those entries of HEAPS (0: as deployed). */
const onlyHeaps = process.env.DROVER_BENCH_RECEIVER_HEAPS?.split(',').map(Number);

const RECEIVER_LIMIT = 256 * MB;

const HEAPS = [
  {
    label: 'heap 96 MB as deployed',
    nodeOptions: heapOptions('punchlinectl', ['start', '--childopts', '-Xms96m -Xmx96m'], RECEIVER_LIMIT)
      .NODE_OPTIONS,
  },
  // What the runner gives a punchline without -Xmx: 75% of memory_limit (256Mi for the receiver).
  {
    label: 'heap 192 MB (runner default)',
    nodeOptions: heapOptions('punchlinectl', ['start'], RECEIVER_LIMIT).NODE_OPTIONS,
  },
  { label: 'V8 default heap', nodeOptions: undefined },
] as const;

// ---------------------------------------------------------------------------------------------
// Events: the syslog lines of lumberjack.bench.ts, with Beats-like metadata.

const syslogLine = syslogLines();

function beatsEvent(line: string, i: number): Record<string, unknown> {
  return {
    '@timestamp': '2026-11-23T05:00:00.000Z',
    '@metadata': { beat: 'filebeat', type: '_doc', version: '8.15.0' },
    message: line,
    host: { name: `front-web-${i % 17}` },
    log: { offset: i * 301, file: { path: '/var/log/nginx/access.log' } },
  };
}

// ---------------------------------------------------------------------------------------------
// A pipelining Lumberjack sender on a raw socket: windows are written at once, their ACKs come
// back in window order (the receiver acknowledges whole windows); ACK 0 (keepalive) is skipped.

class Sender {
  readonly #socket: net.Socket;
  readonly #queue: { expect: number; at: number; resolve: (ms: number) => void }[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #error: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.#data(d));
    const fail = (err: Error) => {
      this.#error ??= err;
      for (const w of this.#queue.splice(0)) w.resolve(Number.NaN);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(port: number): Promise<Sender> {
    return new Promise((ok, fail) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.off('error', fail);
        ok(new Sender(s));
      });
      s.once('error', fail);
    });
  }

  get error(): Error | undefined {
    return this.#error;
  }

  /** Milliseconds from the write to the window's ACK; NaN if the connection failed first. */
  send(window: Buffer, events: number): Promise<number> {
    if (this.#error !== undefined) return Promise.resolve(Number.NaN);
    return new Promise((resolve) => {
      this.#queue.push({ expect: events, at: performance.now(), resolve });
      this.#socket.write(window);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let at = 0;
    for (; at + 6 <= this.#buf.length; at += 6) {
      const seq = decodeAck(this.#buf, at)?.seq ?? 0;
      const head = this.#queue[0];
      if (seq === 0 || head === undefined || seq < head.expect) continue;
      this.#queue.shift();
      head.resolve(performance.now() - head.at);
    }
    this.#buf = this.#buf.subarray(at);
  }
}

// ---------------------------------------------------------------------------------------------
// The receiver process, its RSS and its events in flight.

function rss(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system, every thread) a process has used so far, in microseconds. */
function cpuMicros(pid: number): number {
  // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

function ownCpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function inFlight(metricsPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/`, { signal: AbortSignal.timeout(2000) });
    return Number(/^punchline_in_flight\{[^}]*\} (\d+)$/m.exec(await res.text())?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Every 200 ms until stopped: the receiver's RSS and events in flight; returns the maxima. */
function sampler(pid: number, metricsPort: number): { stop(): { rss: number; inFlight: number } } {
  let maxRss = rss(pid);
  let maxInFlight = 0;
  let busy = false;
  const timer = setInterval(() => {
    maxRss = Math.max(maxRss, rss(pid));
    if (busy) return;
    busy = true;
    void inFlight(metricsPort).then((n) => {
      maxInFlight = Math.max(maxInFlight, n);
      busy = false;
    });
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return { rss: Math.max(maxRss, rss(pid)), inFlight: maxInFlight };
    },
  };
}

function pipelineYaml(port: number, topic: string): string {
  return `version: "6.0"
tenant: bench
channel: receiver
runtime: shiva
type: punchline
name: bench_receiver

dag:
  - type: lumberjack_input
    component: lumberjack_in
    settings:
      listen:
        host: 127.0.0.1
        port: ${port}
      compression: true
      # The events are Beats-shaped; taken key by key, the receiver writes to Kafka the same
      # documents as the Java anchor ({message, _ppf_id, _ppf_timestamp}), not a wrapped event.
      beats: false
    publish:
      - stream: logs
        fields: [message, _ppf_id, _ppf_timestamp]

  - type: kafka_output
    component: kafka_out
    settings:
      cluster: kafka_front
      encoding: json
      producer.acks: 1
      topic: ${topic}
    subscribe:
      - component: lumberjack_in
        stream: logs

settings:
  max.spout.pending: ${MAX_SPOUT_PENDING}
  message_timeout: 30s
`;
}

interface Receiver {
  readonly proc: PunchlineProcess['proc'];
  readonly port: number;
  readonly metricsPort: number;
}

async function startReceiver(
  dir: string,
  brokers: readonly string[],
  topic: string,
  nodeOptions: string | undefined,
  tag: string,
): Promise<Receiver> {
  const [port = 0] = await freePorts(1);
  const file = join(dir, `receiver-${tag}.yaml`);
  writeFileSync(file, pipelineYaml(port, topic));
  const { proc, metricsPort } = await startPunchline({
    name: `punchlinectl-${tag}`,
    file,
    brokers,
    logFile: join(dir, `punchlinectl-${tag}.log`),
    identity: { tenant: 'bench', channel: 'receiver', app: tag },
    nodeArgs: receiverNodeArgs,
    env: nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions },
  });
  return { proc, port, metricsPort };
}

// ---------------------------------------------------------------------------------------------
// Loads.

interface Load {
  readonly connections: number;
  readonly pipelined: number;
  /** Stop after this many windows in all, or after `untilMs`, whichever comes first. */
  readonly windows: number;
  readonly untilMs?: number;
}

/** As fast as the receiver ACKs: events acknowledged per second (first write to last ACK). */
async function flood(
  port: number,
  encoded: readonly Buffer[],
  load: Load,
): Promise<{ rate: number; acked: number; ms: number }> {
  const senders = await Promise.all(Array.from({ length: load.connections }, () => Sender.connect(port)));
  let next = 0;
  let acked = 0;
  const start = performance.now();
  const until = start + (load.untilMs ?? Number.POSITIVE_INFINITY);
  const lane = async (s: Sender) => {
    while (next < load.windows && performance.now() < until) {
      const ms = await s.send(encoded[next++ % encoded.length] as Buffer, WINDOW);
      if (Number.isNaN(ms)) throw s.error ?? new Error('window failed');
      acked += WINDOW;
    }
  };
  try {
    await Promise.all(senders.flatMap((s) => Array.from({ length: load.pipelined }, () => lane(s))));
  } finally {
    for (const s of senders) s.close();
  }
  const ms = performance.now() - start;
  return { rate: acked / (ms / 1000), acked, ms };
}

/** Windows at a fixed event rate, round-robin over the connections: per-window ms to its ACK. */
async function paced(
  port: number,
  encoded: readonly Buffer[],
  eventsPerSecond: number,
  durationMs: number,
  connections: number,
): Promise<number[]> {
  const senders = await Promise.all(Array.from({ length: connections }, () => Sender.connect(port)));
  const intervalMs = (WINDOW / eventsPerSecond) * 1000;
  const count = Math.max(1, Math.floor(durationMs / intervalMs));
  const pending: Promise<number>[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push((senders[i % connections] as Sender).send(encoded[i % encoded.length] as Buffer, WINDOW));
  }
  const samples = await Promise.all(pending);
  for (const s of senders) s.close();
  if (samples.some(Number.isNaN)) throw new Error('a paced window failed');
  return samples;
}

/** The same JSON documents the receiver writes, in batches of 1,024, `inFlight` batches at once. */
async function plainProducer(
  brokers: readonly string[],
  topic: string,
  lines: readonly string[],
  batches: number,
  inFlight: number,
): Promise<{ rate: number; cpuPerEvent: number }> {
  const producer = await connectKafkaProducer({ brokers, acks: 1, clientId: 'drover-bench' });
  try {
    const batch = (b: number) =>
      Array.from({ length: WINDOW }, (_, i) => ({
        key: null,
        value: JSON.stringify({
          message: lines[(b * WINDOW + i) % lines.length],
          _ppf_id: `0badcafe-${(b * WINDOW + i).toString(36)}`,
          _ppf_timestamp: Date.now(),
        }),
      }));
    await producer.send(topic, batch(0)); // connected, metadata known
    let next = 0;
    const start = performance.now();
    const cpu = ownCpuMicros();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < batches) await producer.send(topic, batch(next++));
      }),
    );
    const events = batches * WINDOW;
    return {
      rate: events / ((performance.now() - start) / 1000),
      cpuPerEvent: (ownCpuMicros() - cpu) / events,
    };
  } finally {
    await producer.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function measure(
  ctx: BenchContext,
  receiver: Receiver,
  label: string,
  brokers: readonly string[],
  topic: string,
  encoded: readonly Buffer[],
  lines: readonly string[],
  java: { readonly tools: JavaTools; readonly payloadFile: string },
): Promise<BenchRow[]> {
  const { port, metricsPort } = receiver;
  const pid = receiver.proc.pid;
  const idleRss = rss(pid);
  const mb = (n: number) => +(n / MB).toFixed(1);
  const plainInFlight = 4;

  // Warm up both paths (JIT, connections, the producer's metadata).
  await flood(port, encoded, { ...MAX_RATE, windows: 40 });
  await plainProducer(brokers, topic, lines, 40, plainInFlight);

  const e2e: number[] = [];
  const plain: number[] = [];
  const javaRates: number[] = [];
  const e2eCpu: number[] = [];
  const plainCpu: number[] = [];
  const javaCpu: number[] = [];
  let atMax = { rss: 0, inFlight: 0 };
  for (let r = 0; r < MAX_RATE.runs; r++) {
    const j = await javaProducer(java.tools, brokers, topic, java.payloadFile, MAX_RATE.windows * WINDOW * 3);
    javaRates.push(j.rate);
    javaCpu.push(j.cpuPerRecord);
    const p = await plainProducer(brokers, topic, lines, MAX_RATE.windows, plainInFlight);
    plain.push(p.rate);
    plainCpu.push(p.cpuPerEvent);
    const s = sampler(pid, metricsPort);
    const cpu = cpuMicros(pid);
    const f = await flood(port, encoded, MAX_RATE);
    e2e.push(f.rate);
    e2eCpu.push((cpuMicros(pid) - cpu) / f.acked);
    const seen = s.stop();
    atMax = { rss: Math.max(atMax.rss, seen.rss), inFlight: Math.max(atMax.inFlight, seen.inFlight) };
  }
  const e2eRate = median(e2e);
  const plainRate = median(plain);
  // Each run pairs a producer run with the receiver run right after it: the median of the
  // pairs' ratios is steadier than the ratio of medians when the machine's load shifts.
  const javaRatios = e2e.map((r, i) => r / (javaRates[i] as number));
  const rateRatios = e2e.map((r, i) => r / (plain[i] as number));
  const list = (v: readonly number[]) => v.map((x) => Math.round(x)).join(' ');
  const us = (v: readonly number[]) => v.map((x) => x.toFixed(1)).join(' ');
  ctx.log(
    `  [${label}] end to end ${list(e2e)} events/s (${us(e2eCpu)} µs CPU/event); Java producer ${list(javaRates)} records/s (${us(javaCpu)} µs CPU/record); plain producer ${list(plain)} events/s (${us(plainCpu)} µs CPU/event); RSS ${mb(idleRss)} MB idle, ${mb(atMax.rss)} MB max, ${atMax.inFlight} in flight max`,
  );

  const half = e2eRate / 2;
  const ls = sampler(pid, metricsPort);
  const latRuns: number[][] = [];
  for (let r = 0; r < LATENCY.runs; r++)
    latRuns.push(await paced(port, encoded, half, LATENCY.ms, MAX_RATE.connections));
  const atHalf = ls.stop();
  const p50s = latRuns.map((l) => percentile(l, 50));
  const p99s = latRuns.map((l) => percentile(l, 99));
  const windows = latRuns.reduce((n, l) => n + l.length, 0);
  const maxLat = Math.max(...latRuns.flat());
  ctx.log(
    `  [${label}] paced at ${Math.round(half)} events/s, ${LATENCY.runs} runs of ${latRuns.map((l) => l.length).join('/')} windows: p50 ${us(p50s)} ms, p99 ${us(p99s)} ms, max ${maxLat.toFixed(1)} ms; RSS ${mb(atHalf.rss)} MB max`,
  );

  const os = sampler(pid, metricsPort);
  const ov = await flood(port, encoded, {
    connections: OVERLOAD.connections,
    pipelined: OVERLOAD.pipelined,
    windows: Number.MAX_SAFE_INTEGER,
    untilMs: OVERLOAD.ms,
  });
  const atOverload = os.stop();
  ctx.log(
    `  [${label}] overload ${OVERLOAD.connections} connections x ${OVERLOAD.pipelined} windows, ${(ov.ms / 1000).toFixed(1)} s: ${Math.round(ov.rate)} events/s, RSS ${mb(atOverload.rss)} MB max, ${atOverload.inFlight} in flight max`,
  );

  const load = `${MAX_RATE.connections} connections x ${MAX_RATE.pipelined} windows`;
  const overload = `${OVERLOAD.connections} connections x ${OVERLOAD.pipelined} windows, ${OVERLOAD.ms / 1000} s`;
  const latency = `1,024-event windows at half the max rate (${Math.round(half)} events/s)`;
  return [
    {
      case: `[${label}] receiver end to end into Kafka (acks 1), ${load}`,
      metric: 'events/s',
      value: Math.round(e2eRate),
      unit: '/s',
      extra: { runs: list(e2e), eventsPerRun: MAX_RATE.windows * WINDOW },
    },
    {
      case: `[${label}] Java ProducerPerformance (acks 1, batch.size 512 KiB, linger.ms 5), same documents and topic (anchor)`,
      metric: 'records/s',
      value: Math.round(median(javaRates)),
      unit: '/s',
      extra: { runs: list(javaRates), recordsPerRun: MAX_RATE.windows * WINDOW * 3 },
    },
    {
      case: `[${label}] receiver end to end / Java producer`,
      metric: 'ratio',
      value: +median(javaRatios).toFixed(2),
      unit: '',
      goal: '>= 0.50',
      extra: { runs: javaRatios.map((r) => r.toFixed(2)).join(' ') },
    },
    {
      case: `[${label}] plain producer (connectKafkaProducer, @platformatic/kafka, acks 1), same documents and topic, ${plainInFlight} x 1,024 in flight`,
      metric: 'events/s',
      value: Math.round(plainRate),
      unit: '/s',
      extra: { runs: list(plain), eventsPerRun: MAX_RATE.windows * WINDOW },
    },
    {
      case: `[${label}] receiver end to end / plain producer`,
      metric: 'ratio',
      value: +median(rateRatios).toFixed(2),
      unit: '',
      extra: { runs: rateRatios.map((r) => r.toFixed(2)).join(' ') },
    },
    {
      case: `[${label}] CPU per event: receiver, whole process (both threads)`,
      metric: 'CPU',
      value: +median(e2eCpu).toFixed(2),
      unit: 'µs',
      goal: '<= 10',
      extra: {
        runs: us(e2eCpu),
        plainProducerMicros: +median(plainCpu).toFixed(2),
        javaProducerMicros: +median(javaCpu).toFixed(2),
      },
    },
    {
      case: `[${label}] ACK latency, ${latency}`,
      metric: 'p50',
      value: +median(p50s).toFixed(1),
      unit: 'ms',
      extra: { runs: us(p50s), windows },
    },
    {
      case: `[${label}] ACK latency, ${latency}`,
      metric: 'p99',
      value: +median(p99s).toFixed(1),
      unit: 'ms',
      goal: '< 50',
      extra: { runs: us(p99s), max: +maxLat.toFixed(1), windows },
    },
    {
      case: `[${label}] receiver RSS at max rate (${load})`,
      metric: 'max',
      value: mb(atMax.rss),
      unit: 'MB',
      goal: '< 250',
      extra: { idleMB: mb(idleRss), maxInFlight: atMax.inFlight },
    },
    {
      case: `[${label}] receiver RSS at half rate (latency run)`,
      metric: 'max',
      value: mb(atHalf.rss),
      unit: 'MB',
      goal: '< 250',
    },
    {
      case: `[${label}] receiver RSS under sustained overload (${overload})`,
      metric: 'max',
      value: mb(atOverload.rss),
      unit: 'MB',
      goal: '< 250',
      extra: { eventsPerSecond: Math.round(ov.rate) },
    },
    {
      case: `[${label}] receiver events in flight under overload (max.spout.pending ${MAX_SPOUT_PENDING})`,
      metric: 'max',
      value: atOverload.inFlight,
      unit: 'events',
    },
  ];
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['kafka']);
  const brokers = services.kafka?.brokers ?? [];
  const dir = ctx.scratchDir('drover-bench-receiver-');
  const topic = `drover-bench-receiver-${Date.now().toString(36)}-${process.pid}`;
  const receivers: Receiver[] = [];
  try {
    // Unique name; small segments and retention so the dev broker forgets the data on its own.
    await createTopics(brokers, [topic], 1, {
      'retention.bytes': String(64 * MB),
      'segment.bytes': String(16 * MB),
    });

    const lines = Array.from({ length: 16 * WINDOW }, (_, i) => syslogLine(i));
    const encoded = Array.from({ length: 16 }, (_, w) =>
      encodeWindow(
        lines.slice(w * WINDOW, (w + 1) * WINDOW).map((line, i) => beatsEvent(line, w * WINDOW + i)),
        { compressionLevel: 3 },
      ),
    );

    const payloadFile = join(dir, 'records.txt');
    writeFileSync(payloadFile, `${receiverDocuments(16 * WINDOW).join('\n')}\n`);
    const java = { tools: await javaTools(dir), payloadFile };

    const rows: BenchRow[] = [];
    for (const [i, heap] of HEAPS.entries()) {
      if (onlyHeaps !== undefined && !onlyHeaps.includes(i)) continue;
      const receiver = await startReceiver(dir, brokers, topic, heap.nodeOptions, `r${i}`);
      receivers.push(receiver);
      rows.push(...(await measure(ctx, receiver, heap.label, brokers, topic, encoded, lines, java)));
      const code = await stopPunchline(receiver.proc);
      if (code !== 0) ctx.log(`  [${heap.label}] receiver exited ${code}: see ${receiver.proc.logFile}`);
    }
    return rows;
  } finally {
    await Promise.all(receivers.map((r) => stopPunchline(r.proc, 0)));
    await release();
  }
}
