/**
 * One Kafka client producing the benchmark's records, in a process of its own (so its CPU time is
 * its own): started by kafka-clients.bench.ts with one JSON argument, prints one JSON line.
 *
 * Clients: `kafkajs` and `platformatic` are the libraries themselves (the one place outside
 * libs/ that imports them: this measures the libraries, not our code); `drover` is our own
 * producer (connectKafkaProducer) and `drover-batch` kafka_output's batch producer
 * (startBatchProducer) fed packed batches, as kafka_output feeds it.
 *
 * Records are the lines of `payloadFile` as Buffers, built before the clock starts; they are
 * sent in batches of `batch`, `inFlight` batches at once, to partition 0 of `topic`, with
 * `acks` and `compression`. Rate: records / wall time of the measured sends; CPU: this process's
 * user + system time over the same span (every thread), per record.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  connectKafkaProducer,
  MessageBatch,
  type PackedMessages,
  startBatchProducer,
} from '@drover/kafka-resources';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';

export type ClientName = 'kafkajs' | 'platformatic' | 'drover' | 'drover-batch';
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ChildArgs {
  readonly client: ClientName;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly payloadFile: string;
  readonly records: number;
  readonly warmup: number;
  readonly batch: number;
  readonly inFlight: number;
  readonly acks: 0 | 1 | -1;
  readonly compression: Compression;
}

export interface ChildResult {
  readonly records: number;
  readonly ms: number;
  readonly cpuMicros: number;
  readonly rate: number;
  readonly cpuPerRecord: number;
  readonly node: string;
}

type SendBatch = (values: readonly Buffer[]) => Promise<void>;

async function kafkajsSender(a: ChildArgs): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const { Kafka, logLevel, CompressionTypes, Partitioners } = kafkajs;
  const kafka = new Kafka({ clientId: 'bench', brokers: [...a.brokers], logLevel: logLevel.ERROR });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const compression =
    a.compression === 'gzip'
      ? CompressionTypes.GZIP
      : a.compression === 'none'
        ? CompressionTypes.None
        : (() => {
            throw new Error(`kafkajs has no built-in ${a.compression} codec`);
          })();
  return {
    send: async (values) => {
      await producer.send({
        topic: a.topic,
        acks: a.acks,
        compression,
        messages: values.map((value) => ({ value, partition: 0 })),
      });
    },
    close: () => producer.disconnect(),
  };
}

async function platformaticSender(a: ChildArgs): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const producer = new PlatformaticProducer({
    clientId: 'bench',
    bootstrapBrokers: [...a.brokers],
    acks: a.acks,
    compression: a.compression,
  });
  return {
    send: async (values) => {
      await producer.send({ messages: values.map((value) => ({ topic: a.topic, value, partition: 0 })) });
    },
    close: () => producer.close(),
  };
}

async function droverSender(a: ChildArgs): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const producer = await connectKafkaProducer({
    brokers: a.brokers,
    acks: a.acks,
    compression: a.compression,
    clientId: 'bench',
  });
  return {
    send: (values) =>
      producer.send(
        a.topic,
        values.map((value) => ({ value })),
      ),
    close: () => producer.close(),
  };
}

async function droverBatchSender(a: ChildArgs): Promise<{ send: SendBatch; close: () => Promise<void> }> {
  const producer = startBatchProducer({ brokers: a.brokers, acks: a.acks, compression: a.compression });
  // Packed as kafka_output packs them: from strings, into one buffer per batch.
  const pack = (values: readonly Buffer[]): PackedMessages => {
    const batch = new MessageBatch({ messages: values.length, bytes: values.length * 512 });
    for (const v of values) batch.add(null, v.toString('utf8'));
    return batch.pack();
  };
  return { send: (values) => producer.send(a.topic, pack(values)), close: () => producer.close() };
}

const senders: Record<
  ClientName,
  (a: ChildArgs) => Promise<{ send: SendBatch; close: () => Promise<void> }>
> = {
  kafkajs: kafkajsSender,
  platformatic: platformaticSender,
  drover: droverSender,
  'drover-batch': droverBatchSender,
};

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
  const lines = readFileSync(a.payloadFile, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => Buffer.from(l));
  const batches = (n: number) =>
    Array.from({ length: Math.ceil(n / a.batch) }, (_, b) =>
      Array.from({ length: a.batch }, (_, i) => lines[(b * a.batch + i) % lines.length] as Buffer),
    );
  const { send, close } = await senders[a.client](a);
  const run = async (list: readonly (readonly Buffer[])[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: a.inFlight }, async () => {
        while (next < list.length) await send(list[next++] as Buffer[]);
      }),
    );
  };
  try {
    await run(batches(a.warmup));
    const measured = batches(a.records);
    const records = measured.length * a.batch;
    const cpu = cpuMicros();
    const start = performance.now();
    await run(measured);
    const ms = performance.now() - start;
    const used = cpuMicros() - cpu;
    const result: ChildResult = {
      records,
      ms,
      cpuMicros: used,
      rate: records / (ms / 1000),
      cpuPerRecord: used / records,
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await close();
  }
}

await main();
