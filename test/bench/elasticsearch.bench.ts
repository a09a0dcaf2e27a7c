/**
 * Kafka -> OpenSearch through Drover, next to the engine's own ceiling on this machine.
 *
 * - Drover: a real `punchlinectl` process, kafka_input (3 partitions) -> elasticsearch_output
 *   (batches of 1,000, 2 bulk requests in flight, index per device type from a pattern, `_id`
 *   from `_ppf_id`), against the dev search node. Documents per second between the moment 2% of
 *   the events are confirmed (the consumer group joined, the JIT warm) and the last confirmation,
 *   read from the process's metrics every 50 ms; its CPU time (/proc, every thread) over the same
 *   span, per document.
 * - Plain: the same documents as pre-built NDJSON (same index names, same ids), posted in the
 *   same batch size with the same 2 requests in flight by a minimal node:http keep-alive loop,
 *   with the same `filter_path`; every response checked for errors. No Kafka, no encoding on the
 *   measured path: the engine's own rate.
 * Runs interleaved (plain, Drover, plain, Drover...), each into fresh indices deleted afterwards;
 * the ratio is the median of the paired runs' ratios. The search node's CPU per document is shown
 * for both (when the node is the one `deploy/dev/services` started, whose pid is known): it is
 * where most of the time goes, and it should be the same for both.
 *
 * Kafka, OpenSearch, the pipeline and this process share the machine; rates move with it, the
 * paired ratio less so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readState, stateDir } from '@drover/dev-services';
import { connectKafkaProducer } from '@drover/kafka-resources';
import { BULK_FILTER_PATH, encodeBulkItem } from '@drover/search';
import { acquireServices } from '../support/acquire.js';
import { createTopics } from '../support/kafka.js';
import { startPunchline, stopPunchline } from '../support/punchline.js';
import { searchRequest } from '../support/search.js';
import { type BenchContext, type BenchRow, median } from './harness.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'elasticsearch';

const DOCS = Number(process.env.DROVER_BENCH_ES_DOCS ?? 60_000);
const RUNS = Number(process.env.DROVER_BENCH_ES_RUNS ?? 3);
const BATCH = 1000;
const IN_FLIGHT = 2;
const DEVICE_TYPES = ['linux', 'apache', 'windows'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system, every thread) of a process so far, in microseconds. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

function ownCpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

interface Run {
  readonly docsPerSecond: number;
  /** CPU µs per document of the shipper (the pipeline process, or this loop). */
  readonly cpuPerDoc: number;
  /** CPU µs per document of the search node, when its pid is known. */
  readonly engineCpuPerDoc: number | undefined;
}

function documents(): { id: string; json: string; device: string }[] {
  const line = syslogLines(7);
  const at = Date.UTC(2026, 10, 29, 5);
  return Array.from({ length: DOCS }, (_, i) => {
    const device = DEVICE_TYPES[i % DEVICE_TYPES.length] as string;
    const id = `bench-${i}`;
    const doc = {
      log: line(i),
      device_type: device,
      host: `front-web-${i % 17}`,
      _ppf_id: id,
      _ppf_timestamp: at + i,
    };
    return { id, json: JSON.stringify(doc), device };
  });
}

/** The plain loop: pre-built bodies, IN_FLIGHT requests at a time on keep-alive sockets. */
async function plainRun(
  node: string,
  bodies: readonly Buffer[],
  enginePid: number | undefined,
): Promise<Run> {
  const url = new URL(`/_bulk?filter_path=${BULK_FILTER_PATH}`, node);
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const post = (body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-ndjson', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200 || (JSON.parse(text) as { errors: boolean }).errors) {
              reject(new Error(`bulk answered ${res.statusCode}: ${text.slice(0, 300)}`));
            } else resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const warm = Math.ceil((bodies.length * 2) / 100);
  let next = 0;
  let done = 0;
  let start: { t: number; cpu: number; engine: number | undefined } | undefined;
  const mark = () => ({
    t: performance.now(),
    cpu: ownCpuMicros(),
    engine: enginePid && cpuMicros(enginePid),
  });
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        await post(bodies[next++] as Buffer);
        if (++done === warm) start = mark();
      }
    }),
  );
  const end = mark();
  agent.destroy();
  const counted = (bodies.length - warm) * BATCH;
  const s = start as NonNullable<typeof start>;
  return {
    docsPerSecond: (counted / (end.t - s.t)) * 1000,
    cpuPerDoc: (end.cpu - s.cpu) / counted,
    engineCpuPerDoc:
      end.engine === undefined || s.engine === undefined ? undefined : (end.engine - s.engine) / counted,
  };
}

function pipelineYaml(topic: string, group: string, node: string, prefix: string): string {
  return `version: "6.0"
tenant: bench
channel: es
name: es_bench
dag:
  - type: kafka_input
    component: kafka_in
    settings:
      cluster: kafka_front
      topic: ${topic}
      group_id: ${group}
      start_offset_strategy: earliest
    publish:
      - stream: logs
        fields: [log, device_type, host, _ppf_id, _ppf_timestamp]
  - type: elasticsearch_output
    component: es
    settings:
      hosts: ["${node}"]
      index: "${prefix}-{device_type}"
      batch_size: ${BATCH}
      max_in_flight: ${IN_FLIGHT}
    subscribe:
      - {component: kafka_in, stream: logs}
    publish:
      - stream: _ppf_errors
        fields: [_ppf_id, _ppf_error_message, _ppf_error_document]
settings:
  max.spout.pending: 5000
  message_timeout: 60s
`;
}

