/**
 * Kafka to Kafka: a real `punchlinectl` running `kafka_input` -> `kafka_output` (encoding json
 * both ways, acks 1, the shipped defaults otherwise) drains a topic filled beforehand into another
 * one, next to Kafka's own Java consumer (`ConsumerPerformance`) reading the same topic and Java
 * producer (`ProducerPerformance`) writing the same records, on the same broker in the same run.
 *
 * Records: the receiver's JSON documents (kafka-clients.bench.ts). Pass-through rate: records
 * in the destination topic (its end offset, polled every 100 ms) over the time from the pipeline's
 * start (its metrics answering) to the last one; CPU: the punchline's whole process (/proc) over
 * the same span, per record. Java CPU per record: as in kafka-clients.bench.ts (JVM start removed).
 */

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Admin } from '@platformatic/kafka';
import { acquireServices } from '../support/acquire.js';
import { createTopics } from '../support/kafka.js';
import { startPunchline, stopPunchline } from '../support/punchline.js';
import { type BenchContext, type BenchRow, median } from './harness.js';
import {
  type JavaTools,
  javaProducer,
  javaTools,
  receiverDocuments,
  runJava,
} from './kafka-clients.bench.js';

export const name = 'kafka-pass-through';

const MB = 1024 * 1024;
const RECORDS = Number(process.env.DROVER_BENCH_PASS_RECORDS ?? 300_000);
const RUNS = 3;
const JAVA_BASELINE = 20_000;

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}

async function endOffset(admin: Admin, topic: string): Promise<number> {
  const listed = await admin.listOffsets({
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
  });
  return Number(listed[0]?.partitions[0]?.offset ?? 0n);
}

async function javaConsumerRun(
  tools: JavaTools,
  brokers: readonly string[],
  topic: string,
  records: number,
  group: string,
): Promise<{ rate: number; cpuMicros: number }> {
  const { stdout, cpuMicros: cpu } = await runJava(tools, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--messages',
    String(records),
    '--group',
    group,
    '--timeout',
    '60000',
  ]);
  // The header, then one line: start.time, end.time, data.consumed.in.MB, MB.sec,
  // data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec.
  const summary = stdout
    .split('\n')
    .filter((l) => /^\d{4}-\d\d-\d\d/.test(l.trim()))
    .at(-1);
  const fields = summary?.split(',').map((f) => f.trim()) ?? [];
  const rate = Number(fields[9] ?? fields.at(-1));
  if (!Number.isFinite(rate) || rate <= 0)
    throw new Error(`ConsumerPerformance: no rate in its output:\n${stdout.slice(-2000)}`);
  return { rate, cpuMicros: cpu };
}

