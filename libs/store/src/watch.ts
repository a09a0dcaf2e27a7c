/**
 * List-then-watch over a key prefix, as Kubernetes informers do, with our own revision
 * bookkeeping: every event is delivered once, in order, even across reconnects.
 *
 * etcd3 re-attaches watchers after a disconnect from the revision *it* recorded, which it sets
 * from response headers (the store's current revision), not from the events delivered: a
 * disconnect during a historical catch-up would skip events. We track the last delivered event
 * revision ourselves, drop anything at or below it, and set the resume point from it. When the
 * resume revision has been compacted away, etcd cancels the watch: we re-list the prefix (one
 * `onResync` with the full snapshot at revision R) and watch again from R + 1.
 */
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';

export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The JSON-decoded value (the raw text when it is not JSON); undefined for deletes. */
  readonly value: unknown;
  readonly revision: number;
  /** The lease the key is attached to (decimal id), for puts of a key on a lease. */
  readonly lease?: string;
}

export interface SnapshotEntry {
  readonly key: string;
  readonly value: unknown;
  readonly revision: number;
  /** The lease the key is attached to (decimal id), when it is on one. */
  readonly lease?: string;
}

/** etcd's lease field of a key: "0" (or nothing) means none. */
function leaseOf(kv: IKeyValue): { lease?: string } {
  const id = String(kv.lease ?? '0');
  return id === '0' ? {} : { lease: id };
}

export type WatchState = 'connected' | 'disconnected';

export interface PrefixWatchOptions {
  /**
   * Deliver events from this revision on. Without it the watch starts with a full listing
   * (`onResync`) and continues from there.
   */
  readonly fromRevision?: number;
  onEvents(events: readonly WatchEvent[]): void | Promise<void>;
  /** The whole prefix at `revision`, replacing whatever the caller knew. */
  onResync?(snapshot: readonly SnapshotEntry[], revision: number): void | Promise<void>;
  /** Called on each change of state (etcd3 reports every failed reconnect: those are folded). */
  onState?(state: WatchState, error?: Error): void;
  /** A callback threw or a re-list failed (it is retried); the watch goes on. */
  onError?(error: Error): void;
}

export interface PrefixWatch {
  /** Revision of the last event or snapshot delivered. */
  readonly lastRevision: number;
  /** Resolves once the first listing (if any) is delivered and the watch is attached. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

function decodeValue(raw: Buffer): unknown {
  const text = raw.toString();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const RETRY_MS = 500;

export function watchPrefix(etcd: Etcd3, prefix: string, options: PrefixWatchOptions): PrefixWatch {
  return new PrefixWatcher(etcd, prefix, options);
}

class PrefixWatcher implements PrefixWatch {
  readonly ready: Promise<void>;
  #etcd: Etcd3;
  #prefix: string;
  #options: PrefixWatchOptions;
  #last = 0;
  #watcher: Watcher | undefined;
  #closed = false;
  #reported: WatchState | undefined;
  /** Deliveries run one after another, in revision order. */
  #queue: Promise<void> = Promise.resolve();

  constructor(etcd: Etcd3, prefix: string, options: PrefixWatchOptions) {
    this.#etcd = etcd;
    this.#prefix = prefix;
    this.#options = options;
    this.ready = this.#start();
    this.ready.catch(() => {});
  }

  get lastRevision(): number {
    return this.#last;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const watcher = this.#watcher;
    this.#watcher = undefined;
    if (watcher !== undefined) {
      watcher.removeAllListeners();
      watcher.on('error', () => {});
      await watcher.cancel().catch(() => {});
    }
    await this.#queue;
  }

  async #start(): Promise<void> {
    if (this.#options.fromRevision === undefined) await this.#resync();
    else this.#last = this.#options.fromRevision - 1;
    await this.#attach();
  }

  async #resync(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      try {
        const res = await this.#etcd.getAll().prefix(this.#prefix).sort('Key', 'Ascend').exec();
        const revision = Number(res.header.revision);
        const snapshot = res.kvs.map((kv: IKeyValue) => ({
          key: kv.key.toString(),
          value: decodeValue(kv.value),
          revision: Number(kv.mod_revision),
          ...leaseOf(kv),
        }));
        this.#last = revision;
        await this.#deliver(() => this.#options.onResync?.(snapshot, revision));
        return;
      } catch (err) {
        this.#options.onError?.(err instanceof Error ? err : new Error(String(err)));
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  #attach(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const watcher = this.#etcd
      .watch()
      .prefix(this.#prefix)
      .startRevision(String(this.#last + 1))
      .watcher();
    this.#watcher = watcher;
    const resumeFromOurs = () => {
      // Runs after etcd3's own handler, which set the resume point from the response header.
      watcher.request.start_revision = String(this.#last + 1);
    };
    return new Promise<void>((resolve) => {
      watcher.on('connected', () => {
        resumeFromOurs();
        this.#state('connected');
        resolve();
      });
      watcher.on('disconnected', (err: Error) => this.#state('disconnected', err));
      watcher.on('data', (res) => {
        const events: WatchEvent[] = [];
        // A transaction's events share one revision and arrive in one response: skip only what
        // an earlier response (or the listing) already covered.
        const floor = this.#last;
        for (const event of res.events) {
          const revision = Number(event.kv.mod_revision);
          if (revision <= floor) continue;
          this.#last = Math.max(this.#last, revision);
          events.push({
            type: event.type === 'Delete' ? 'delete' : 'put',
            key: event.kv.key.toString(),
            value: event.type === 'Delete' ? undefined : decodeValue(event.kv.value),
            revision,
            ...(event.type === 'Delete' ? {} : leaseOf(event.kv)),
          });
        }
        resumeFromOurs();
        if (events.length > 0) void this.#deliver(() => this.#options.onEvents(events));
      });
      watcher.on('error', () => {
        // etcd cancelled the watch, typically because our resume revision was compacted.
        watcher.removeAllListeners();
        watcher.on('error', () => {});
        if (this.#watcher === watcher) this.#watcher = undefined;
        void this.#recover();
        resolve();
      });
    });
  }

  async #recover(): Promise<void> {
    await this.#queue;
    await this.#resync();
    await this.#attach();
  }

  #state(state: WatchState, err?: Error): void {
    if (state === this.#reported) return;
    this.#reported = state;
    this.#options.onState?.(state, err);
  }

  #deliver(fn: () => void | Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      try {
        await fn();
      } catch (err) {
        this.#options.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    });
    return this.#queue;
  }
}
