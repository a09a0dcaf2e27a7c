import type { KafkaConnection } from './connection.js';
import type { ObservedTopic, TopicSpec } from './types.js';

/** A topic to describe, with the config keys whose values the caller wants to compare. */
export interface TopicQuery {
  readonly name: string;
  readonly configKeys?: readonly string[];
}

/** `'missing'` when the cluster has no topic of that name. */
export type TopicDescription = ObservedTopic | 'missing';

/**
 * The few admin operations Drover needs, behind our own interface so that the Kafka client library
 * (kafkajs today, thinly maintained) can be swapped without touching callers. Failures are
 * `KafkaResourceError`s.
 */
export interface KafkaAdmin {
  /** One entry per queried name. */
  describeTopics(queries: readonly TopicQuery[]): Promise<Map<string, TopicDescription>>;
  /**
   * Creates one topic with its partitions, replication factor and config, and returns once the
   * controller accepted it (its leaders may come a moment later: ensureTopics waits for them).
   * Throws `TOPIC_ALREADY_EXISTS` when someone else created it first.
   */
  createTopic(spec: TopicSpec): Promise<void>;
  close(): Promise<void>;
}

/** The subset of pino's logger this package writes to: `(obj, msg)` at four levels. */
export interface ResourceLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The cluster (brokers, TLS, SASL) and how to administer it. */
export interface KafkaAdminOptions extends KafkaConnection {
  readonly clientId?: string;
  /** Bound on reaching the cluster at connect time, retries included. Default 10 s. */
  readonly connectionTimeoutMs?: number;
  /** Bound on one admin request. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Broker-side bound on a topic creation, leader election included. Default 30 s. */
  readonly createTimeoutMs?: number;
  /** Receives the client library's logs; without it they are dropped (never written to the console). */
  readonly logger?: ResourceLogger;
}

/**
 * Connects an admin client (kafkajs-admin.ts: errors, timeouts and what a refusal says). kafkajs is
 * loaded on the first call, not with this package: a pipeline, which produces and consumes but
 * never administers topics, does not carry it (1.5 MB of its heap, measured with
 * `node --expose-gc` around the import).
 */
export async function connectKafkaAdmin(options: KafkaAdminOptions): Promise<KafkaAdmin> {
  const kafkajsAdmin = await import('./kafkajs-admin.js');
  return kafkajsAdmin.connectKafkaAdmin(options);
}
