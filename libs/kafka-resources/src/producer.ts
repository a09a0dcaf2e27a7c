/**
 * A Kafka producer behind our own interface (the client library stays inside libs/): send a batch
 * of messages to one topic and learn when the broker acknowledged them (`acks`: 0, 1 or -1 = all).
 * A broker outage makes `send` reject after the retries; callers fail the events and send again
 * later.
 *
 * @platformatic/kafka (maintained, pure JavaScript) does everything but the records: connections,
 * TLS, SASL, API versions, metadata, retries, the idempotent producer's id. The records are ours
 * (record-batch.ts): a packed batch becomes one record batch buffer per partition, encoded once and
 * resent as is on a retry (so an idempotent producer's sequence numbers hold), instead of the
 * client's objects per record (README "Benchmarks": the receiver's CPU per event). The request
 * around them is Produce v3 to v11, whichever the broker and the client share (the client's own
 * parser reads the answer, errors and all).
 *
 * Partitions, as Kafka's Java client chooses them: a keyed message goes to
 * `toPositive(murmur2(key)) % partitions` (the same partition kafkajs's DefaultPartitioner and the
 * Java client pick, so a key keeps its partition across clients); the unkeyed messages of one
 * `send` go together to one partition, the next `send` to the next (sticky, KIP-480), so they
 * form one record batch. A record batch holds at most `maxBatchBytes` of records (the broker
 * refuses a batch over its `message.max.bytes`, 1 MiB by default): a larger send becomes several,
 * sent one after the other to the same partition.
 */
import {
  type ClusterMetadata,
  type Connection,
  compressionsAlgorithms,
  createAPI,
  findErrorBy,
  kGetApi,
  kGetConnection,
  kMetadata,
  kPerformWithRetry,
  murmur2,
  NetworkError,
  Producer,
  produceV3,
  produceV4,
  produceV5,
  produceV6,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  Writer,
} from '@platformatic/kafka';
import type { ResourceLogger } from './admin.js';
import { BufferPool } from './buffer-pool.js';
import type { KafkaConnection } from './connection.js';
import { KafkaResourceError } from './errors.js';
import { assertContact } from './first-contact.js';
import { MessageBatch, type PackedMessages, packedProblem } from './message-batch.js';
import { baseOptions, connectionFailure, requestFailure } from './platformatic-client.js';
import { encodeRecords, frameRecordBatch, type RecordBatchHeader } from './record-batch.js';

