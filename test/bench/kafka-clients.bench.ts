/**
 * Kafka producers on one broker, in one run: Kafka's own Java producer (`ProducerPerformance`
 * from `org.apache.kafka:kafka-tools`, the anchor), the Node clients that install from the npm
 * registry alone (kafkajs 2.2.4, @platformatic/kafka), and our own producer on the chosen client
 * (`connectKafkaProducer`, and the batch producer kafka_output uses). Then our producer with
 * each compression codec, with the bytes the broker stored (what went on the wire, less request
 * framing).
 *
 * Records: the JSON documents the receiver writes into Kafka (a ~300-byte syslog line in
 * `message`, `_ppf_id`, `_ppf_timestamp`), one partition, acks 1. Java batches as the Node clients
 * do (`JAVA_PROPS`: batch.size 512 KiB, about 1,300 records, linger.ms 5; with its 3.9 defaults,
 * 16 KiB and 0 ms, it waits on round trips and sends a third as much on this machine); the Node
 * clients send 1,024-record batches, 4 in flight, the receiver's window and pipelining. Every client runs in a process of
 * its own (kafka-producer-child.ts); clients take turns, `ROUNDS` rounds, and each round's rates
 * are divided by that round's Java rate (same-run ratios: the machine is shared and noisy).
 *
 * CPU per record: the Node child's own user + system time over the measured sends; the JVM's
 * from the shell's `times` after it exits, less a 20,000-record run's (JVM start and JIT), over
 * the difference in records.
 *
 * DROVER_BENCH_KAFKA_RECORDS (default 600,000) sets the records per run;
 * DROVER_BENCH_KAFKA_CLIENTS=kafkajs,platformatic runs only those Node clients (the compression
 * rows need drover-batch).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheDir, ensureJava, ensureKafkaToolsJars, TOOLS_LOG4J } from '@drover/dev-services';
import { Admin } from '@platformatic/kafka';
import { acquireServices } from '../support/acquire.js';
import { createTopics } from '../support/kafka.js';
import { type BenchContext, type BenchRow, median } from './harness.js';
import type { ChildArgs, ChildResult, ClientName, Compression } from './kafka-producer-child.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'kafka-clients';

const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const MB = 1024 * 1024;
const RECORDS = Number(process.env.DROVER_BENCH_KAFKA_RECORDS ?? 600_000);
const ROUNDS = 3;
const JAVA_BASELINE = 20_000;
/** The Java producer's settings besides bootstrap.servers and acks. */
export const JAVA_PROPS = ['batch.size=524288', 'linger.ms=5', 'max.block.ms=10000'] as const;

/** The receiver's documents: `kafka_output` (encoding json) of lumberjack_input's fields. */
export function receiverDocuments(count: number): string[] {
  const line = syslogLines();
  const t0 = Date.parse('2026-11-23T05:00:00Z');
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      message: line(i),
      _ppf_id: `7f3a9c21e4b8-${(1_000_000 + i).toString(36)}`,
      _ppf_timestamp: t0 + i,
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Kafka's Java producer.

export interface JavaTools {
  readonly java: string;
  readonly classpath: string;
  readonly log4j: string;
}

export async function javaTools(dir: string): Promise<JavaTools> {
  const java = await ensureJava();
  const { libsDir } = await ensureKafkaToolsJars(cacheDir());
  const log4j = join(dir, 'tools-log4j.properties');
  writeFileSync(log4j, TOOLS_LOG4J);
  return { java, classpath: `${libsDir}/*`, log4j };
}

/** Runs a Java tool class through bash, whose `times` gives the JVM's CPU time once it exited. */
export async function runJava(
  tools: JavaTools,
  mainClass: string,
  args: readonly string[],
): Promise<{ stdout: string; cpuMicros: number }> {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const command = [
    tools.java,
    '-Xmx256m',
    '-XX:+UseG1GC',
    `-Dlog4j.configuration=file:${tools.log4j}`,
    '-cp',
    tools.classpath,
    mainClass,
    ...args,
  ]
    .map(quote)
    .join(' ');
  // `times` prints the shell's own CPU time, then its children's: the JVM's.
  const { stdout } = await execFileAsync(
    'bash',
    ['-c', `${command}; rc=$?; echo '#times'; times; exit $rc`],
    {
      maxBuffer: 64 * MB,
      timeout: 600_000,
    },
  );
  const t = /#times\n\S+ \S+\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(stdout);
  if (t === null) throw new Error(`${mainClass}: no CPU times in its output:\n${stdout.slice(-2000)}`);
  const seconds = Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]);
  return { stdout, cpuMicros: seconds * 1e6 };
}

