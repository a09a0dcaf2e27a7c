/**
 * Kafka for tests: unique topic names, topics created through libs/kafka-resources, and a reader
 * that collects what reached them (keys and values). No dependency on the pipeline, so library
 * tests can use it too.
 */
import {
  connectKafkaAdmin,
  connectKafkaConsumer,
  ensureTopics,
  type KafkaConnection,
} from '@drover/kafka-resources';
import { Admin } from '@platformatic/kafka';
import { eventually } from './eventually.js';

/** Plaintext brokers, or a whole connection (TLS, SASL). */
export type KafkaTarget = readonly string[] | KafkaConnection;

function connectionOf(target: KafkaTarget): KafkaConnection {
  return 'brokers' in target ? target : { brokers: target };
}

/** A suffix that makes topic names and consumer groups unique to this run. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Topics createTopics made in this process, by bootstrap broker list: what deleteCreatedTopics removes. */
const created = new Map<string, Set<string>>();

/**
 * Creates `names` (or accepts them as they are); throws if one could not be. The names are
 * remembered for deleteCreatedTopics.
 */
export async function createTopics(
  brokers: readonly string[],
  names: readonly string[],
  partitions = 1,
  config?: Readonly<Record<string, string>>,
): Promise<void> {
  const admin = await connectKafkaAdmin({ brokers });
  try {
    const reports = await ensureTopics(
      admin,
      names.map((name) => ({
        cluster: 'kafka_front',
        name,
        partitions,
        replicationFactor: 1,
        ...(config === undefined ? {} : { config }),
      })),
    );
    const key = brokers.join(',');
    const made = created.get(key) ?? new Set<string>();
    for (const r of reports) if (r.state === 'created') made.add(r.spec.name);
    created.set(key, made);
    const failed = reports.filter((r) => r.state !== 'created' && r.state !== 'present');
    if (failed.length > 0)
      throw new Error(failed.map((r) => `topic ${r.spec.name}: ${r.state} ${r.error ?? ''}`).join('; '));
  } finally {
    await admin.close();
  }
}

/**
 * Deletes the topics createTopics made on `brokers` in this process and forgets them; returns
 * how many. A benchmark writes gigabytes into its topics (the syslog run ~1.3 GB, the receiver's
 * ~2.6 GB) and a dev broker keeps them until its disk is full: acquireServices' `release` calls
 * this. Throws (naming the topics) when the broker refuses.
 */
export async function deleteCreatedTopics(brokers: readonly string[]): Promise<number> {
  const key = brokers.join(',');
  const names = [...(created.get(key) ?? [])];
  if (names.length === 0) return 0;
  const admin = new Admin({ clientId: `test-cleanup-${uniqueSuffix()}`, bootstrapBrokers: [...brokers] });
  try {
    await admin.deleteTopics({ topics: names });
  } catch (err) {
    throw new Error(`deleting topics ${names.join(', ')}: ${(err as Error).message}`, { cause: err });
  } finally {
    await admin.close();
  }
  created.delete(key);
  return names.length;
}

export interface ReadMessage {
  readonly key: string | null;
  readonly value: string;
}

export interface TopicReader {
  /** Message values by topic, in the order read (per partition). */
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** The messages of `topic`, keys included, in the order read (per partition). */
  messages(topic: string): ReadMessage[];
  /** How many messages of `topic` were read so far. */
  count(topic: string): number;
  /** The messages of `topic` as JSON objects. */
  json(topic: string): Record<string, unknown>[];
  close(): Promise<void>;
}

/** Reads `topics` from their beginning, in a consumer group of its own, until closed. */
export async function readTopics(target: KafkaTarget, topics: readonly string[]): Promise<TopicReader> {
  const values = new Map<string, string[]>(topics.map((t) => [t, []]));
  const keys = new Map<string, (string | null)[]>(topics.map((t) => [t, []]));
  const consumer = await connectKafkaConsumer({
    ...connectionOf(target),
    groupId: `test-reader-${uniqueSuffix()}`,
    topics,
    fromBeginning: true,
    onMessage: async (m) => {
      values.get(m.topic)?.push(m.value?.toString('utf8') ?? '');
      keys.get(m.topic)?.push(m.key?.toString('utf8') ?? null);
    },
  });
  return {
    values,
    messages: (topic) => {
      const k = keys.get(topic) ?? [];
      return (values.get(topic) ?? []).map((value, i) => ({ key: k[i] ?? null, value }));
    },
    count: (topic) => values.get(topic)?.length ?? 0,
    json: (topic) => (values.get(topic) ?? []).map((v) => JSON.parse(v) as Record<string, unknown>),
    close: () => consumer.close(),
  };
}

/** Counts what reached a topic without reading it: TopicCounter. */
export interface TopicCounter {
  /** Messages in `topic` now: the sum of its partitions' end offsets (a topic created empty, never compacted or truncated). */
  count(topic: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Counts messages from the topics' end offsets (one ListOffsets request per call, through
 * @platformatic/kafka's Admin): nothing is fetched or decoded. A benchmark polls it to know that
 * all it sent arrived without loading the machine it measures: a TopicReader decodes and keeps
 * every value as a string, and for 600,000 documents of 1.3 KB per topic that is CPU and
 * gigabytes of heap taken from the processes under test.
 */
export async function countTopics(brokers: readonly string[], partitions = 1): Promise<TopicCounter> {
  const admin = new Admin({ clientId: `test-counter-${uniqueSuffix()}`, bootstrapBrokers: [...brokers] });
  const indexes = Array.from({ length: partitions }, (_, i) => i);
  return {
    count: async (topic) => {
      const [listed] = await admin.listOffsets({
        topics: [{ name: topic, partitions: indexes.map((i) => ({ partitionIndex: i, timestamp: -1n })) }],
      });
      let sum = 0;
      for (const p of listed?.partitions ?? []) sum += Number(p.offset);
      return sum;
    },
    close: () => admin.close(),
  };
}

/** Reads `topic` from its beginning until `count` messages arrived (30 s at most); returns what was read. */
export async function readMessages(
  brokers: readonly string[],
  topic: string,
  count: number,
): Promise<ReadMessage[]> {
  const reader = await readTopics(brokers, [topic]);
  try {
    await eventually(() => reader.count(topic) >= count, 30_000, `${count} messages in ${topic}`);
    return reader.messages(topic);
  } finally {
    await reader.close();
  }
}
