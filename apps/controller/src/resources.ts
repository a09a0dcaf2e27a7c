/**
 * Ensures channels' resources on the leader, one (type, cluster) at a time, and records each
 * one's state (created, present, updated, mismatch, error) under `resources/` with a fenced
 * write. How a type is ensured is its ensurer's business: Kafka topics (topics.ts), index
 * templates of search clusters (index-templates.ts). Neither alters what exists unless told to
 * (an index template with `overwrite: true`).
 *
 * Nothing is dropped: when a state cannot be written (etcd unavailable while still leader), the
 * channel is handed back to the reconciler (`onFailed`), which retries it with backoff; a
 * resource in `error` is ensured again once RESOURCE_RETRY_MS passed (plan.ts).
 */
import { channelRef, type ResourceType } from '@drover/channel-model';
import type { ResourceRecord, ResourceState } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { Leadership } from '@drover/store';
import type { ResourceWork } from './plan.js';

/** What ensuring one resource came to. */
export interface ResourceOutcome {
  readonly state: Exclude<ResourceState, 'pending'>;
  /** Why, for `mismatch` and `error`. */
  readonly error?: string | undefined;
}

/**
 * Ensures `work` (resources of one type) on the named cluster; one outcome per item, in order.
 * Rejects only when the cluster cannot be used at all (unknown, unreachable): every item is then
 * in error with that reason.
 */
export type EnsureResources = (cluster: string, work: readonly ResourceWork[]) => Promise<ResourceOutcome[]>;

export interface ResourceEnsurer {
  readonly ensure: EnsureResources;
  /** Closes the clients it holds. */
  readonly close?: () => Promise<void>;
}

export interface ResourceManagerOptions {
  readonly logger: Logger;
  /** How each type of resource is ensured. */
  readonly ensurers: Readonly<Record<ResourceType, ResourceEnsurer>>;
  /** A channel's resource states could not be written: reconcile it again later. */
  readonly onFailed: (channel: string, err: Error) => void;
}

const LABEL: Record<ResourceType, string> = {
  kafka_topic: 'kafka topic',
  elasticsearch_index_template: 'index template',
};

export class ResourceManager {
  #o: ResourceManagerOptions;
  #logger: Logger;
  #inFlight = new Set<string>();

  constructor(options: ResourceManagerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'resources' });
  }

  /** Starts ensuring `work` in the background (what is already in flight is skipped). */
  ensure(work: readonly ResourceWork[], leadership: Leadership): void {
    const groups = new Map<string, ResourceWork[]>();
    for (const w of work) {
      if (this.#inFlight.has(w.key)) continue;
      this.#inFlight.add(w.key);
      const group = `${w.resource.type}\0${w.resource.cluster}`;
      const list = groups.get(group) ?? [];
      list.push(w);
      groups.set(group, list);
    }
    for (const list of groups.values()) void this.#ensureGroup(list, leadership);
  }

  /**
   * Closes the clients at once (a leader stepping down does not wait for Kafka or a search
   * node); what was in flight ends with an error, and its state write is refused (no longer leader).
   */
  async close(): Promise<void> {
    await Promise.all(
      Object.entries(this.#o.ensurers).map(([type, e]) =>
        e
          .close?.()
          .catch((err: unknown) =>
            this.#logger.warn({ type, err: (err as Error).message }, 'closing a resource ensurer'),
          ),
      ),
    );
  }

  async #ensureGroup(work: ResourceWork[], leadership: Leadership): Promise<void> {
    const first = work[0] as ResourceWork;
    const { type, cluster } = first.resource;
    let outcomes: ResourceOutcome[];
    try {
      outcomes = await this.#o.ensurers[type].ensure(cluster, work);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outcomes = work.map(() => ({ state: 'error', error: message }));
    }
    const at = new Date().toISOString();
    const byChannel = new Map<string, { key: string; value: ResourceRecord }[]>();
    work.forEach((w, i) => {
      const outcome = outcomes[i];
      const record: ResourceRecord = {
        type,
        name: w.resource.name,
        cluster,
        state: outcome?.state ?? 'error',
        error: outcome?.error ?? (outcome === undefined ? `no outcome for this ${LABEL[type]}` : null),
        declaration: w.declaration,
        checkedAt: at,
      };
      const fields = { type, name: record.name, cluster, channel: channelRef(w), state: record.state };
      if (record.state === 'error' || record.state === 'mismatch') {
        this.#logger.warn({ ...fields, error: record.error }, `${LABEL[type]} not as declared`);
      } else {
        this.#logger.info(fields, `${LABEL[type]} ready`);
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
          this.#logger.warn(
            { channel: ck, err: error.message },
            'could not record resource states: retrying',
          );
          this.#o.onFailed(ck, error);
        }
      }),
    );
    for (const w of work) this.#inFlight.delete(w.key);
  }
}