async function javaProducerRun(
  tools: JavaTools,
  brokers: readonly string[],
  topic: string,
  payloadFile: string,
  records: number,
  props: readonly string[],
): Promise<{ rate: number; cpuMicros: number }> {
  const { stdout, cpuMicros } = await runJava(tools, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--throughput',
    '-1',
    '--payload-file',
    payloadFile,
    '--producer-props',
    `bootstrap.servers=${brokers.join(',')}`,
    'acks=1',
    ...props,
  ]);
  // The last summary: "600000 records sent, 204800.1 records/sec (84.00 MB/sec), ..."
  const summary = [...stdout.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)].at(-1);
  if (summary === undefined)
    throw new Error(`ProducerPerformance printed no summary:\n${stdout.slice(-2000)}`);
  return { rate: Number(summary[2]), cpuMicros };
}

/** Rate, and CPU per record net of the JVM's start (a 20,000-record run's CPU). */
export async function javaProducer(
  tools: JavaTools,
  brokers: readonly string[],
  topic: string,
  payloadFile: string,
  records: number,
  props: readonly string[] = JAVA_PROPS,
): Promise<{ rate: number; cpuPerRecord: number }> {
  const small = await javaProducerRun(tools, brokers, topic, payloadFile, JAVA_BASELINE, props);
  const big = await javaProducerRun(tools, brokers, topic, payloadFile, records, props);
  return { rate: big.rate, cpuPerRecord: (big.cpuMicros - small.cpuMicros) / (records - JAVA_BASELINE) };
}

// ---------------------------------------------------------------------------------------------
// Node clients, each in a child process.