async function acked(metricsPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/`, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    return Number(
      /^punchline_events_acked_total\{[^}]*component="kafka_in"[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0,
    );
  } catch {
    return 0;
  }
}

async function droverRun(
  dir: string,
  brokers: readonly string[],
  topic: string,
  node: string,
  prefix: string,
  enginePid: number | undefined,
): Promise<Run> {
  const file = join(dir, `${prefix}.yaml`);
  writeFileSync(file, pipelineYaml(topic, `${prefix}-group`, node, prefix));
  const shipper = await startPunchline({ name: prefix, file, brokers, logFile: join(dir, `${prefix}.log`) });
  try {
    const warm = Math.ceil(DOCS / 50);
    let start: { t: number; cpu: number; engine: number | undefined } | undefined;
    const mark = () => ({
      t: performance.now(),
      cpu: cpuMicros(shipper.proc.pid),
      engine: enginePid && cpuMicros(enginePid),
    });
    for (;;) {
      const n = await acked(shipper.metricsPort);
      if (start === undefined && n >= warm) start = mark();
      if (n >= DOCS) break;
      if (!shipper.proc.running) throw new Error(`the pipeline exited: see ${shipper.proc.logFile}`);
      await sleep(50);
    }
    const end = mark();
    const s = start as NonNullable<typeof start>;
    const counted = DOCS - warm;
    return {
      docsPerSecond: (counted / (end.t - s.t)) * 1000,
      cpuPerDoc: (end.cpu - s.cpu) / counted,
      engineCpuPerDoc:
        end.engine === undefined || s.engine === undefined ? undefined : (end.engine - s.engine) / counted,
    };
  } finally {
    await stopPunchline(shipper.proc);
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['kafka', 'search']);
  const brokers = services.kafka?.brokers ?? [];
  const node = services.search?.nodes[0] as string;
  const recorded = (await readState(stateDir())).search;
  const enginePid = recorded?.endpoints.includes(node) === true ? recorded.pid : undefined;
  const dir = ctx.scratchDir('drover-bench-es-');
  const tag = `${Date.now().toString(36)}-${process.pid}`;
  const topic = `drover-bench-es-${tag}`;
  try {
    await createTopics(brokers, [topic], 3, { 'retention.bytes': String(256 * 1024 * 1024) });
    const docs = documents();
    const producer = await connectKafkaProducer({ brokers, acks: 1 });
    for (let i = 0; i < docs.length; i += 5000) {
      await producer.send(
        topic,
        docs.slice(i, i + 5000).map((d) => ({ value: d.json })),
      );
    }
    await producer.close();
    ctx.log(`  ${DOCS} documents in ${topic}; ${RUNS} paired runs`);

    const plain: Run[] = [];
    const drover: Run[] = [];
    const ratios: number[] = [];
    for (let k = 0; k < RUNS; k++) {
      const plainPrefix = `bench-es-${tag}-${k}-plain`;
      const bodies: Buffer[] = [];
      for (let i = 0; i < docs.length; i += BATCH) {
        bodies.push(
          Buffer.from(
            docs
              .slice(i, i + BATCH)
              .map((d) =>
                encodeBulkItem({ op: 'index', index: `${plainPrefix}-${d.device}`, id: d.id }, d.json),
              )
              .join(''),
          ),
        );
      }
      const p = await plainRun(node, bodies, enginePid);
      await searchRequest(node, 'DELETE', `/${plainPrefix}-*`);
      const dPrefix = `bench-es-${tag}-${k}-drover`;
      const d = await droverRun(dir, brokers, topic, node, dPrefix, enginePid);
      await searchRequest(node, 'DELETE', `/${dPrefix}-*`);
      plain.push(p);
      drover.push(d);
      ratios.push(d.docsPerSecond / p.docsPerSecond);
      ctx.log(
        `  run ${k}: plain ${p.docsPerSecond.toFixed(0)} docs/s, Drover ${d.docsPerSecond.toFixed(0)} docs/s (${(
          d.docsPerSecond / p.docsPerSecond
        ).toFixed(2)})`,
      );
    }
    const m = (runs: Run[], f: (r: Run) => number | undefined) => {
      const values = runs.map(f).filter((v): v is number => v !== undefined);
      return values.length === 0 ? Number.NaN : median(values);
    };
    const rows: BenchRow[] = [
      {
        case: `Kafka -> elasticsearch_output -> OpenSearch (punchlinectl; ${DOCS} docs, batches of ${BATCH}, ${IN_FLIGHT} in flight)`,
        metric: 'docs/s',
        value: Math.round(m(drover, (r) => r.docsPerSecond)),
        unit: 'docs/s',
      },
      {
        case: 'plain _bulk loop, same NDJSON, same batches and requests in flight',
        metric: 'docs/s',
        value: Math.round(m(plain, (r) => r.docsPerSecond)),
        unit: 'docs/s',
      },
      {
        case: `Drover / plain (median of ${RUNS} paired runs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
        metric: 'ratio',
        value: Number(median(ratios).toFixed(2)),
        unit: '',
        goal: '>= 0.7',
      },
      {
        case: 'CPU per document: the pipeline process (all threads) / the plain loop',
        metric: 'µs/doc',
        value: Number(m(drover, (r) => r.cpuPerDoc).toFixed(1)),
        unit: `µs / ${m(plain, (r) => r.cpuPerDoc).toFixed(1)} µs`,
      },
    ];
    if (enginePid !== undefined) {
      rows.push({
        case: 'CPU per document of the search node: under Drover / under the plain loop',
        metric: 'µs/doc',
        value: Number(m(drover, (r) => r.engineCpuPerDoc).toFixed(1)),
        unit: `µs / ${m(plain, (r) => r.engineCpuPerDoc).toFixed(1)} µs`,
      });
    }
    return rows;
  } finally {
    await release();
  }
}
