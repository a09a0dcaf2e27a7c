/**
 * Kafka topics as channel resources (`kafka_topic`): the ensurer the ResourceManager
 * (resources.ts) uses for them. Missing topics are created; a topic that exists is compared with
 * its declaration and never altered (libs/kafka-resources ensureTopics).
 */
import type { KafkaTopicResource } from '@drover/channel-model';
import { connectKafkaAdmin, ensureTopics, type KafkaAdmin, type TopicSpec } from '@drover/kafka-resources';
import type { Logger } from '@drover/platform';
import type { ResourceEnsurer } from './resources.js';

/** Kafka admin clients per cluster, connected on first use and dropped after a failure. */
export function kafkaEnsurer(
  clusters: Readonly<Record<string, readonly string[]>>,
  logger: Logger,
): ResourceEnsurer {
  const admins = new Map<string, KafkaAdmin>();
  const admin = async (cluster: string): Promise<KafkaAdmin> => {
    const existing = admins.get(cluster);
    if (existing !== undefined) return existing;
    const brokers = clusters[cluster];
    if (brokers === undefined) {
      throw new Error(
        `unknown Kafka cluster "${cluster}": declare it with --kafka-cluster ${cluster}=HOST:PORT or under kafka.clusters in the platform file`,
      );
    }
    const connected = await connectKafkaAdmin({ brokers, clientId: 'drover-controller', logger });
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
        await failed?.close().catch(() => {});
        throw err;
      }
    },
    close: async () => {
      await Promise.all([...admins.values()].map((a) => a.close().catch(() => {})));
      admins.clear();
    },
  };
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
