/**
 * `kafka_input`: events from Kafka topics in a consumer group. Each message is one tracked event
 * (its JSON object's keys, or its value in `raw_field`); a partition's offset is committed only up
 * to the last contiguously confirmed message, so a restart resumes at the first unconfirmed one.
 * A failed event is emitted again, from the message this input still holds, after a backoff
 * (0.1 s doubling to 5 s), and its offset stays uncommitted meanwhile: at-least-once, without
 * seeking the consumer (kafkajs can let a seek made while messages of the partition are in hand
 * go unheeded, which lost or stalled the rest of the partition). Reading waits while max_pending
 * events are in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaInputSettings } from '@drover/channel-model';
import {
  type ConsumedMessage,
  connectKafkaConsumer,
  type KafkaConnection,
  type KafkaConsumer,
} from '@drover/kafka-resources';
import { setLongInterval, setLongTimeout, type Timer } from '@drover/timers';
import type { Fields, InputContext, InputNode } from '../types.js';
import { ConfirmedPrefix, type Slot } from './confirmed-prefix.js';

const HEARTBEAT_EVERY_MS = 3_000;

/**
 * Waits for room under max_pending while holding the message: outputs may stay stuck for up to
 * `message_timeout`, longer than the group's session timeout, so the membership is kept alive
 * meanwhile instead of being rebalanced away (a heartbeat that fails is the group's business).
 */
async function readyWithHeartbeats(ctx: InputContext, message: ConsumedMessage): Promise<void> {
  let waiting = true;
  const ready = ctx.ready().then(() => {
    waiting = false;
  });
  while (waiting) {
    await Promise.race([ready, sleep(HEARTBEAT_EVERY_MS)]);
    if (waiting) await message.heartbeat().catch(() => {});
  }
}

/**
 * A partition's offsets as read (in order) and confirmed (in any order): the next offset safe to
 * commit is the lowest still open, else the one after the last read (ConfirmedPrefix, each
 * message a slot ending at its offset + 1; a failed message stays open until it is confirmed).
 */
class PartitionOffsets {
  readonly read: ConfirmedPrefix;
  committed = -1;

  constructor(first: number) {
    this.read = new ConfirmedPrefix(first);
  }

  committable(): number {
    return this.read.confirmed;
  }
}

const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 5_000;
/** While events keep failing (an output refusing), one warning this often, with the count since the last. */
const FAILURE_LOG_MS = 10_000;

export class KafkaInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: KafkaInputSettings;
  readonly #connection: KafkaConnection;
  readonly #groupId: string;
  readonly #stream: string;
  readonly #partitions = new Map<string, PartitionOffsets>();
  #consumer: KafkaConsumer | undefined;
  #commitTimer: Timer | undefined;
  /** Re-emissions waiting for their backoff. */
  readonly #timers = new Set<Timer>();
  #stopped = false;
  /** Failed events not yet reported, and when the last warning went out (epoch ms). */
  #unreportedFailures = 0;
  #lastFailureLog = 0;

  constructor(settings: KafkaInputSettings, connection: KafkaConnection, groupId: string, stream: string) {
    this.#settings = settings;
    this.#connection = connection;
    this.#groupId = groupId;
    this.#stream = stream;
  }

  get groupId(): string {
    return this.#groupId;
  }

  async start(ctx: InputContext): Promise<void> {
    const s = this.#settings;
    this.#consumer = await connectKafkaConsumer({
      ...this.#connection,
      groupId: this.#groupId,
      topics: s.topics ?? [s.topic as string],
      fromBeginning: s.start_offset_strategy !== 'latest',
      logger: {
        debug: () => {},
        info: () => {},
        warn: (o, m) => ctx.logger.warn(o, m),
        error: (o, m) => ctx.logger.error(o, m),
      },
      onMessage: (message) => this.#message(ctx, message),
    });
    this.#commitTimer = setLongInterval(() => void this.#commit(), Math.max(50, s.commit_interval_ms));
    ctx.logger.info({ group: this.#groupId, topics: s.topics ?? [s.topic] }, 'kafka_input consuming');
  }

  async #message(ctx: InputContext, message: ConsumedMessage): Promise<void> {
    if (this.#stopped) return;
    const key = `${message.topic}\u0000${message.partition}`;
    let p = this.#partitions.get(key);
    if (p === undefined) {
      p = new PartitionOffsets(Number(message.offset));
      this.#partitions.set(key, p);
    }
    const partition = p;
    if (ctx.inFlight >= ctx.maxPending) await readyWithHeartbeats(ctx, message);
    if (this.#stopped) return;
    const offset = Number(message.offset);
    let fields: Fields;
    try {
      fields = this.#decode(message);
    } catch (err) {
      // Undecodable: nothing downstream can use it; skip it, loudly.
      ctx.logger.warn(
        { topic: message.topic, partition: message.partition, offset, err: (err as Error).message },
        'undecodable message skipped',
      );
      partition.read.done(partition.read.add(offset + 1));
      return;
    }
    this.#emit(ctx, partition.read.add(offset + 1), partition, message, offset, fields, 0);
  }

  /** Emits one message's event; a failure emits it again after a backoff, until it is confirmed or the input stops. */
  #emit(
    ctx: InputContext,
    slot: Slot,
    partition: PartitionOffsets,
    message: ConsumedMessage,
    offset: number,
    fields: Fields,
    attempt: number,
  ): void {
    ctx.emit(this.#stream, fields, (outcome) => {
      if (outcome.ok) {
        partition.read.done(slot);
        return;
      }
      const delay = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** attempt);
      // Thousands in flight fail together when an output refuses: one line every FAILURE_LOG_MS,
      // naming the latest and counting the rest (the pipeline's `failed` counters have each).
      this.#unreportedFailures++;
      const now = Date.now();
      if (now - this.#lastFailureLog >= FAILURE_LOG_MS) {
        ctx.logger.warn(
          {
            topic: message.topic,
            partition: message.partition,
            offset,
            reason: outcome.reason,
            retry_in_ms: delay,
            failed: this.#unreportedFailures,
          },
          `event failed: emitting it again (failed: events failed since the last such line; the next within ${FAILURE_LOG_MS / 1000} s are only counted)`,
        );
        this.#lastFailureLog = now;
        this.#unreportedFailures = 0;
      }
      const timer = setLongTimeout(() => {
        this.#timers.delete(timer);
        // Stopped meanwhile: the offset stays uncommitted, so the event comes again after a restart.
        if (this.#stopped) return;
        this.#emit(ctx, slot, partition, message, offset, this.#decode(message), attempt + 1);
      }, delay);
      this.#timers.add(timer);
    });
  }

  #decode(message: ConsumedMessage): Fields {
    const text = message.value?.toString('utf8') ?? '';
    if (this.#settings.encoding === 'raw') return { [this.#settings.raw_field]: text };
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Fields;
  }

  async #commit(): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    for (const [key, p] of this.#partitions) {
      const next = p.committable();
      if (next <= p.committed) continue;
      const [topic = '', partition = '0'] = key.split('\u0000');
      try {
        await consumer.commit(topic, Number(partition), String(next));
        p.committed = next;
      } catch {
        // a rebalance or an outage: committed next time
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) timer.clear();
    this.#timers.clear();
    this.#commitTimer?.clear();
    await this.#commit();
    await this.#consumer?.close();
  }
}
