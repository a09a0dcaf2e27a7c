import { setLongTimeout, type Timer } from '@drover/timers';
import type { Admin, ConfigEntries, ITopicConfig, PartitionMetadata } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { KafkaAdmin, KafkaAdminOptions, TopicDescription, TopicQuery } from './admin.js';
import { connectionLabel, connectionOf, type KafkaConnection } from './connection.js';
import { describeKafkaError, diagnoseConnection } from './connection-errors.js';
import { KafkaResourceError } from './errors.js';
import { assertContact } from './first-contact.js';
import { kafkaClient } from './kafkajs-client.js';
import { createTopicError, requestError } from './kafkajs-errors.js';
import type { ObservedTopic, TopicSpec } from './types.js';

const { ConfigResourceTypes } = kafkajs;

function observedFrom(name: string, partitions: readonly PartitionMetadata[]): Omit<ObservedTopic, 'config'> {
  const replicas = partitions.map((p) => p.replicas.length);
  return {
    name,
    partitions: partitions.length,
    replicationFactor: replicas.length === 0 ? 0 : Math.min(...replicas),
    leaderlessPartitions: partitions
      .filter((p) => p.leader < 0)
      .map((p) => p.partitionId)
      .sort((a, b) => a - b),
  };
}

function configFrom(entries: readonly ConfigEntries[]): Record<string, string> {
  const config: Record<string, string> = {};
  // Sensitive values come back as null; leaving them out reads as "not set" rather than a wrong value.
  for (const entry of entries) {
    if (typeof entry.configValue === 'string') config[entry.configName] = entry.configValue;
  }
  return config;
}

async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setLongTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timer?.clear();
  }
}

class KafkajsAdmin implements KafkaAdmin {
  constructor(
    private readonly admin: Admin,
    private readonly connection: KafkaConnection,
    private readonly createTimeoutMs: number,
  ) {}

  async describeTopics(queries: readonly TopicQuery[]): Promise<Map<string, TopicDescription>> {
    const result = new Map<string, TopicDescription>();
    if (queries.length === 0) return result;
    const what = `cannot describe topics ${queries.map((q) => q.name).join(',')}`;
    try {
      // Listing first: asking metadata for a missing topic is an error (or, with some clients and
      // brokers, an auto-creation), and describing must never create anything.
      const existing = new Set(await this.admin.listTopics());
      const present = queries.filter((q) => existing.has(q.name));
      for (const q of queries) if (!existing.has(q.name)) result.set(q.name, 'missing');
      if (present.length === 0) return result;

      const { topics } = await this.admin.fetchTopicMetadata({ topics: present.map((q) => q.name) });
      const withConfig = present.filter((q) => (q.configKeys ?? []).length > 0);
      const configs = new Map<string, Record<string, string>>();
      if (withConfig.length > 0) {
        const described = await this.admin.describeConfigs({
          includeSynonyms: false,
          resources: withConfig.map((q) => ({
            type: ConfigResourceTypes.TOPIC,
            name: q.name,
            configNames: [...(q.configKeys ?? [])],
          })),
        });
        for (const resource of described.resources) {
          if (resource.errorCode !== 0) {
            throw new KafkaResourceError(
              'KAFKA_REQUEST_FAILED',
              `cannot describe the config of topic ${resource.resourceName}: error ${resource.errorCode} ${resource.errorMessage ?? ''}`.trim(),
              { topic: resource.resourceName, cluster: this.connection.cluster },
            );
          }
          configs.set(resource.resourceName, configFrom(resource.configEntries));
        }
      }

      for (const topic of topics) {
        const config = configs.get(topic.name);
        const observed = observedFrom(topic.name, topic.partitions);
        result.set(topic.name, config === undefined ? observed : { ...observed, config });
      }
      // A topic deleted between the listing and the metadata request.
      for (const q of present) if (!result.has(q.name)) result.set(q.name, 'missing');
      return result;
    } catch (err) {
      if (err instanceof KafkaResourceError) throw err;
      throw requestError(err, what, this.connection);
    }
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    const topic: ITopicConfig = {
      topic: spec.name,
      numPartitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
    };
    let created: boolean;
    try {
      // One topic per request: a batch fails or succeeds as a whole in kafkajs. No kafkajs leader
      // wait: it retries only LEADER_NOT_AVAILABLE, and on KRaft a topic just created can answer
      // UNKNOWN_TOPIC_OR_PARTITION for a moment (kafkajs#815/#1563), which failed a creation that
      // had worked. ensureTopics waits for the leaders itself, tolerating metadata errors until
      // its deadline.
      created = await this.admin.createTopics({
        topics: [topic],
        waitForLeaders: false,
        timeout: this.createTimeoutMs,
      });
    } catch (err) {
      throw createTopicError(err, spec.name, {
        replicationFactor: spec.replicationFactor,
        brokerCount: await this.brokerCount(),
        connection: this.connection,
      });
    }
    if (!created) {
      throw new KafkaResourceError(
        'TOPIC_ALREADY_EXISTS',
        `cannot create topic ${spec.name}: it already exists`,
        { topic: spec.name, cluster: this.connection.cluster },
      );
    }
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }

