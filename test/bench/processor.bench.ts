/**
 * The processor half.
 *
 * - Kafka -> PostgreSQL: `punchlinectl` running kafka_input -> postgresql_output over N events
 *   already in Kafka (3 partitions), rows in the log table (its 6 indexes, full text included),
 *   from the pipeline's start to the last row; once with `method: copy`, once with `insert`. Next
 *   to it, in the same run, `psql \copy` of the same rows (exported from the table with COPY TO)
 *   into an empty table of the same schema. Rates, their ratio, and CPU per row: the pipeline's
 *   whole process (/proc) and psql's (bash `times`); the PostgreSQL server's CPU is in neither.
 * - grok lines/s with the Apache and syslog patterns (the processor channel's): on the pipeline
 *   thread (one core), and on 1 and 2 worker threads (`workers`), events handed in batches as the
 *   engine does.
 *
 * DROVER_BENCH_PROCESSOR_EVENTS sets N (default 100,000).
 */
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { grokSettings, postgresqlOutputSettings } from '@drover/channel-model';
import { ensurePostgresInstalled } from '@drover/dev-services';
import { connectKafkaProducer } from '@drover/kafka-resources';
import { createStatements, type Delivery, GrokNode, logTable, ThreadedNode } from '@drover/pipeline';
import pg from 'pg';
import { acquireServices } from '../support/acquire.js';
import { eventually } from '../support/eventually.js';
import { createTopics, uniqueSuffix } from '../support/kafka.js';
import { startPunchline, stopPunchline } from '../support/punchline.js';
import type { BenchContext, BenchRow } from './harness.js';

export const name = 'processor';

