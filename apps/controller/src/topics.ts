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

/** Kafka admin clients per cluster, connected on first use and dropped after a failure. */
export function kafkaEnsurer(
  clusters: Readonly<Record<string, KafkaConnection>>,
  logger: Logger,
): ResourceEnsurer {
  const admins = new Map<string, KafkaAdmin>();
  const admin = async (cluster: string): Promise<KafkaAdmin> => {
    const existing = admins.get(cluster);
    if (existing !== undefined) return existing;
    const connection = clusters[cluster];
    if (connection === undefined) {
      throw new Error(
        `unknown Kafka cluster "${cluster}": declare it with --kafka-cluster ${cluster}=HOST:PORT or under kafka.clusters in the platform file`,
      );
    }
    const connected = await connectKafkaAdmin({ ...connection, clientId: 'drover-controller', logger });
    admins.set(cluster, connected);
    return connected;
  };
  return {
    ensure: async (cluster, work) => {
      const specs = work.map((w) => {
        if (w.resource.type !== 'kafka_topic') throw new Error(`not a kafka_topic: ${w.resource.type}`);
        return specOf(w.resource);
      });
      try {
        const reports = await ensureTopics(await admin(cluster), specs, { logger });
        return reports.map((r) => ({ state: r.state, error: r.error }));
      } catch (err) {
        const failed = admins.get(cluster);
        admins.delete(cluster);
        await failed
          ?.close()
          .catch((e: unknown) =>
            logger.warn({ cluster, err: (e as Error).message }, 'closing the failed Kafka admin client'),
          );
        throw err;
      }
    },
    close: async () => {
      await Promise.all(
        [...admins.entries()].map(([cluster, a]) =>
          a
            .close()
            .catch((e: unknown) =>
              logger.warn({ cluster, err: (e as Error).message }, 'closing a Kafka admin client'),
            ),
        ),
      );
      admins.clear();
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
