/**
 * The leader's reconcile loop, in the shape of a Kubernetes controller (sample-controller,
 * controller-runtime): watch events only enqueue keys (`tenant/channel`) on a work queue
 * (work-queue.ts); a worker takes the keys ready (after a short debounce, as one batch), plans
 * from the cache (plan.ts: placement is computed for every channel at once, since runners are
 * shared) and applies each key's part with fenced transactions. Per key:
 *
 * - success: its failures are forgotten; a timed wait the plan asks for (a rollout's
 *   min_healthy_time or deadline, a resource retry) re-adds it after that time;
 * - a failed write (etcd unavailable, a timeout) while still leader: re-added with per-key
 *   exponential backoff (RETRY_BASE_MS doubling to RETRY_MAX_MS); other channels go on;
 * - NotLeaderError: leadership is over; the loop stops at once.
 *
 * A periodic resync (every `resyncMs`) re-adds every channel, a safety net for anything missed.
 * Passes never overlap; before planning, the cache must have seen our own last writes.
 */
import { channelRef } from '@drover/channel-model';
import type { Logger } from '@drover/platform';
import { isStoreError, type Leadership, NotLeaderError } from '@drover/store';
import { setLongInterval, setLongTimeout, type Timer } from '@drover/timers';
import type { CacheChange, ClusterCache } from './cluster-cache.js';
import type { ControllerMetrics } from './metrics.js';
import { type ChannelPlan, type Plan, type PlanInput, plan, type StartedChannel } from './plan.js';
import type { ResourceManager } from './resources.js';
import { WorkQueue } from './work-queue.js';

/** etcd's default limit is 128 operations per transaction. */
const OPS_PER_TXN = 100;
const TXNS_IN_FLIGHT = 4;
export const RESYNC_MS = 30_000;
export const DEBOUNCE_MS = 20;
export const RETRY_BASE_MS = 200;
export const RETRY_MAX_MS = 30_000;

export interface ReconcilerOptions {
  readonly cache: ClusterCache;
  readonly leadership: Leadership;
  readonly resources: Pick<ResourceManager, 'ensure'>;
  readonly logger: Logger;
  readonly metrics: Pick<
    ControllerMetrics,
    'reconcileDuration' | 'lastReconcile' | 'reconcilePasses' | 'placementWrites'
  >;
  readonly resyncMs?: number;
  readonly debounceMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** The clock the plan uses (tests pass their own). */
  readonly now?: () => number;
}

