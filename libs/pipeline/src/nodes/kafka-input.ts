/**
 * `kafka_input`: events from Kafka topics in a consumer group. Each message is one tracked event
 * (its JSON object's keys, or its value in `raw_field`); a partition's offset is committed only up
 * to the first message not yet confirmed, so a restart resumes there.
 * A failed event rewinds its partition to it (the messages after it come again: at-least-once).
 * Outcomes come back in any order (an output's batches complete out of order, timeouts fail the
 * oldest first): a failure at or after the rewind point is read again anyway and needs nothing; one
 * before it rewinds further back. Events of an earlier pass still in flight hold the commit back
 * until they settle. Reading waits while max_pending events are in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaInputSettings } from '@drover/channel-model';
import { type ConsumedMessage, connectKafkaConsumer, type KafkaConsumer } from '@drover/kafka-resources';
import { setLongInterval, type Timer } from '@drover/timers';
import type { Fields, InputContext, InputNode } from '../types.js';

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

class PartitionOffsets {
  /** Offsets emitted and not settled, with how many times (one may be in flight from two passes). */
  readonly open = new Map<number, number>();
  /** The offset Kafka delivers next: after the last one read, or where a rewind sent it. */
  next: number;
  committed = -1;
  /** Counts rewinds: a message that waited for room across one is stale (Kafka re-reads from the rewind point). */
  epoch = 0;

  constructor(first: number) {
    this.next = first;
  }

  add(offset: number): void {
    this.open.set(offset, (this.open.get(offset) ?? 0) + 1);
  }

  settle(offset: number): void {
    const n = this.open.get(offset) ?? 0;
    if (n <= 1) this.open.delete(offset);
    else this.open.set(offset, n - 1);
  }

  /** The next offset safe to commit: the lowest still in flight, else the next to read. */
  committable(): number {
    let low = this.next;
    for (const offset of this.open.keys()) if (offset < low) low = offset;
    return low;
  }
}

export class KafkaInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: KafkaInputSettings;
  readonly #brokers: readonly string[];
  readonly #groupId: string;
  readonly #stream: string;
  readonly #partitions = new Map<string, PartitionOffsets>();
  #consumer: KafkaConsumer | undefined;
  #commitTimer: Timer | undefined;
  #stopped = false;

  constructor(settings: KafkaInputSettings, brokers: readonly string[], groupId: string, stream: string) {
    this.#settings = settings;
    this.#brokers = brokers;
    this.#groupId = groupId;
    this.#stream = stream;
  }

  get groupId(): string {
    return this.#groupId;
  }

  async start(ctx: InputContext): Promise<void> {
    const s = this.#settings;
    this.#consumer = await connectKafkaConsumer({
      brokers: this.#brokers,
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
    const offset = Number(message.offset);
    const key = `${message.topic}\u0000${message.partition}`;
    let p = this.#partitions.get(key);
    if (p === undefined) {
      p = new PartitionOffsets(offset);
      this.#partitions.set(key, p);
    }
    const partition = p;
    const epoch = p.epoch;
    await readyWithHeartbeats(ctx, message);
    if (this.#stopped) return;
    // Rewound while this message waited: Kafka drops the rest of its batch and reads again from
    // the rewind point, which is at or before this message.
    if (partition.epoch !== epoch) return;
    let fields: Fields;
    try {
      fields = this.#decode(message);
    } catch (err) {
      // Undecodable: nothing downstream can use it; skip it, loudly.
      ctx.logger.warn(
        { topic: message.topic, partition: message.partition, offset, err: (err as Error).message },
        'undecodable message skipped',
      );
      partition.next = offset + 1;
      return;
    }
    partition.add(offset);
    partition.next = offset + 1;
    ctx.emit(this.#stream, fields, (outcome) => {
      partition.settle(offset);
      if (outcome.ok) return;
      // At or after the next offset to read (a rewind since went to or before it): read again anyway.
      if (offset >= partition.next) return;
      ctx.logger.warn(
        { topic: message.topic, partition: message.partition, offset, reason: outcome.reason },
        'event failed: rewinding',
      );
      partition.epoch++;
      partition.next = offset;
      this.#consumer?.seek(message.topic, message.partition, String(offset));
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
    this.#commitTimer?.clear();
    await this.#commit();
    await this.#consumer?.close();
  }
}