const execFileAsync = promisify(execFile);
const N = Number(process.env.DROVER_BENCH_PROCESSOR_EVENTS ?? 100_000);
const CLOCK_TICKS = Number((await execFileAsync('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

/** A normalised event, as the processor's normalize step leaves it (~450 bytes of JSON). */
function normalized(i: number, prefix: string): Record<string, unknown> {
  return {
    _ppf_id: `${prefix}-${i}`,
    _ppf_timestamp: Date.UTC(2026, 10, 23, 5) + i,
    timestamp: new Date(Date.UTC(2026, 10, 23, 5) + i).toISOString(),
    host: `front${i % 17}`,
    program: i % 2 === 0 ? 'sshd' : 'httpd',
    severity: 6,
    facility: 4,
    device_type: i % 2 === 0 ? 'linux_os' : 'apache',
    message: `Accepted publickey for deploy from 10.1.${i % 256}.3 port ${i % 65536} ssh2: RSA SHA256:Hm3vZ1kq${i}`,
    es_index: 'reftenant-linux_os-2026.11.23',
    raw_log: `<38>Nov 23 05:00:00 front${i % 17} sshd[4242]: Accepted publickey for deploy from 10.1.${i % 256}.3 port ${i % 65536} ssh2`,
    grok: { ssh_user: 'deploy', ssh_method: 'publickey', ssh_client_port: i % 65536 },
    subsystem: 'bench',
  };
}

async function kafkaToPostgres(
  ctx: BenchContext,
  brokers: readonly string[],
  url: string,
  dir: string,
  method: 'copy' | 'insert',
): Promise<{ rate: number; cpuPerRow: number; table: string }> {
  const suffix = uniqueSuffix().replace(/-/g, '_');
  const topic = `bench-processor-${suffix}`;
  await createTopics(brokers, [topic], 3);
  const producer = await connectKafkaProducer({ brokers, acks: 1 });
  for (let i = 0; i < N; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({
      value: JSON.stringify(normalized(i + j, suffix)),
    }));
    await producer.send(topic, batch);
  }
  await producer.close();
  const table = `bench_${method}_${suffix}`;
  const file = join(dir, `${table}.yaml`);
  writeFileSync(
    file,
    `version: "6.0"
dag:
  - type: kafka_input
    component: in
    settings: { brokers: [${brokers.join(', ')}], topic: ${topic}, group_id: ${table} }
    publish:
      - stream: logs
        fields: [_ppf_id, _ppf_timestamp, timestamp, host, program, severity, facility, device_type, message, es_index, raw_log, grok, subsystem]
  - type: postgresql_output
    component: store
    settings: { url: "${url}", table: ${table}, method: ${method} }
    subscribe: [{ component: in, stream: logs }]
settings:
  max.spout.pending: 5000
`,
  );
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const started = performance.now();
  const p = await startPunchline({ name: table, file, brokers, logFile: join(dir, `${table}.log`) });
  const cpu0 = cpuMicros(p.proc.child.pid as number);
  await eventually(
    async () => {
      const r = await db.query(`SELECT count(*)::int AS n FROM ${table}`).catch(() => ({ rows: [{ n: 0 }] }));
      return r.rows[0].n >= N;
    },
    600_000,
    `${N} rows in ${table}`,
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuMicros(p.proc.child.pid as number) - cpu0;
  await stopPunchline(p.proc);
  await db.end();
  ctx.log(`  ${method}: ${N} rows in ${seconds.toFixed(1)} s`);
  return { rate: N / seconds, cpuPerRow: cpu / N, table };
}

/** `psql \copy` of `from`'s rows into a fresh table of the same schema: rows/s and psql's CPU per row. */
async function psqlCopy(
  url: string,
  dir: string,
  from: string,
): Promise<{ rate: number; cpuPerRow: number }> {
  const bin = await ensurePostgresInstalled();
  const settings = postgresqlOutputSettings.parse({ url, table: `${from}_psql` });
  const t = logTable(settings);
  const cols = t.columns.map((c) => `"${c.name}"`).join(', ');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  for (const sql of createStatements(t)) await db.query(sql);
  await db.end();
  const data = join(dir, `${from}.copy`);
  const psql = join(bin, 'psql');
  await execFileAsync(psql, [url, '-q', '-c', `\\copy (SELECT ${cols} FROM ${from}) TO '${data}'`]);
  // bash's `times` prints the CPU of its children (psql) after it exits.
  const started = performance.now();
  const { stdout } = await execFileAsync('bash', [
    '-c',
    `"$0" "$1" -q -c "$2" >/dev/null && times`,
    psql,
    url,
    `\\copy ${t.table} (${cols}) FROM '${data}'`,
  ]);
  const seconds = (performance.now() - started) / 1000;
  const times = stdout.trim().split('\n').pop() ?? '';
  const secondsOf = (s: string) => {
    const m = /(\d+)m([\d.]+)s/.exec(s);
    return m === null ? 0 : Number(m[1]) * 60 + Number(m[2]);
  };
  const [user = '', system = ''] = times.split(/\s+/);
  return { rate: N / seconds, cpuPerRow: ((secondsOf(user) + secondsOf(system)) * 1e6) / N };
}

// ---------------------------------------------------------------------------------------------

function grokLines(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      i % 2 === 0
        ? `198.51.100.${i % 256} - frank [23/Nov/2026:05:00:00 +0000] "GET /index.html?id=${i} HTTP/1.1" 200 5120 "http://example.com/" "Mozilla/5.0 (X11; Linux x86_64)"`
        : `Nov 23 05:00:00 front${i % 17} sshd[4242]: Accepted publickey for deploy from 10.1.2.3 port ${i % 65536} ssh2`,
    );
  }
  return lines;
}

const GROK = { field: 'log', patterns: ['%{HTTPD_COMBINEDLOG}', '%{HTTPD_COMMONLOG}', '%{SYSLOGLINE}'] };

async function grokRate(workers: number, lines: readonly string[]): Promise<number> {
  const spec = {
    type: 'grok',
    component: 'grok',
    settings: GROK,
    publish: [{ stream: 'parsed', fields: [] }],
    baseDir: tmpdir(),
  };
  if (workers === 0) {
    const node = GrokNode.load(grokSettings.parse(GROK), 'parsed', tmpdir());
    const started = performance.now();
    for (const line of lines)
      node.process({ component: 'in', stream: 'logs', fields: { log: line } }, () => {});
    return lines.length / ((performance.now() - started) / 1000);
  }
  const node = await ThreadedNode.start(spec, { workers, ordered: true, timeoutMs: 2000 }, quiet);
  try {
    // Warm the workers' JIT, then measure: in-flight bounded as by max.spout.pending.
    const run = (input: readonly string[]) =>
      new Promise<void>((resolve) => {
        let sent = 0;
        let done = 0;
        const pump = () => {
          while (sent < input.length && sent - done < 5000) {
            const event: Delivery = { component: 'in', stream: 'logs', fields: { log: input[sent++] } };
            node.process(event, () => {
              done++;
              if (done === input.length) resolve();
              else if (sent - done < 2500) pump();
            });
          }
        };
        pump();
      });
    await run(lines.slice(0, 20_000));
    const started = performance.now();
    await run(lines);
    return lines.length / ((performance.now() - started) / 1000);
  } finally {
    await node.close();
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const lines = grokLines(200_000);
  // Warm the pipeline thread's JIT on the same code.
  await grokRate(0, lines.slice(0, 20_000));
  const grok = {
    sync: await grokRate(0, lines),
    one: await grokRate(1, lines),
    two: await grokRate(2, lines),
  };
  ctx.log(`  grok: ${JSON.stringify(grok)}`);
  rows.push(
    {
      case: 'grok, Apache combined + syslog lines, on the pipeline thread',
      metric: 'lines/s',
      value: Math.round(grok.sync),
      unit: 'lines/s',
    },
    { case: 'grok, same lines, workers: 1', metric: 'lines/s', value: Math.round(grok.one), unit: 'lines/s' },
    { case: 'grok, same lines, workers: 2', metric: 'lines/s', value: Math.round(grok.two), unit: 'lines/s' },
  );

  const services = await acquireServices(['kafka', 'postgres']);
  try {
    const brokers = services.services.kafka?.brokers ?? [];
    const url = services.services.postgres?.url ?? '';
    const dir = ctx.scratchDir('drover-bench-processor-');
    chmodSync(dir, 0o755); // psql's \copy runs as us, but keep the files readable
    const copy = await kafkaToPostgres(ctx, brokers, url, dir, 'copy');
    const insert = await kafkaToPostgres(ctx, brokers, url, dir, 'insert');
    const psql = await psqlCopy(url, dir, copy.table);
    ctx.log(`  psql \\copy: ${psql.rate.toFixed(0)} rows/s`);
    rows.push(
      {
        case: `Kafka -> PostgreSQL, ${N} rows, method copy`,
        metric: 'rows/s',
        value: Math.round(copy.rate),
        unit: 'rows/s',
      },
      {
        case: `Kafka -> PostgreSQL, ${N} rows, method insert (unnest)`,
        metric: 'rows/s',
        value: Math.round(insert.rate),
        unit: 'rows/s',
      },
      {
        case: 'psql \\copy of the same rows into the same schema',
        metric: 'rows/s',
        value: Math.round(psql.rate),
        unit: 'rows/s',
      },
      {
        case: 'Kafka -> PostgreSQL (copy) / psql \\copy',
        metric: 'ratio',
        value: copy.rate / psql.rate,
        unit: '',
        goal: '>= 0.7',
      },
      {
        case: 'Kafka -> PostgreSQL (insert) / psql \\copy',
        metric: 'ratio',
        value: insert.rate / psql.rate,
        unit: '',
      },
      {
        case: 'CPU per row: punchlinectl copy / insert / psql',
        metric: 'µs/row',
        value: copy.cpuPerRow,
        unit: `µs (insert ${insert.cpuPerRow.toFixed(1)}, psql ${psql.cpuPerRow.toFixed(1)})`,
      },
    );
  } finally {
    await services.release();
  }
  return rows;
}