export class Reconciler {
  readonly queue: WorkQueue<string>;
  #o: ReconcilerOptions;
  #logger: Logger;
  #stopped = false;
  #waitFor = 0;
  #unsubscribe: () => void;
  #resync: Timer;
  #loop: Promise<void>;
  #wake: (() => void) | undefined;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ component: 'reconciler' });
    this.queue = new WorkQueue({
      baseDelayMs: options.retryBaseMs ?? RETRY_BASE_MS,
      maxDelayMs: options.retryMaxMs ?? RETRY_MAX_MS,
    });
    this.#unsubscribe = options.cache.onChange((change) => this.#enqueue(change));
    this.#resync = setLongInterval(() => this.resync(), options.resyncMs ?? RESYNC_MS).unref();
    this.resync();
    this.#loop = this.#run();
  }

  /** Re-adds every channel the cache knows of. */
  resync(): void {
    for (const key of this.#o.cache.channelKeys()) this.queue.add(key);
  }

  /** Stops at once: no new pass starts; the one in progress (if any) finishes. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    this.#resync.clear();
    this.queue.shutDown();
    this.#wake?.();
    await this.#loop;
  }

  /** Watch events to keys. */
  #enqueue(change: CacheChange): void {
    if (this.#stopped) return;
    const cache = this.#o.cache;
    if (change.resync) {
      this.resync();
      return;
    }
    const onlyStatus = [...change.kinds].every((k) => k === 'status' || k === 'election');
    for (const key of change.channels) {
      // Instance statuses matter to a channel only while it rolls (health of what restarted).
      if (onlyStatus && cache.rollouts.get(key)?.state !== 'progressing') continue;
      this.queue.add(key);
    }
    if (change.runners.size > 0) {
      // A runner gone or changed: the channels it holds instances of; any runner: the channels
      // with instances waiting for one.
      for (const runner of change.runners) for (const key of cache.channelsOn(runner)) this.queue.add(key);
      for (const key of cache.pending.keys()) this.queue.add(key);
    }
  }

  async #run(): Promise<void> {
    for (;;) {
      const first = await this.queue.next();
      if (first === undefined || this.#stopped) return;
      await this.#sleep(this.#o.debounceMs ?? DEBOUNCE_MS);
      const keys = [first, ...this.queue.takeReady()];
      try {
        await this.#pass(keys);
      } catch (err) {
        // A bug in planning: log it, retry these keys with backoff, keep the loop alive.
        this.#logger.error({ err, channels: keys }, 'reconcile pass failed');
        for (const key of keys) this.queue.addRateLimited(key);
      } finally {
        for (const key of keys) this.queue.done(key);
      }
      if (this.#stopped) return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setLongTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        timer.clear();
        resolve();
      };
    });
  }

  async #pass(keys: readonly string[]): Promise<void> {
    const { cache, leadership } = this.#o;
    if (!leadership.isLeader()) {
      this.#leadershipOver();
      return;
    }
    // Our last writes must be in the cache: never plan from a view older than what we wrote.
    if (this.#waitFor > 0 && !(await cache.seen(this.#waitFor))) {
      this.#logger.warn(
        { waitFor: this.#waitFor, seen: cache.revision },
        'cache behind our writes: retrying',
      );
      for (const key of keys) this.queue.addRateLimited(key);
      return;
    }
    const started = Date.now();
    const result = plan(planInput(cache, (this.#o.now ?? Date.now)()));
    let writes = 0;
    let deletes = 0;
    let revision = 0;
    let next = 0;
    const worker = async () => {
      while (next < keys.length && !this.#stopped) {
        const key = keys[next++] as string;
        const part = result.channels.get(key);
        try {
          const written = part === undefined ? 0 : await this.#apply(part);
          revision = Math.max(revision, written);
          writes += part?.put.length ?? 0;
          deletes += part?.delete.length ?? 0;
          this.queue.forget(key);
          if (part?.requeueAfterMs !== undefined) this.queue.addAfter(key, part.requeueAfterMs);
          if (part !== undefined && part.resources.length > 0)
            this.#o.resources.ensure(part.resources, leadership);
        } catch (err) {
          if (err instanceof NotLeaderError) {
            this.#leadershipOver();
            return;
          }
          const retryInMs = this.queue.addRateLimited(key);
          const message = err instanceof Error ? err.message : String(err);
          const code = isStoreError(err) ? err.code : undefined;
          this.#logger.warn(
            { channel: key, err: message, code, retryInMs },
            'reconcile of channel failed: retrying',
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TXNS_IN_FLIGHT, keys.length) }, worker));
    if (revision > 0) this.#waitFor = Math.max(this.#waitFor, revision);
    this.#queueOthers(result, keys);

    const seconds = (Date.now() - started) / 1000;
    const m = this.#o.metrics;
    m.reconcileDuration.observe(seconds);
    m.lastReconcile.set(seconds);
    m.reconcilePasses.inc();
    m.placementWrites.inc(writes + deletes);
    if (writes + deletes > 0) {
      this.#logger.info(
        {
          channels: keys.length,
          writes,
          deletes,
          instances: result.counts.instances,
          placed: result.counts.placed,
          pending: result.counts.pending,
          ms: Math.round(seconds * 1000),
          revision,
        },
        'reconciled',
      );
    }
  }

  /**
   * Channels outside this batch that the plan would change (an effect of another channel's
   * change, such as memory freed on a runner) are queued, unless they are backing off.
   */
  #queueOthers(result: Plan, batch: readonly string[]): void {
    const inBatch = new Set(batch);
    for (const [key, part] of result.channels) {
      if (inBatch.has(key) || this.queue.failures(key) > 0) continue;
      if (part.put.length + part.delete.length + part.resources.length > 0) this.queue.add(key);
    }
  }

  /** One channel's writes, in fenced transactions of at most OPS_PER_TXN operations. */
  async #apply(part: ChannelPlan): Promise<number> {
    const ops: ({ put: { key: string; value: unknown } } | { delete: string })[] = [
      ...part.delete.map((key) => ({ delete: key })),
      ...part.put.map((put) => ({ put })),
    ];
    let revision = 0;
    for (let i = 0; i < ops.length; i += OPS_PER_TXN) {
      const batch = ops.slice(i, i + OPS_PER_TXN);
      const written = await this.#o.leadership.fencedTxn({
        put: batch.flatMap((o) => ('put' in o ? [o.put] : [])),
        delete: batch.flatMap((o) => ('delete' in o ? [o.delete] : [])),
      });
      revision = Math.max(revision, written);
    }
    return revision;
  }

  #leadershipOver(): void {
    if (this.#stopped) return;
    this.#logger.warn('not leader any more: reconcile stopped');
    this.#stopped = true;
    this.queue.shutDown();
  }
}

export function planInput(cache: ClusterCache, now: number): PlanInput {
  const started: StartedChannel[] = [];
  const frozen = new Set<string>();
  for (const { tenant, channel } of cache.channels()) {
    const desired = cache.desiredOf(tenant, channel);
    const spec = cache.spec(tenant, channel);
    if (desired?.state !== 'started') continue;
    if (spec?.structure === undefined) {
      frozen.add(channelRef({ tenant, channel }));
      continue;
    }
    started.push({
      tenant,
      channel,
      structure: spec.structure,
      specDigest: spec.record.digest,
      ownFiles: spec.ownFiles,
      desired,
      files: spec.record.files,
    });
  }
  return {
    layout: cache.layout,
    now,
    started,
    frozen,
    runners: [...cache.runners.values()],
    placements: cache.placements,
    statuses: cache.statuses,
    pending: cache.pending,
    resources: cache.resources,
    rollouts: cache.rollouts,
    versions: cache.versions,
  };
}
