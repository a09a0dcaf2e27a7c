/**
 * A Kafka consumer behind our own interface (the client library stays inside libs/), with manual
 * commits: the caller says which offset of a partition is safe to commit (everything before it is
 * confirmed), and may seek back to replay from a failed offset. Runs on @platformatic/kafka
 * (classic consumer group; it heartbeats on its own, so a caller that holds a message for long
 * keeps its membership).
 *
 * Messages reach `onMessage` one at a time, in order per partition, each awaited: the client holds
 * at most `highWaterMark` messages plus one fetch (`maxBytesPerFetch`) ahead (back-pressure). `seek` rewinds one
 * partition: messages of that partition already fetched past the seek are dropped until the
 * rewound offset arrives. A stream that fails (a broker outage) is replaced after a pause, resuming
 * each partition after the last message handed to `onMessage` (the group's committed offset for
 * the others).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { ResourceLogger } from './admin.js';
import { connectionLabel, type KafkaConnection } from './connection.js';
import { describeKafkaError } from './connection-errors.js';
import { assertContact } from './first-contact.js';
import { baseOptions, connectionFailure, requestFailure } from './platformatic-client.js';

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  /** Kept for callers written for clients that heartbeat on demand: the group membership is kept alive in the background. */
  heartbeat(): Promise<void>;
}

/** The cluster (brokers, TLS, SASL) and what to consume from it. */
export interface KafkaConsumerOptions extends KafkaConnection {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. */
  readonly fromBeginning: boolean;
  readonly clientId?: string;
  readonly logger?: ResourceLogger;
  /** Messages the client holds ahead of `onMessage` (default 1,024). */
  readonly highWaterMark?: number;
  /**
   * Bytes one fetch asks for, over all partitions and per partition (default 1 MiB; the broker
   * still sends a first record batch larger than that whole). The client turns a whole fetch into
   * messages at once, past `highWaterMark`: its default (50 MiB, ~130,000 log lines) ran a
   * 96 MB heap out of memory on a backlog.
   */
  readonly maxBytesPerFetch?: number;
  /** Called for each message, in order per partition; awaited (back-pressure). */
  onMessage(message: ConsumedMessage): Promise<void>;
}

export interface KafkaConsumer {
  /** Commits `offset` (the next offset to read) for a partition. */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** Replays a partition from `offset`. */
  seek(topic: string, partition: number, offset: string): void;
  close(): Promise<void>;
}

/** Messages of a rewound partition dropped while waiting for the rewound offset, before concluding it is gone (retention). */
const MAX_DROPPED_WHILE_SEEKING = 100_000;
const RESTART_DELAY_MS = 1_000;

const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;
const noHeartbeat = () => Promise.resolve();

interface Seek {
  readonly offset: bigint;
  dropped: number;
}

export async function connectKafkaConsumer(options: KafkaConsumerOptions): Promise<KafkaConsumer> {
  const log = options.logger;
  // Said at once: a refused login or certificate, and a cluster that does not answer (joining
  // the group nests the client's retries: it would take minutes to give up).
  await assertContact(options, { unreachable: 'throw' });
  const consumer = new Consumer({
    ...baseOptions({
      connection: options,
      clientId: options.clientId ?? 'drover-pipeline',
      connectTimeoutMs: 3_000,
      requestTimeoutMs: 30_000,
      retries: 10,
      retryDelayMs: 500,
    }),
    groupId: options.groupId,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  /** Partition -> the offset after the last message handed to onMessage. */
  const positions = new Map<string, bigint>();
  const seeks = new Map<string, Seek>();
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let closed = false;

  const open = async (): Promise<MessagesStream<Buffer, Buffer, Buffer, Buffer>> => {
    const resume = [...positions].map(([key, offset]) => {
      const at = key.lastIndexOf(':');
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset };
    });
    for (const s of seeks.values()) s.dropped = 0;
    return consumer.consume({
      topics: [...options.topics],
      autocommit: false,
      ...(resume.length > 0 ? { mode: 'manual' as const, offsets: resume } : { mode: 'committed' as const }),
      fallbackMode: options.fromBeginning ? 'earliest' : 'latest',
      highWaterMark: options.highWaterMark ?? 1024,
      maxBytes: options.maxBytesPerFetch ?? 1024 * 1024,
      maxBytesPerPartition: options.maxBytesPerFetch ?? 1024 * 1024,
      // Answer as soon as there is something: a quiet topic costs nothing, a busy one fills the fetch.
      maxWaitTime: 500,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
  };

  /** Whether a message goes to onMessage: not while its partition waits for a rewound offset. */
  const admit = (s: MessagesStream<Buffer, Buffer, Buffer, Buffer>, m: Message): boolean => {
    const key = partitionKey(m.topic, m.partition);
    const seek = seeks.get(key);
    if (seek === undefined) return true;
    if (m.offset === seek.offset) {
      seeks.delete(key);
      return true;
    }
    if (m.offset < seek.offset) return false; // the head of the batch holding the rewound offset
    // Fetched before the seek took hold: drop it, and say again where to read.
    s.offsetsToFetch.set(key, seek.offset);
    if (++seek.dropped <= MAX_DROPPED_WHILE_SEEKING) return false;
    log?.error(
      { topic: m.topic, partition: m.partition, wanted: String(seek.offset), resumed: String(m.offset) },
      'kafka consumer: the rewound offset is no longer on the broker (retention?); resuming after it',
    );
    seeks.delete(key);
    return true;
  };

  const consume = async (s: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> => {
    for await (const m of s as AsyncIterable<Message>) {
      if (closed) return;
      if (!admit(s, m)) continue;
      positions.set(partitionKey(m.topic, m.partition), m.offset + 1n);
      await options.onMessage({
        topic: m.topic,
        partition: m.partition,
        offset: String(m.offset),
        key: m.key ?? null,
        value: m.value ?? null,
        timestamp: String(m.timestamp),
        heartbeat: noHeartbeat,
      });
    }
  };

  /** Reads until closed; a failed stream is logged and replaced. */
  const run = async (first: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> => {
    let s: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined = first;
    while (!closed) {
      try {
        s ??= await open();
        stream = s;
        await consume(s);
        if (closed) return;
        throw new Error('the message stream ended');
      } catch (err) {
        if (closed) return;
        log?.warn(
          { groupId: options.groupId, cluster: connectionLabel(options), err: describeKafkaError(err) },
          'kafka consumer: reading failed; starting again',
        );
        await s?.close().catch(() => {});
        s = undefined;
        stream = undefined;
        await sleep(RESTART_DELAY_MS);
      }
    }
  };

  let first: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  try {
    first = await open();
  } catch (err) {
    await consumer.close(true).catch(() => {});
    throw connectionFailure(options, err, 'cannot consume from');
  }
  const running = run(first);

  return {
    commit: async (topic, partition, offset) => {
      try {
        await consumer.commit({ offsets: [{ topic, partition, offset: BigInt(offset), leaderEpoch: -1 }] });
      } catch (err) {
        throw requestFailure(
          options,
          err,
          `cannot commit offset ${offset} of ${topic}[${partition}] for group ${options.groupId}`,
          topic,
        );
      }
    },
    seek: (topic, partition, offset) => {
      const key = partitionKey(topic, partition);
      const at = BigInt(offset);
      seeks.set(key, { offset: at, dropped: 0 });
      positions.set(key, at);
      stream?.offsetsToFetch.set(key, at);
    },
    close: async () => {
      closed = true;
      await stream?.close().catch(() => {});
      await running;
      await consumer.close(true);
    },
  };
}
