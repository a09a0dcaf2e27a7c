/**
 * The runner's record under its lease: `runners/<name>` exists exactly while the runner is
 * alive and reachable. When the lease is lost (etcd unreachable past the TTL, or revoked), the
 * runner registers again with a new lease as soon as etcd answers, and tells its listeners so
 * that everything kept on the lease (instance statuses) is written again.
 */
import type { RunnerRecord } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { LeaseHandle, Store } from '@drover/store';

const RETRY_MS = 1000;

export class Registration {
  #store: Store;
  #record: () => RunnerRecord;
  #ttl: number;
  #logger: Logger;
  #lease: LeaseHandle | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #onLease: (lease: LeaseHandle) => void;

  constructor(options: {
    store: Store;
    record: () => RunnerRecord;
    ttlSeconds: number;
    logger: Logger;
    onLease: (lease: LeaseHandle) => void;
  }) {
    this.#store = options.store;
    this.#record = options.record;
    this.#ttl = options.ttlSeconds;
    this.#logger = options.logger;
    this.#onLease = options.onLease;
  }

  /** The live lease, if registered. */
  get lease(): LeaseHandle | undefined {
    return this.#lease !== undefined && !this.#lease.isLost() ? this.#lease : undefined;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        const lease = await this.#store.grantLease(this.#ttl);
        if (this.#stopped) {
          await lease.revoke();
          return;
        }
        const record = this.#record();
        const key = this.#store.layout.runner(record.name);
        const previous = await this.#store.get(key, (raw) => raw as RunnerRecord);
        if (previous !== undefined && previous.lease !== lease.id) {
          this.#logger.warn(
            { previous: previous.value },
            'a record for this runner name already exists (a previous life, or another host with the same name): replacing it',
          );
        }
        await this.#store.put(key, record, { lease: lease.id });
        this.#lease = lease;
        failures = 0;
        this.#logger.info({ lease: lease.id, ttl: this.#ttl, tags: record.tags }, 'registered');
        this.#onLease(lease);
        const loss = await Promise.race([lease.lost, this.#sleepUntilWoken()]);
        if (this.#stopped) return;
        if (loss !== undefined) this.#logger.warn({ loss }, 'runner lease lost: registering again');
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 30 === 0) {
          this.#logger.warn(
            { err: (err as Error).message, failures },
            'cannot register with etcd yet: retrying',
          );
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  #sleepUntilWoken(): Promise<undefined> {
    return new Promise((resolve) => {
      this.#wake = () => resolve(undefined);
    });
  }

  /** Revokes the lease: the record and every status on it disappear at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await this.#lease?.revoke();
  }
}
