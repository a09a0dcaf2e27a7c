/**
 * Kafka topics as channel resources (`kafka_topic`): the ensurer the ResourceManager
 * (resources.ts) uses for them. Missing topics are created; a topic that exists is compared with
 * its declaration and never altered (libs/kafka-resources ensureTopics).
 */
import type { KafkaTopicResource } from '@drover/channel-model';
import {
  connectionLabel,
  connectKafkaAdmin,
  ensureTopics,
  isKafkaAccessRefused,
  type KafkaAdmin,
  type KafkaAdminOptions,
  type KafkaConnection,
  type ResourceLogger,
  type TopicSpec,
} from '@drover/kafka-resources';
import type { Logger } from '@drover/platform';
import type { ResourceEnsurer } from './resources.js';

/**
 * Kafka topics ensured with an admin client connected for each pass and closed after it. Passes
 * are rare (a channel started or changed, a topic in error retried), and a kafkajs client left
 * connected costs CPU for nothing: its request queue re-arms a 1 ms timer for as long as it is
 * connected (kafkajs#1704, the "TimeoutNegativeWarning" Node 24 prints): ~3% of a core on an idle
 * leader, measured with `process.cpuUsage()` around 5 s of an idle connected client (157 ms).
 * `close` closes the clients of passes in flight (a leader stepping down does not wait for Kafka).
 */
export function kafkaEnsurer(
  clusters: Readonly<Record<string, KafkaConnection>>,
  logger: Logger,
  connect: (options: KafkaAdminOptions) => Promise<KafkaAdmin> = connectKafkaAdmin,
): ResourceEnsurer {
  /** The clients of passes in flight, with their cluster. */
  const live = new Map<KafkaAdmin, string>();
  const closeQuietly = (cluster: string, a: KafkaAdmin): Promise<void> =>
    a
      .close()
      .catch((e: unknown) =>
        logger.warn({ cluster, err: (e as Error).message }, 'closing a Kafka admin client'),
      );
  return {
    ensure: async (cluster, work) => {
      const specs = work.map((w) => {
        if (w.resource.type !== 'kafka_topic') throw new Error(`not a kafka_topic: ${w.resource.type}`);
        return specOf(w.resource);
      });
      const connection = clusters[cluster];
      if (connection === undefined) {
        throw new Error(
          `unknown Kafka cluster "${cluster}": declare it with --kafka-cluster ${cluster}=HOST:PORT or under kafka.clusters in the platform file`,
        );
      }
      const admin = await connect({ ...connection, clientId: 'drover-controller', logger });
      live.set(admin, cluster);
      try {
        const reports = await ensureTopics(admin, specs, { logger });
        return reports.map((r) => ({ state: r.state, error: r.error }));
      } finally {
        if (live.delete(admin)) await closeQuietly(cluster, admin);
      }
    },
    close: async () => {
      const closing = [...live];
      live.clear();
      await Promise.all(closing.map(([a, cluster]) => closeQuietly(cluster, a)));
    },
  };
}

/**
 * At start, one connection to each cluster that has TLS or SASL settings: a login or certificate
 * the cluster refuses is thrown (no retry fixes it: the controller stops, naming the cluster and
 * the setting), a cluster that does not answer is only logged (its topics are ensured once it
 * does, as on any night Kafka is down). Plaintext clusters are left to the first topic.
 */
export async function checkKafkaAccess(
  clusters: Readonly<Record<string, KafkaConnection>>,
  logger: Pick<ResourceLogger, 'info' | 'warn'>,
  connect: (options: KafkaAdminOptions) => Promise<KafkaAdmin> = connectKafkaAdmin,
): Promise<void> {
  const secured = Object.values(clusters).filter((c) => c.tls !== undefined || c.sasl !== undefined);
  await Promise.all(
    secured.map(async (c) => {
      try {
        const admin = await connect({ ...c, clientId: 'drover-controller', connectionTimeoutMs: 5_000 });
        await admin.close();
        logger.info({ cluster: c.cluster }, `${connectionLabel(c)}: TLS and authentication accepted`);
      } catch (err) {
        if (isKafkaAccessRefused(err)) throw err;
        logger.warn(
          { cluster: c.cluster, err: (err as Error).message },
          `${connectionLabel(c)} did not answer at start: its topics are ensured once it does`,
        );
      }
    }),
  );
}

function specOf(r: KafkaTopicResource): TopicSpec {
  const config =
    r.config === undefined
      ? undefined
      : Object.fromEntries(Object.entries(r.config).map(([k, v]) => [k, String(v)]));
  return {
    cluster: r.cluster,
    name: r.name,
    partitions: r.partitions,
    replicationFactor: r.replication_factor,
    ...(config === undefined ? {} : { config }),
  };
}
