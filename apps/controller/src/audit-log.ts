/**
 * The audit log in etcd: one key per entry, `audit/<ISO time>-<random>` (libs/store keys.ts), so
 * keys sort by time and "since T" is a key range. Any controller appends (the one that answered
 * the request); the leader purges (`AuditRetention`): entries older than the retention, then the
 * oldest past `maxEntries`, at election and every PURGE_EVERY_MS (sooner for a short retention).
 */
import { randomBytes } from 'node:crypto';
import { type AuditEntry, auditEntrySchema, decoder } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { Store } from '@drover/store';
import { setLongInterval, type Timer } from '@drover/timers';
import type { AuditLog } from './api/ports.js';

export interface AuditSettings {
  /** Entries older than this (ms) are purged. */
  readonly retentionMs: number;
  /** At most this many entries are kept (the oldest are purged first). */
  readonly maxEntries: number;
}

/** How often the leader purges, at most (a retention shorter than 4 h purges every quarter of it). */
export const PURGE_EVERY_MS = 3_600_000;
const MIN_PURGE_EVERY_MS = 1000;

/** The first key after every key starting with `prefix` (etcd's range end of a prefix). */
function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}${String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)}`;
}

export class EtcdAuditLog implements AuditLog {
  readonly #store: Store;
  readonly #settings: AuditSettings;

  constructor(store: Store, settings: AuditSettings) {
    this.#store = store;
    this.#settings = settings;
  }

  async append(entry: AuditEntry): Promise<void> {
    const key = this.#store.layout.audit(new Date(entry.time), randomBytes(4).toString('hex'));
    await this.#store.put(key, entry);
  }

  async list(query: { since: Date; limit: number }): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
    const layout = this.#store.layout;
    const { items, more } = await this.#store.listRange(
      { from: layout.auditFrom(query.since), to: prefixEnd(layout.audits()) },
      decoder(auditEntrySchema),
      { limit: query.limit, descend: true },
    );
    return { entries: items.map((i) => i.value).reverse(), truncated: more };
  }

  /**
   * Deletes the entries written before `now - retention`, then the oldest past `maxEntries`:
   * how many of each.
   */
  async purge(now: Date): Promise<{ expired: number; overCap: number }> {
    const layout = this.#store.layout;
    const all = { from: layout.audits(), to: prefixEnd(layout.audits()) };
    const cutoff = new Date(now.getTime() - this.#settings.retentionMs);
    const expired = await this.#store.deleteRange({ from: all.from, to: layout.auditFrom(cutoff) });
    const count = await this.#store.countRange(all);
    let overCap = 0;
    if (count > this.#settings.maxEntries) {
      const oldest = await this.#store.keysInRange(all, count - this.#settings.maxEntries);
      const last = oldest.at(-1);
      // `last` itself included: the range ends just after it.
      if (last !== undefined) overCap = await this.#store.deleteRange({ from: all.from, to: `${last}\0` });
    }
    return { expired, overCap };
  }
}

/** The leader's purge loop: now, then periodically, until `stop()`. */
export class AuditRetention {
  readonly #log: EtcdAuditLog;
  readonly #logger: Logger;
  readonly #timer: Timer;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    log: EtcdAuditLog,
    settings: AuditSettings,
    logger: Logger,
    now: () => Date = () => new Date(),
  ) {
    this.#log = log;
    this.#logger = logger;
    const every = Math.max(MIN_PURGE_EVERY_MS, Math.min(PURGE_EVERY_MS, settings.retentionMs / 4));
    const run = () => {
      if (this.#stopped || this.#running !== undefined) return;
      this.#running = this.#log
        .purge(now())
        .then(({ expired, overCap }) => {
          if (expired > 0 || overCap > 0) {
            this.#logger.info({ expired, overCap }, 'audit: purged entries past the retention');
          }
          if (overCap > 0) {
            this.#logger.warn(
              { overCap, maxEntries: settings.maxEntries },
              'audit: entries younger than the retention purged to stay under audit.max_entries',
            );
          }
        })
        .catch((err: unknown) =>
          this.#logger.warn({ err }, 'audit: purge failed; retrying at the next period'),
        )
        .finally(() => {
          this.#running = undefined;
        });
    };
    this.#timer = setLongInterval(run, every);
    this.#timer.unref();
    run();
  }

  /** Stops the loop; resolves once a purge under way is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer.clear();
    await this.#running;
  }
}