  private async brokerCount(): Promise<number | undefined> {
    try {
      return (await this.admin.describeCluster()).brokers.length;
    } catch {
      return undefined;
    }
  }
}

/**
 * Retries (100 ms doubling to 1 s) that fit in the connection bound, so that kafkajs gives up on its
 * own about when we stop waiting, instead of retrying in the background after we have rejected.
 */
function retriesWithin(ms: number): number {
  let retries = 0;
  for (let spent = 0, pause = 100; spent + pause <= ms; spent += pause, pause = Math.min(pause * 2, 1_000)) {
    retries += 1;
  }
  return Math.max(retries, 1);
}

/**
 * Connects a kafkajs admin client. Rejects with `KAFKA_UNREACHABLE` once `connectionTimeoutMs` has
 * passed without reaching any broker, rather than retrying for as long as kafkajs would; with
 * `KAFKA_AUTHENTICATION_FAILED` or `KAFKA_TLS_FAILED` when the cluster refused the login or a
 * certificate (the message names the cluster and the setting to look at).
 */
export async function connectKafkaAdmin(options: KafkaAdminOptions): Promise<KafkaAdmin> {
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 10_000;
  const connection = connectionOf(options);
  // A refused login or certificate is said at once (kafkajs retries a refused TLS handshake).
  await assertContact(connection, {
    unreachable: 'ignore',
    timeoutMs: Math.min(3_000, Math.max(1, Math.floor(connectionTimeoutMs / 2))),
  });
  const { kafka, lastError } = kafkaClient({
    connection,
    clientId: options.clientId ?? 'drover',
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    level: 'info',
    connectionTimeoutMs: Math.min(connectionTimeoutMs, 3_000),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: retriesWithin(connectionTimeoutMs) },
  });
  const admin = kafka.admin();
  const unreachable = (cause?: unknown): KafkaResourceError => {
    const reason = cause instanceof Error ? describeKafkaError(cause) : lastError();
    const problem = reason === undefined ? undefined : diagnoseConnection(connection, reason);
    if (problem !== undefined) {
      return new KafkaResourceError(
        problem.code,
        `${connectionLabel(connection)}: ${problem.reason} [${reason}]`,
        { cluster: connection.cluster, cause },
      );
    }
    return new KafkaResourceError(
      'KAFKA_UNREACHABLE',
      `cannot reach ${connectionLabel(connection)} within ${connectionTimeoutMs} ms` +
        (reason === undefined ? '' : ` (${reason})`),
      { cluster: connection.cluster, cause },
    );
  };
  try {
    // connect() only opens a seed connection; the metadata request proves the cluster answers.
    await withTimeout(
      admin.connect().then(() => admin.describeCluster()),
      connectionTimeoutMs,
      () => unreachable(),
    );
  } catch (err) {
    // kafkajs's disconnect can itself wait on the stuck connection attempt: bounded, best effort.
    await withTimeout(admin.disconnect(), 1_000, () => new Error('disconnect timed out')).catch(
      () => undefined,
    );
    throw err instanceof KafkaResourceError ? err : unreachable(err);
  }
  return new KafkajsAdmin(admin, connection, options.createTimeoutMs ?? 30_000);
}