/** Codecs of Kafka's record batches (all in pure JavaScript or Node's zlib: no native addon). */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Records per record batch, at most, in bytes before compression (under the broker's default 1 MiB `message.max.bytes`). */
export const MAX_BATCH_BYTES = 1_000_000;
/** Retries of a batch the broker answered as stale (not the leader, unknown partition), and their spacing (ms). */
const STALE_RETRIES = 5;
const STALE_RETRY_MS = 200;

/** The cluster (brokers, TLS, SASL) and how to produce to it. */
export interface KafkaProducerOptions extends KafkaConnection {
  readonly clientId?: string;
  /** 0 (no ack), 1 (leader) or -1 (all in-sync replicas). */
  readonly acks: 0 | 1 | -1;
  /** Record batch compression (default none). */
  readonly compression?: Compression;
  /**
   * Idempotent producer (KIP-98): the broker drops a batch it already has, so a retry after a
   * lost answer writes nothing twice. Needs acks -1 (all), as in the Java client.
   */
  readonly idempotent?: boolean;
  /** Bound on one produce request's answer, ms (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Bytes of records per record batch, at most (default MAX_BATCH_BYTES). */
  readonly maxBatchBytes?: number;
  readonly logger?: ResourceLogger;
}

export interface ProducerMessage {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer;
}

export interface KafkaProducer {
  /** Resolves once the broker acknowledged every message (per `acks`); rejects (KafkaResourceError) if it could not. */
  send(topic: string, messages: readonly ProducerMessage[]): Promise<void>;
  /** The same for a packed batch (MessageBatch), encoded from its bytes without a copy per message. */
  sendPacked(topic: string, batch: PackedMessages): Promise<void>;
  close(): Promise<void>;
}

/** The Produce versions whose request we write (all share one layout; 9 and up are "flexible"). */
const PRODUCE_PARSERS = new Map([
  [3, produceV3.parseResponse],
  [4, produceV4.parseResponse],
  [5, produceV5.parseResponse],
  [6, produceV6.parseResponse],
  [7, produceV7.parseResponse],
  [8, produceV8.parseResponse],
  [9, produceV9.parseResponse],
  [10, produceV10.parseResponse],
  [11, produceV11.parseResponse],
]);

/**
 * Produce Request v3-v11 for one partition of one topic (Kafka protocol guide, "Produce API"):
 * transactional_id (null) acks timeout_ms [name [index records]], compact and with tagged fields
 * from v9.
 */
function produceRequest(flexible: boolean) {
  return (acks: number, timeoutMs: number, topic: string, partition: number, batch: Buffer): Writer => {
    const w = Writer.create().appendString(null, flexible).appendInt16(acks).appendInt32(timeoutMs);
    w.appendArray(
      [topic],
      (w: Writer, name: string) => {
        w.appendString(name, flexible).appendArray(
          [partition],
          (w: Writer, index: number) => {
            w.appendInt32(index);
            if (flexible) w.appendUnsignedVarInt(batch.length + 1);
            else w.appendInt32(batch.length);
            w.append(batch);
          },
          flexible,
          flexible,
        );
      },
      flexible,
      flexible,
    );
    if (flexible) w.appendTaggedFields();
    if (acks === 0) w.context.noResponse = true;
    return w;
  };
}

type ProduceApi = (
  connection: Connection,
  acks: number,
  timeoutMs: number,
  topic: string,
  partition: number,
  batch: Buffer,
  callback: (error: Error | null, response: unknown) => void,
) => void;

const produceApis = new Map<number, ProduceApi>();

/** Our Produce request at `version`, with the client's parser for its answer. */
function produceApi(version: number): ProduceApi | undefined {
  let api = produceApis.get(version);
  const parse = PRODUCE_PARSERS.get(version);
  if (api === undefined && parse !== undefined) {
    api = createAPI(
      0,
      version,
      produceRequest(version >= 9),
      parse,
      version >= 9,
      version >= 9,
    ) as unknown as ProduceApi;
    produceApis.set(version, api);
  }
  return api;
}

/** Java's partitioner for a keyed message: `Utils.toPositive(Utils.murmur2(key))`. */
function keyPartition(key: Buffer): number {
  return murmur2(key) & 0x7fffffff;
}

export async function connectKafkaProducer(options: KafkaProducerOptions): Promise<KafkaProducer> {
  if (options.idempotent === true && options.acks !== -1) {
    throw new KafkaResourceError(
      'KAFKA_REQUEST_FAILED',
      `an idempotent producer needs acks all (-1), not ${options.acks}`,
      { cluster: options.cluster },
    );
  }
  // A refused login or certificate is said at once (the client's retries would hide it).
  await assertContact(options, { unreachable: 'ignore' });
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const client = new Producer({
    ...baseOptions({
      connection: options,
      clientId: options.clientId ?? 'drover-pipeline',
      connectTimeoutMs: 3_000,
      requestTimeoutMs,
      retries: 5,
      retryDelayMs: 200,
    }),
    acks: options.acks,
    idempotent: options.idempotent ?? false,
  });
  let api: ProduceApi;
  let identity: { producerId: bigint; producerEpoch: number } | undefined;
  try {
    // Connected, the cluster's brokers and API versions known, before the first batch.
    await client.metadata({ topics: [] });
    const theirs = await new Promise<{ version: number }>((resolve, reject) =>
      client[kGetApi]('Produce', (err, found) => (err ? reject(err) : resolve(found as { version: number }))),
    );
    const ours = produceApi(Math.min(theirs.version, 11));
    if (ours === undefined)
      throw new Error(`the broker offers Produce v${theirs.version}; Drover writes v3 to v11`);
    api = ours;
    if (options.idempotent === true) identity = await client.initIdempotentProducer({});
  } catch (err) {
    // The connection failure is what the caller needs; a close that fails too adds nothing to it.
    await client.close().catch(() => {});
    throw connectionFailure(options, err, 'cannot produce to');
  }
  const codec = compressionsAlgorithms[options.compression ?? 'none'];
  /** The record batches' buffers, used again once acknowledged (BufferPool). */
  const rooms = new BufferPool();
  const maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
  /** Idempotent producer: the next sequence number per `topic:partition`. */
  const sequences = new Map<string, number>();
  let sticky = 0;

  const metadata = (topic: string, forceUpdate: boolean) =>
    new Promise<ClusterMetadata>((resolve, reject) =>
      client[kMetadata]({ topics: [topic], forceUpdate }, (err, md) =>
        err ? reject(err) : resolve(md as ClusterMetadata),
      ),
    );

  /**
   * One record batch to its partition's leader, retried as the client retries. A stale answer (not
   * the leader, unknown partition: a topic just created, a leader just moved) is retried apart, up
   * to STALE_RETRIES times STALE_RETRY_MS apart, each time on fresh metadata: a broker that has
   * just been told it leads may still refuse for a moment (Java's producer retries these too, every
   * `retry.backoff.ms`).
   */
  const produce = (topic: string, partition: number, batch: Buffer, stale = 0): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let refresh = false;
      client[kPerformWithRetry]<unknown>(
        'produce',
        (retry) => {
          client[kMetadata]({ topics: [topic], forceUpdate: refresh }, (err, md) => {
            if (err) {
              refresh = NetworkError.isRetryable(err);
              retry(err);
              return;
            }
            const cluster = md as ClusterMetadata;
            const leader = cluster.topics.get(topic)?.partitions[partition]?.leader;
            const broker = leader === undefined ? undefined : cluster.brokers.get(leader);
            if (broker === undefined) {
              refresh = true;
              retry(new NetworkError(`no leader known for ${topic}[${partition}]`));
              return;
            }
            client[kGetConnection](broker, (err, connection) => {
              if (err) {
                refresh = NetworkError.isRetryable(err);
                retry(err);
                return;
              }
              api(
                connection as Connection,
                options.acks,
                requestTimeoutMs,
                topic,
                partition,
                batch,
                (err, response) => {
                  refresh = err !== null && NetworkError.isRetryable(err);
                  retry(err, response);
                },
              );
            });
          });
        },
        (err) => {
          if (!err) resolve();
          else if (stale < STALE_RETRIES && findErrorBy(err, 'hasStaleMetadata', true)) {
            client.clearMetadata();
            setTimeout(
              () => produce(topic, partition, batch, stale + 1).then(resolve, reject),
              STALE_RETRY_MS,
            );
          } else reject(err);
        },
        0,
        [],
        (err) => findErrorBy(err, 'hasStaleMetadata', true) !== null,
      );
    });

  /** Bytes of message `i`'s key and value. */
  const messageBytes = (packed: PackedMessages, i: number): number => {
    const { index } = packed;
    const at = i * 4;
    const key = index[at] as number;
    return (
      (index[at + 3] as number) - (index[at + 2] as number) + (key < 0 ? 0 : (index[at + 1] as number) - key)
    );
  };

  /**
   * Idempotent producer: one batch in flight per partition, its sequence numbers taken when its
   * turn comes, so batches reach the broker in sequence order even across retries and async
   * compression (Java's max.in.flight.requests.per.connection 1).
   */
  const turns = new Map<string, Promise<void>>();
  let resequencing: Promise<unknown> = Promise.resolve();
  const resequence = () => {
    if (identity === undefined) return;
    const stale = identity;
    resequencing = client.initIdempotentProducer({}).then(
      (fresh) => {
        if (identity === stale) {
          identity = fresh;
          sequences.clear();
        }
      },
      () => {}, // the next batch fails with the old id and tries again
    );
  };
  const inTurn = (key: string, send: () => Promise<void>): Promise<void> => {
    // Only the order matters here: the batch before failed to its own caller, who was told.
    const mine = (turns.get(key) ?? Promise.resolve()).catch(() => {}).then(send);
    turns.set(key, mine);
    // `mine`'s rejection reaches its caller (returned below); this branch only tidies the map.
    void mine
      .finally(() => {
        if (turns.get(key) === mine) turns.delete(key);
      })
      .catch(() => {});
    return mine;
  };

  /** Messages (all, or those listed) of one partition: record batches of at most maxBatchBytes, one after the other. */
  const sendPartition = async (
    topic: string,
    partition: number,
    packed: PackedMessages,
    only: number[] | undefined,
  ): Promise<void> => {
    const count = only?.length ?? packed.count;
    const message = (i: number) => (only === undefined ? i : (only[i] as number));
    const key = `${topic}:${partition}`;
    let from = 0;
    while (from < count) {
      let to = from + 1;
      let bytes = messageBytes(packed, message(from));
      while (to < count && bytes + messageBytes(packed, message(to)) <= maxBatchBytes) {
        bytes += messageBytes(packed, message(to));
        to++;
      }
      const {
        records,
        count: n,
        room,
      } = only === undefined
        ? encodeRecords(packed, { from, to }, rooms)
        : encodeRecords(packed, { only: only.slice(from, to) }, rooms);
      const compressed = codec.bitmask === 0 ? undefined : await compress(records);
      const frame = (header: RecordBatchHeader) =>
        compressed === undefined
          ? frameRecordBatch(records, n, 0, header, room)
          : frameRecordBatch(compressed, n, codec.bitmask, header);
      if (identity === undefined) {
        await produce(topic, partition, frame({ timestamp: Date.now() }));
      } else {
        await inTurn(key, async () => {
          await resequencing;
          const id = identity as NonNullable<typeof identity>;
          const baseSequence = sequences.get(key) ?? 0;
          // Kafka's sequence numbers wrap at Int32.MAX_VALUE.
          sequences.set(key, (baseSequence + n) % 2 ** 31);
          try {
            await produce(topic, partition, frame({ timestamp: Date.now(), ...id, baseSequence }));
          } catch (err) {
            // Whether the broker kept the batch is unknown: its sequence numbers cannot be
            // trusted any more. Start over as a new producer (new id, sequences from 0).
            resequence();
            throw err;
          }
        });
      }
      // Acknowledged: the request was written long ago (on a failure, a queued one may still read it).
      rooms.give(room.buffer as ArrayBuffer);
      from = to;
    }
  };

  const compress = async (records: Buffer): Promise<Buffer> => {
    const c = codec as { compress?: (b: Buffer) => Promise<Buffer>; compressSync: (b: Buffer) => Buffer };
    return c.compress === undefined ? c.compressSync(records) : c.compress(records);
  };

  const sendPacked = async (topic: string, packed: PackedMessages): Promise<void> => {
    const problem = packedProblem(packed);
    if (problem !== undefined)
      throw new KafkaResourceError('KAFKA_REQUEST_FAILED', `batch for ${topic}: ${problem}`, {
        topic,
        cluster: options.cluster,
      });
    if (packed.count === 0) return;
    try {
      const partitions = (await metadata(topic, false)).topics.get(topic)?.partitionsCount;
      if (partitions === undefined || partitions === 0) throw new Error(`no partitions known for ${topic}`);
      const unkeyed = (sticky++ & 0x7fffffff) % partitions;
      let keyed = false;
      for (let i = 0; i < packed.count && !keyed; i++) keyed = packed.index[i * 4]! >= 0;
      if (!keyed) {
        await sendPartition(topic, unkeyed, packed, undefined);
        return;
      }
      const data = Buffer.from(packed.data);
      const groups = new Map<number, number[]>();
      for (let i = 0; i < packed.count; i++) {
        const k = packed.index[i * 4]!;
        const p = k < 0 ? unkeyed : keyPartition(data.subarray(k, packed.index[i * 4 + 1])) % partitions;
        const group = groups.get(p);
        if (group === undefined) groups.set(p, [i]);
        else group.push(i);
      }
      await Promise.all([...groups].map(([p, only]) => sendPartition(topic, p, packed, only)));
    } catch (err) {
      if (err instanceof KafkaResourceError) throw err;
      throw requestFailure(options, err, `cannot send ${packed.count} messages to ${topic}`, topic);
    }
  };

  return {
    send: (topic, messages) => {
      const batch = new MessageBatch({ messages: messages.length });
      for (const m of messages) batch.add(m.key ?? null, m.value);
      return sendPacked(topic, batch.pack());
    },
    sendPacked,
    close: () => client.close(),
  };
}
