/**
 * The leader's reconcile loop: on every relevant change in the cache (debounced), plan from the
 * cache and apply the plan with fenced transactions. Passes never overlap; after writing, the next
 * pass waits until the cache has seen its own writes, so it never acts on a stale view.
 */
import type { Logger } from '@drover/platform';
import { isStoreError, type Leadership, NotLeaderError } from '@drover/store';
import type { ClusterCache, RecordKind } from './cluster-cache.js';
import type { ControllerMetrics } from './metrics.js';
import { type Plan, plan, type StartedChannel } from './plan.js';
import type { TopicManager } from './topics.js';

/** etcd's default limit is 128 operations per transaction. */
const OPS_PER_TXN = 100;
const TXNS_IN_FLIGHT = 4;
const DEBOUNCE_MS = 20;
const RETRY_MS = 1000;

export class Reconciler {
  #cache: ClusterCache;
  #leadership: Leadership;
  #topics: TopicManager;
  #logger: Logger;
  #metrics: ControllerMetrics;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #waitFor = 0;
  #unsubscribe: () => void;

  constructor(options: {
    cache: ClusterCache;
    leadership: Leadership;
    topics: TopicManager;
    logger: Logger;
    metrics: ControllerMetrics;
  }) {
    this.#cache = options.cache;
    this.#leadership = options.leadership;
    this.#topics = options.topics;
    this.#logger = options.logger.child({ component: 'reconciler' });
    this.#metrics = options.metrics;
    const listener = (kinds: ReadonlySet<RecordKind>) => {
      // Statuses and election churn never change the plan.
      if ([...kinds].some((k) => k !== 'status' && k !== 'election')) this.trigger();
    };
    this.#unsubscribe = options.cache.onChange(listener);
    this.trigger();
  }

  trigger(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, DEBOUNCE_MS);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#pass;
  }

  #run(): void {
    if (this.#stopped) return;
    if (this.#pass !== undefined) {
      this.#again = true;
      return;
    }
    this.#pass = this.#reconcile()
      .catch((err: unknown) => {
        if (err instanceof NotLeaderError) {
          this.#logger.warn('not leader any more: reconcile stopped');
          this.#stopped = true;
          return;
        }
        this.#logger.error({ err }, 'reconcile pass failed: retrying');
        setTimeout(() => this.trigger(), RETRY_MS).unref();
      })
      .finally(() => {
        this.#pass = undefined;
        if (this.#again) {
          this.#again = false;
          this.trigger();
        }
      });
  }

  async #reconcile(): Promise<void> {
    if (!this.#leadership.isLeader()) throw new NotLeaderError(this.#leadership.key);
    if (this.#cache.revision < this.#waitFor) {
      // Our last writes are not in the cache yet: their watch events will trigger us again.
      return;
    }
    const started = Date.now();
    const result = plan(planInput(this.#cache));
    const revision = await this.#apply(result);
    if (revision > 0) this.#waitFor = revision;
    this.#topics.ensure(result.topics, this.#leadership);
    const seconds = (Date.now() - started) / 1000;
    this.#metrics.reconcileDuration.observe(seconds);
    this.#metrics.lastReconcile.set(seconds);
    this.#metrics.reconcilePasses.inc();
    this.#metrics.placementWrites.inc(result.counts.writes + result.counts.deletes);
    if (result.counts.writes + result.counts.deletes > 0) {
      this.#logger.info({ ...result.counts, ms: Math.round(seconds * 1000), revision }, 'reconciled');
    }
  }

  /**
   * Writes the plan in fenced batches, a few in flight at once (each is fenced on its own, and
   * their order does not matter); returns the highest revision written (0 when none).
   */
  async #apply(p: Plan): Promise<number> {
    const ops: ({ put: { key: string; value: unknown } } | { delete: string })[] = [
      ...p.delete.map((key) => ({ delete: key })),
      ...p.put.map((put) => ({ put })),
    ];
    const batches: (typeof ops)[] = [];
    for (let i = 0; i < ops.length; i += OPS_PER_TXN) batches.push(ops.slice(i, i + OPS_PER_TXN));
    let revision = 0;
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++] ?? [];
        const written = await this.#leadership.fencedTxn({
          put: batch.flatMap((o) => ('put' in o ? [o.put] : [])),
          delete: batch.flatMap((o) => ('delete' in o ? [o.delete] : [])),
        });
        revision = Math.max(revision, written);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(TXNS_IN_FLIGHT, batches.length) }, worker));
    } catch (err) {
      if (isStoreError(err) && !(err instanceof NotLeaderError))
        this.#logger.warn({ err: err.message }, 'write failed');
      throw err;
    }
    return revision;
  }
}

export function planInput(cache: ClusterCache): Parameters<typeof plan>[0] {
  const started: StartedChannel[] = [];
  const frozen = new Set<string>();
  for (const { tenant, channel } of cache.channels()) {
    const desired = cache.desiredOf(tenant, channel);
    const spec = cache.spec(tenant, channel);
    if (desired?.state !== 'started') continue;
    if (spec?.structure === undefined) {
      frozen.add(`${tenant}/${channel}`);
      continue;
    }
    started.push({ tenant, channel, structure: spec.structure, specDigest: spec.record.digest, desired });
  }
  return {
    layout: cache.layout,
    started,
    frozen,
    runners: [...cache.runners.values()],
    placements: cache.placements,
    pending: cache.pending,
    resources: cache.resources,
  };
}