function pipelineYaml(source: string, destination: string, group: string): string {
  return `version: "6.0"
tenant: bench
channel: pass
runtime: shiva
type: punchline
name: bench_pass

dag:
  - type: kafka_input
    component: kafka_in
    settings:
      cluster: kafka_front
      topic: ${source}
      group_id: ${group}
      start_offset_strategy: earliest
    publish:
      - stream: logs
        fields: [message, _ppf_id, _ppf_timestamp]

  - type: kafka_output
    component: kafka_out
    settings:
      cluster: kafka_front
      encoding: json
      producer.acks: 1
      topic: ${destination}
    subscribe:
      - component: kafka_in
        stream: logs

settings:
  max.spout.pending: 5000
  message_timeout: 30s
`;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['kafka']);
  const brokers = services.kafka?.brokers ?? [];
  const dir = ctx.scratchDir('drover-bench-pass-');
  const stamp = `${Date.now().toString(36)}-${process.pid}`;
  const retention = { 'retention.bytes': String(512 * MB), 'segment.bytes': String(64 * MB) };
  const admin = new Admin({ clientId: 'drover-bench', bootstrapBrokers: [...brokers] });
  try {
    const payloadFile = join(dir, 'records.txt');
    writeFileSync(payloadFile, `${receiverDocuments(16_384).join('\n')}\n`);
    const tools = await javaTools(dir);
    const source = `drover-bench-pass-src-${stamp}`;
    await createTopics(brokers, [source], 1, retention);
    // The source: exactly RECORDS records, written by the Java producer (also its row).
    const javaWrite = await javaProducer(tools, brokers, source, payloadFile, RECORDS);
    const sourceEnd = await endOffset(admin, source);
    ctx.log(`  source ${source}: ${sourceEnd} records`);

    const pass: number[] = [];
    const passCpu: number[] = [];
    const javaRead: number[] = [];
    const javaReadCpu: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const small = await javaConsumerRun(
        tools,
        brokers,
        source,
        JAVA_BASELINE,
        `bench-java-small-${stamp}-${r}`,
      );
      const big = await javaConsumerRun(tools, brokers, source, sourceEnd, `bench-java-${stamp}-${r}`);
      javaRead.push(big.rate);
      javaReadCpu.push((big.cpuMicros - small.cpuMicros) / (sourceEnd - JAVA_BASELINE));

      const destination = `drover-bench-pass-dst-${stamp}-${r}`;
      await createTopics(brokers, [destination], 1, retention);
      const file = join(dir, `pass-${r}.yaml`);
      writeFileSync(file, pipelineYaml(source, destination, `bench-pass-${stamp}-${r}`));
      const { proc } = await startPunchline({
        name: `punchlinectl-pass-${r}`,
        file,
        brokers,
        logFile: join(dir, `punchlinectl-pass-${r}.log`),
        identity: { tenant: 'bench', channel: 'pass', app: `r${r}` },
        env: { NODE_OPTIONS: '--max-old-space-size=96' },
      });
      const pid = proc.pid;
      const cpu0 = cpuMicros(pid);
      const start = performance.now();
      const deadline = start + 300_000;
      let done = 0;
      let cpu1 = cpu0;
      while (done < sourceEnd && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        cpu1 = cpuMicros(pid);
        done = await endOffset(admin, destination);
      }
      const ms = performance.now() - start;
      await stopPunchline(proc);
      if (done < sourceEnd) throw new Error(`pass-through moved ${done} of ${sourceEnd} records in 300 s`);
      pass.push(done / (ms / 1000));
      passCpu.push((cpu1 - cpu0) / done);
      ratios.push(done / (ms / 1000) / javaWrite.rate);
      ctx.log(
        `  run ${r + 1}: pass-through ${Math.round(done / (ms / 1000))}/s ${((cpu1 - cpu0) / done).toFixed(2)} µs/record; Java consumer ${Math.round(big.rate)}/s`,
      );
    }
    const list = (v: readonly number[], digits = 0) => v.map((x) => x.toFixed(digits)).join(' ');
    return [
      {
        case: `Java ProducerPerformance, ${sourceEnd} receiver documents into the source topic (acks 1)`,
        metric: 'records/s',
        value: Math.round(javaWrite.rate),
        unit: '/s',
        extra: { cpuMicrosPerRecord: +javaWrite.cpuPerRecord.toFixed(2) },
      },
      {
        case: 'Java ConsumerPerformance, the source topic (fetch rate)',
        metric: 'records/s',
        value: Math.round(median(javaRead)),
        unit: '/s',
        extra: { runs: list(javaRead), cpuMicrosPerRecord: +median(javaReadCpu).toFixed(2) },
      },
      {
        case: 'punchlinectl kafka_input -> kafka_output (acks 1, heap 96 MB), source to a new topic',
        metric: 'records/s',
        value: Math.round(median(pass)),
        unit: '/s',
        extra: { runs: list(pass) },
      },
      {
        case: 'pass-through / Java producer',
        metric: 'ratio',
        value: +median(ratios).toFixed(2),
        unit: 'x',
        extra: { runs: list(ratios, 2) },
      },
      {
        case: 'pass-through: CPU per record, whole punchline process',
        metric: 'CPU',
        value: +median(passCpu).toFixed(2),
        unit: 'µs',
        extra: { runs: list(passCpu, 2), javaConsumerMicros: +median(javaReadCpu).toFixed(2) },
      },
    ];
  } finally {
    await admin.close();
    await release();
  }
}
