/**
 * `kafka_input`: events from Kafka topics in a consumer group. Each message is one tracked event
 * (its JSON object's keys, or its value in `raw_field`); a partition's offset is committed only up
 * to the last contiguously confirmed message, so a restart resumes at the first unconfirmed one.
 * A failed event rewinds its partition to it (the messages after it come again: at-least-once).
 * Reading waits while max_pending events are in flight.
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
  /** Offsets emitted and not yet confirmed, in the order read (ascending). */
  readonly open: number[] = [];
  lastRead = -1;
  committed = -1;
  epoch = 0;

  /** The next offset safe to commit: the first still open, else the one after the last read. */
  committable(): number {
    return this.open.length > 0 ? (this.open[0] as number) : this.lastRead + 1;
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
    await readyWithHeartbeats(ctx, message);
    if (this.#stopped) return;
    const key = `${message.topic}\u0000${message.partition}`;
    let p = this.#partitions.get(key);
    if (p === undefined) {
      p = new PartitionOffsets();
      this.#partitions.set(key, p);
    }
    const offset = Number(message.offset);
    const partition = p;
    const epoch = p.epoch;
    let fields: Fields;
    try {
      fields = this.#decode(message);
    } catch (err) {
      // Undecodable: nothing downstream can use it; skip it, loudly.
      ctx.logger.warn(
        { topic: message.topic, partition: message.partition, offset, err: (err as Error).message },
        'undecodable message skipped',
      );
      partition.lastRead = Math.max(partition.lastRead, offset);
      return;
    }
    partition.open.push(offset);
    partition.lastRead = Math.max(partition.lastRead, offset);
    ctx.emit(this.#stream, fields, (outcome) => {
      if (partition.epoch !== epoch) return; // rewound since: this message comes again
      if (outcome.ok) {
        const at = partition.open.indexOf(offset);
        if (at !== -1) partition.open.splice(at, 1);
        return;
      }
      ctx.logger.warn(
        { topic: message.topic, partition: message.partition, offset, reason: outcome.reason },
        'event failed: rewinding',
      );
      partition.epoch++;
      partition.open.length = 0;
      partition.lastRead = offset - 1;
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
