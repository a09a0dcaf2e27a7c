/**
 * Runners' heartbeats for the console's overview: how long ago etcd last received each runner's
 * lease keepalive, read with LeaseTimeToLive (libs/store, `leaseTimeToLive`) on the lease each
 * runner record is on (the cache's `runnerLeases`).
 *
 * Bounded at scale: the live hub runs a round every HEARTBEAT_ROUND_MS only while an overview page
 * is open; a round checks at most MAX_CHECKS_PER_ROUND leases, LEASE_CHECKS_IN_FLIGHT at a time,
 * taking the runners in turn (1,000 runners: each checked every 20 s, at most 50 etcd calls a
 * second per controller with a page open). The page shows each age as it was at its check, with
 * the check's time: an age counted on between checks would climb past the TTL of a healthy runner.
 */
import { type HeartbeatsLive, heartbeatOf, type RunnerHeartbeat } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';

export const HEARTBEAT_ROUND_MS = 2000;
export const MAX_CHECKS_PER_ROUND = 100;
export const LEASE_CHECKS_IN_FLIGHT = 16;

/** etcd's view of a lease (Store.leaseTimeToLive); undefined once it expired. */
export interface LeaseClock {
  leaseTimeToLive(
    lease: string,
  ): Promise<{ readonly remainingSeconds: number; readonly grantedSeconds: number } | undefined>;
}

/**
 * The runners a round checks: up to `max` names from `names` (sorted), starting after `after`
 * (the last name the previous round checked), wrapping around; and the name to start after next.
 */
export function roundBatch(
  names: readonly string[],
  after: string | undefined,
  max: number,
): { batch: string[]; last: string | undefined } {
  if (names.length <= max) return { batch: [...names], last: undefined };
  let start = after === undefined ? 0 : names.findIndex((n) => n > after);
  if (start < 0) start = 0;
  const batch: string[] = [];
  for (let i = 0; i < max; i++) batch.push(names[(start + i) % names.length] as string);
  return { batch, last: batch[batch.length - 1] };
}

interface Known extends RunnerHeartbeat {
  readonly lease: string;
}

export class HeartbeatProbe {
  readonly #clock: LeaseClock;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #max: number;
  #known = new Map<string, Known>();
  #last: string | undefined;
  #failing = false;

  constructor(clock: LeaseClock, logger: Logger, options: { now?: () => number; maxPerRound?: number } = {}) {
    this.#clock = clock;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
    this.#max = options.maxPerRound ?? MAX_CHECKS_PER_ROUND;
  }

  /**
   * One round over the live runners (`leases`: runner name to the lease its record is on).
   * Runners that are gone or on another lease are forgotten; a lease etcd no longer has drops the
   * runner's heartbeat (its record goes with the lease). A failed check keeps what was known.
   */
  async round(leases: ReadonlyMap<string, string>): Promise<void> {
    for (const [name, k] of this.#known) if (leases.get(name) !== k.lease) this.#known.delete(name);
    const { batch, last } = roundBatch([...leases.keys()].sort(), this.#last, this.#max);
    this.#last = last;
    let failures = 0;
    let firstError: string | undefined;
    const queue = [...batch];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const lease = leases.get(name) as string;
        try {
          const ttl = await this.#clock.leaseTimeToLive(lease);
          if (leases.get(name) !== lease) continue;
          if (ttl === undefined) this.#known.delete(name);
          else this.#known.set(name, { lease, ...heartbeatOf(this.#now(), ttl) });
        } catch (err) {
          failures++;
          firstError ??= (err as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LEASE_CHECKS_IN_FLIGHT, batch.length) }, worker));
    // Once per streak of failures: the cluster event already tells the page when etcd is away.
    if (failures > 0 && !this.#failing)
      this.#logger.warn(
        { failures, checked: batch.length, err: firstError },
        'live: runner lease checks failed',
      );
    this.#failing = failures > 0;
  }

  /** What the overview's `heartbeats` event carries. */
  snapshot(): HeartbeatsLive {
    const runners: HeartbeatsLive['runners'] = {};
    for (const [name, { at, checkedAt, ttl }] of [...this.#known].sort(([a], [b]) => (a < b ? -1 : 1)))
      runners[name] = { at, checkedAt, ttl };
    return { runners };
  }

  clear(): void {
    this.#known.clear();
    this.#last = undefined;
  }
}
