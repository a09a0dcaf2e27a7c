/**
 * Ensures channels' `kafka_topic` resources on the leader, one cluster at a time, and records
 * each topic's state (created, present, mismatch, error) under `resources/` with a fenced write.
 * A topic that exists is never altered.
 *
 * Nothing is dropped: when the state cannot be written (etcd unavailable while still leader),
 * the channel is handed back to the reconciler (`onFailed`), which retries it with backoff; a
 * topic in `error` is ensured again once TOPIC_RETRY_MS passed (plan.ts).
 */
import { channelRef } from '@drover/channel-model';
import type { ResourceRecord } from '@drover/cluster-state';
import {
  connectionLabel,
  connectKafkaAdmin,
  ensureTopics,
  isKafkaAccessRefused,
  type KafkaAdmin,
  type KafkaAdminOptions,
  type KafkaConnection,
  type ResourceLogger,
  type TopicReport,
  type TopicSpec,
} from '@drover/kafka-resources';
import type { Logger } from '@drover/platform';
import type { Leadership } from '@drover/store';
import type { TopicWork } from './plan.js';

/** Ensures `specs` on the named cluster; one report per spec, in order. */
export type EnsureCluster = (cluster: string, specs: readonly TopicSpec[]) => Promise<TopicReport[]>;

export interface TopicManagerOptions {
  readonly logger: Logger;
  /** How topics are ensured (default: Kafka admin clients per cluster, see kafkaEnsurer). */
  readonly ensure: EnsureCluster;
  /** A channel's topic states could not be written: reconcile it again later. */
  readonly onFailed: (channel: string, err: Error) => void;
  /** Closes what `ensure` holds. */
  readonly close?: () => Promise<void>;
}

export class TopicManager {
  #o: TopicManagerOptions;
  #logger: Logger;
  #inFlight = new Set<string>();

  constructor(options: TopicManagerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'topics' });
  }

  /** Starts ensuring `work` in the background (what is already in flight is skipped). */
  ensure(work: readonly TopicWork[], leadership: Leadership): void {
    const byCluster = new Map<string, TopicWork[]>();
    for (const w of work) {
      if (this.#inFlight.has(w.key)) continue;
      this.#inFlight.add(w.key);
      const list = byCluster.get(w.resource.cluster) ?? [];
      list.push(w);
      byCluster.set(w.resource.cluster, list);
    }
    for (const [cluster, list] of byCluster) void this.#ensureCluster(cluster, list, leadership);
  }

  /**
   * Closes the clients at once (a leader stepping down does not wait for Kafka); what was in
   * flight ends with an error, and its state write is refused (no longer leader).
   */
  async close(): Promise<void> {
    await this.#o.close?.();
  }

  async #ensureCluster(cluster: string, work: TopicWork[], leadership: Leadership): Promise<void> {
    let reports: TopicReport[];
    try {
      reports = await this.#o.ensure(cluster, work.map(specOf));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      reports = work.map((w) => ({ spec: specOf(w), state: 'error', error: message }));
    }
    const at = new Date().toISOString();
    const byChannel = new Map<string, { key: string; value: ResourceRecord }[]>();
    work.forEach((w, i) => {
      const report = reports[i];
      const record: ResourceRecord = {
        type: 'kafka_topic',
        name: w.resource.name,
        cluster,
        state: report?.state ?? 'error',
        error: report?.error ?? (report === undefined ? 'no report for this topic' : null),
        declaration: w.declaration,
        checkedAt: at,
      };
      if (record.state === 'error' || record.state === 'mismatch') {
        this.#logger.warn(
          { topic: record.name, cluster, state: record.state, error: record.error },
          'kafka topic not as declared',
        );
      } else {
        this.#logger.info({ topic: record.name, cluster, state: record.state }, 'kafka topic ready');
      }
      const ck = channelRef(w);
      const list = byChannel.get(ck) ?? [];
      list.push({ key: w.key, value: record });
      byChannel.set(ck, list);
    });
    await Promise.all(
      [...byChannel].map(async ([ck, put]) => {
        try {
          await leadership.fencedTxn({ put });
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          this.#logger.warn({ channel: ck, err: error.message }, 'could not record topic states: retrying');
          this.#o.onFailed(ck, error);
        }
      }),
    );
    for (const w of work) this.#inFlight.delete(w.key);
  }
}

/** Kafka admin clients per cluster, connected on first use and dropped after a failure. */
export function kafkaEnsurer(
  clusters: Readonly<Record<string, KafkaConnection>>,
  logger: Logger,
): { ensure: EnsureCluster; close(): Promise<void> } {
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
    ensure: async (cluster, specs) => {
      try {
        return await ensureTopics(await admin(cluster), specs, { logger });
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

function specOf(w: TopicWork): TopicSpec {
  const r = w.resource;
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