export async function nodeProducer(
  args: Omit<ChildArgs, 'warmup' | 'batch' | 'inFlight' | 'acks' | 'compression'> &
    Partial<Pick<ChildArgs, 'batch' | 'inFlight' | 'acks' | 'compression'>>,
): Promise<ChildResult> {
  const full: ChildArgs = {
    batch: 1024,
    inFlight: 4,
    acks: 1,
    compression: 'none',
    warmup: 50 * 1024,
    ...args,
  };
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', join(here, 'kafka-producer-child.ts'), JSON.stringify(full)],
    { maxBuffer: 16 * MB, cwd: here, timeout: 600_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildResult;
}

/** Bytes the broker holds for partition 0 of `topic` (DescribeLogDirs). */
async function partitionBytes(brokers: readonly string[], topic: string): Promise<number> {
  const admin = new Admin({ clientId: 'drover-bench', bootstrapBrokers: [...brokers] });
  try {
    const dirs = await admin.describeLogDirs({ topics: [{ name: topic, partitions: [0] }] });
    let bytes = 0;
    for (const broker of dirs)
      for (const dir of broker.results)
        for (const t of dir.topics)
          if (t.name === topic) for (const p of t.partitions) bytes += Number(p.partitionSize);
    return bytes;
  } finally {
    await admin.close();
  }
}

// ---------------------------------------------------------------------------------------------

const CLIENTS: readonly { client: ClientName; label: string }[] = [
  { client: 'kafkajs', label: 'kafkajs 2.2.4, plain producer' },
  { client: 'platformatic', label: '@platformatic/kafka 2.12.1, plain producer' },
  { client: 'drover', label: "Drover's producer (connectKafkaProducer, on the chosen client)" },
  { client: 'drover-batch', label: "kafka_output's batch producer, packed batches (startBatchProducer)" },
];

const onlyClients = process.env.DROVER_BENCH_KAFKA_CLIENTS?.split(',');
const clients = CLIENTS.filter((c) => onlyClients === undefined || onlyClients.includes(c.client));

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['kafka']);
  const brokers = services.kafka?.brokers ?? [];
  const dir = ctx.scratchDir('drover-bench-kafka-');
  const stamp = `${Date.now().toString(36)}-${process.pid}`;
  const retention = { 'retention.bytes': String(256 * MB), 'segment.bytes': String(64 * MB) };
  try {
    const documents = receiverDocuments(16_384);
    const payloadFile = join(dir, 'records.txt');
    writeFileSync(payloadFile, `${documents.join('\n')}\n`);
    const recordBytes = documents.reduce((n, d) => n + Buffer.byteLength(d), 0) / documents.length;
    ctx.log(
      `  records: ${documents.length} distinct receiver documents, ${recordBytes.toFixed(0)} bytes on average`,
    );
    const tools = await javaTools(dir);

    // ---- producers, round after round
    const topic = `drover-bench-clients-${stamp}`;
    await createTopics(brokers, [topic], 1, retention);
    const rates = new Map<string, number[]>();
    const cpus = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    for (let round = 0; round < ROUNDS; round++) {
      const java = await javaProducer(tools, brokers, topic, payloadFile, RECORDS);
      push(rates, 'java', java.rate);
      push(cpus, 'java', java.cpuPerRecord);
      ctx.log(
        `  round ${round + 1}: java ${Math.round(java.rate)}/s ${java.cpuPerRecord.toFixed(2)} µs/record`,
      );
      for (const { client } of clients) {
        const r = await nodeProducer({ client, brokers, topic, payloadFile, records: RECORDS });
        push(rates, client, r.rate);
        push(cpus, client, r.cpuPerRecord);
        push(ratios, client, r.rate / java.rate);
        ctx.log(
          `  round ${round + 1}: ${client} ${Math.round(r.rate)}/s ${r.cpuPerRecord.toFixed(2)} µs/record (${r.node})`,
        );
      }
    }
    const list = (v: readonly number[] | undefined, digits = 0) =>
      (v ?? []).map((x) => x.toFixed(digits)).join(' ');
    const rows: BenchRow[] = [
      {
        case: `Java ProducerPerformance 3.9.1 (kafka-tools; acks 1, batch.size 512 KiB, linger.ms 5), ${recordBytes.toFixed(0)}-byte receiver records (anchor)`,
        metric: 'records/s',
        value: Math.round(median(rates.get('java') ?? [])),
        unit: '/s',
        extra: { runs: list(rates.get('java')), records: RECORDS },
      },
      {
        case: 'Java ProducerPerformance: CPU per record (JVM start removed)',
        metric: 'CPU',
        value: +median(cpus.get('java') ?? []).toFixed(2),
        unit: 'µs',
        extra: { runs: list(cpus.get('java'), 2) },
      },
    ];
    for (const { client, label } of clients) {
      rows.push(
        {
          case: `${label}, 1,024-record batches x 4 in flight, acks 1`,
          metric: 'records/s',
          value: Math.round(median(rates.get(client) ?? [])),
          unit: '/s',
          extra: { runs: list(rates.get(client)) },
        },
        {
          case: `${label}: / Java, same round`,
          metric: 'ratio',
          value: +median(ratios.get(client) ?? []).toFixed(2),
          unit: 'x',
          extra: { runs: list(ratios.get(client), 2) },
        },
        {
          case: `${label}: CPU per record`,
          metric: 'CPU',
          value: +median(cpus.get(client) ?? []).toFixed(2),
          unit: 'µs',
          extra: { runs: list(cpus.get(client), 2) },
        },
      );
    }

    // ---- compression: our producer, one fresh topic per codec, bytes the broker stored
    const compressionRecords = Math.min(RECORDS, 300 * 1024);
    for (const compression of clients.some((c) => c.client === 'drover-batch') ? COMPRESSIONS : []) {
      const ctopic = `drover-bench-compression-${compression}-${stamp}`;
      await createTopics(brokers, [ctopic], 1, retention);
      const r = await nodeProducer({
        client: 'drover-batch',
        brokers,
        topic: ctopic,
        payloadFile,
        records: compressionRecords,
        compression,
      });
      const bytes = await partitionBytes(brokers, ctopic);
      // The warm-up's records are in the topic too.
      const stored = r.records + 50 * 1024;
      ctx.log(
        `  compression ${compression}: ${Math.round(r.rate)}/s, ${r.cpuPerRecord.toFixed(2)} µs/record, ${(bytes / stored).toFixed(1)} bytes/record stored`,
      );
      rows.push(
        {
          case: `kafka_output's batch producer, compression ${compression}`,
          metric: 'records/s',
          value: Math.round(r.rate),
          unit: '/s',
          extra: { cpuMicrosPerRecord: +r.cpuPerRecord.toFixed(2) },
        },
        {
          case: `kafka_output's batch producer, compression ${compression}: bytes per record on the broker`,
          metric: 'bytes',
          value: +(bytes / stored).toFixed(1),
          unit: 'B',
          extra: { ratio: +(bytes / stored / recordBytes).toFixed(3), recordBytes: +recordBytes.toFixed(0) },
        },
      );
    }
    return rows;
  } finally {
    await release();
  }
}
