/**
 * Ensures channels' `kafka_topic` resources on the leader, one cluster at a time, and records
 * each topic's state (created, present, mismatch, error) under `resources/` with a fenced write.
 * Errors are retried after RETRY_MS; a topic that exists is never altered.
 */
import type { ResourceRecord } from '@drover/cluster-state';
import {
  connectKafkaAdmin,
  ensureTopics,
  type KafkaAdmin,
  type TopicReport,
  type TopicSpec,
} from '@drover/kafka-resources';
import type { Logger } from '@drover/platform';
import type { Leadership } from '@drover/store';
import { setLongTimeout, type Timer } from '@drover/timers';
import type { TopicWork } from './plan.js';

export const RETRY_MS = 5000;

export class TopicManager {
  #clusters: Readonly<Record<string, readonly string[]>>;
  #logger: Logger;
  #admins = new Map<string, KafkaAdmin>();
  #inFlight = new Set<string>();
  #retryTimer: Timer | undefined;
  #onRetry: () => void;

  constructor(clusters: Readonly<Record<string, readonly string[]>>, logger: Logger, onRetry: () => void) {
    this.#clusters = clusters;
    this.#logger = logger.child({ component: 'topics' });
    this.#onRetry = onRetry;
  }

  /** Starts ensuring what the plan asks for (in the background); returns at once. */
  ensure(work: readonly TopicWork[], leadership: Leadership): void {
    const now = Date.now();
    const due: TopicWork[] = [];
    let nextRetry = Number.POSITIVE_INFINITY;
    for (const w of work) {
      if (this.#inFlight.has(w.key)) continue;
      const isRetry = w.current?.declaration === w.declaration && w.current.state === 'error';
      const at = isRetry ? Date.parse(w.current?.checkedAt ?? '') + RETRY_MS : now;
      if (at > now) {
        nextRetry = Math.min(nextRetry, at);
        continue;
      }
      due.push(w);
    }
    if (Number.isFinite(nextRetry) && this.#retryTimer === undefined) {
      this.#retryTimer = setLongTimeout(() => {
        this.#retryTimer = undefined;
        this.#onRetry();
      }, nextRetry - now);
    }
    const byCluster = new Map<string, TopicWork[]>();
    for (const w of due) {
      this.#inFlight.add(w.key);
      const list = byCluster.get(w.resource.cluster) ?? [];
      list.push(w);
      byCluster.set(w.resource.cluster, list);
    }
    for (const [cluster, list] of byCluster) void this.#ensureCluster(cluster, list, leadership);
  }

  async close(): Promise<void> {
    this.#retryTimer?.clear();
    await Promise.all([...this.#admins.values()].map((a) => a.close().catch(() => {})));
    this.#admins.clear();
  }

  async #admin(cluster: string): Promise<KafkaAdmin> {
    const existing = this.#admins.get(cluster);
    if (existing !== undefined) return existing;
    const brokers = this.#clusters[cluster];
    if (brokers === undefined) {
      throw new Error(
        `unknown Kafka cluster "${cluster}": declare it with --kafka-cluster ${cluster}=HOST:PORT or under kafka.clusters in the platform file`,
      );
    }
    const admin = await connectKafkaAdmin({ brokers, clientId: 'drover-controller', logger: this.#logger });
    this.#admins.set(cluster, admin);
    return admin;
  }

  async #ensureCluster(cluster: string, work: TopicWork[], leadership: Leadership): Promise<void> {
    let reports: TopicReport[];
    try {
      const admin = await this.#admin(cluster);
      reports = await ensureTopics(admin, work.map(specOf), { logger: this.#logger });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      reports = work.map((w) => ({ spec: specOf(w), state: 'error', error: message }));
      const admin = this.#admins.get(cluster);
      this.#admins.delete(cluster);
      await admin?.close().catch(() => {});
    }
    const at = new Date().toISOString();
    const put = work.map((w, i) => {
      const report = reports[i];
      const record: ResourceRecord = {
        type: 'kafka_topic',
        name: w.resource.name,
        cluster,
        state: report?.state ?? 'error',
        error: report?.error ?? null,
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
      return { key: w.key, value: record };
    });
    try {
      await leadership.fencedTxn({ put });
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'could not record topic states (no longer leader?)');
    } finally {
      for (const w of work) this.#inFlight.delete(w.key);
    }
  }
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
