/**
 * Writes instance statuses to `status/<tenant>/<channel>/<app>/<i>` on the runner's lease.
 * Only the latest status of each instance matters: updates coalesce, and whatever could not be
 * written (etcd unreachable, lease being renewed) is written once it can be. Removals delete a
 * status only while it is still ours (on our lease), never one another runner wrote since.
 */
import type { StatusRecord } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { LeaseHandle, Store } from '@drover/store';

const RETRY_MS = 500;

export class StatusPublisher {
  #store: Store;
  #logger: Logger;
  #latest = new Map<string, StatusRecord>();
  #dirty = new Set<string>();
  #removals = new Set<string>();
  #lease: LeaseHandle | undefined;
  #running: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** Every status this runner currently reports, by key. */
  get statuses(): ReadonlyMap<string, StatusRecord> {
    return this.#latest;
  }

  set(record: StatusRecord): void {
    const key = this.#store.layout.status(record);
    this.#latest.set(key, record);
    this.#removals.delete(key);
    this.#dirty.add(key);
    this.#kick();
  }

  remove(ref: { tenant: string; channel: string; app: string; index: number }): void {
    const key = this.#store.layout.status(ref);
    this.#latest.delete(key);
    this.#dirty.delete(key);
    this.#removals.add(key);
    this.#kick();
  }

  /** A new lease: everything is written again on it (what was on the old one is gone). */
  useLease(lease: LeaseHandle): void {
    this.#lease = lease;
    for (const key of this.#latest.keys()) this.#dirty.add(key);
    this.#kick();
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
  }

  #kick(): void {
    if (this.#running !== undefined || this.#retry !== undefined || this.#closed) return;
    this.#running = this.#flush().finally(() => {
      this.#running = undefined;
    });
  }

  async #flush(): Promise<void> {
    while (!this.#closed) {
      const lease = this.#lease;
      if (lease === undefined || lease.isLost()) return;
      const nextPut = this.#dirty.values().next();
      const nextRemoval = this.#removals.values().next();
      if (nextPut.done === true && nextRemoval.done === true) return;
      try {
        if (nextPut.done !== true) {
          const key = nextPut.value;
          const record = this.#latest.get(key);
          this.#dirty.delete(key);
          if (record !== undefined) {
            try {
              await this.#store.put(key, record, { lease: lease.id });
            } catch (err) {
              this.#dirty.add(key);
              throw err;
            }
          }
        } else if (nextRemoval.done !== true) {
          const key = nextRemoval.value;
          await this.#store.deleteIfLease(key, lease.id);
          this.#removals.delete(key);
        }
      } catch (err) {
        this.#logger.debug({ err: (err as Error).message }, 'status write failed: retrying');
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          this.#kick();
        }, RETRY_MS);
        return;
      }
    }
  }
}
