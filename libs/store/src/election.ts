/**
 * Leader election in the manner of etcd's `concurrency.Election`: each candidate puts
 * `election/<name>/<lease id>` on its own lease; the candidate whose key has the lowest create
 * revision leads; the others each wait for the deletion of the key just before theirs (no herd).
 *
 * Every write the leader makes goes through `fencedTxn`: a transaction that succeeds only while
 * the leader's key still exists with its create revision. A deposed leader (lease expired, key
 * deleted, a new candidate leading) gets `NotLeaderError` and nothing is written.
 */

import { sleep } from '@drover/timers';
import type { Etcd3 } from 'etcd3';
import { toStoreError } from './client.js';
import { NotLeaderError, StoreError } from './errors.js';
import { grantLease, type LeaseHandle, type LeaseLoss } from './lease.js';

export interface CampaignOptions {
  /** Election name, e.g. `controller`. */
  readonly name: string;
  /** Who this candidate is (stored as the key's value, e.g. `{ id, api }`). */
  readonly value: unknown;
  readonly ttlSeconds: number;
  /** Abort to stop campaigning; the candidate's key is removed. */
  readonly signal?: AbortSignal;
}

export interface FencedOps {
  readonly put?: readonly { readonly key: string; readonly value: unknown; readonly lease?: string }[];
  readonly delete?: readonly string[];
  readonly deletePrefix?: readonly string[];
}

export interface Leadership {
  readonly key: string;
  readonly createRevision: number;
  readonly leaseId: string;
  /** Resolves when leadership ends: lease lost or revoked (`resign()`), or the key deleted. */
  readonly lost: Promise<LeaseLoss | { reason: 'key-deleted'; at: number }>;
  isLeader(): boolean;
  /** Writes only while still the leader; otherwise throws NotLeaderError and writes nothing. */
  fencedTxn(ops: FencedOps): Promise<number>;
  resign(): Promise<void>;
}

interface Candidate {
  key: string;
  createRevision: number;
}

async function candidates(etcd: Etcd3, prefix: string): Promise<{ list: Candidate[]; revision: number }> {
  const res = await etcd.getAll().prefix(prefix).exec();
  return {
    list: res.kvs
      .map((kv) => ({ key: kv.key.toString(), createRevision: Number(kv.create_revision) }))
      .sort((a, b) => a.createRevision - b.createRevision),
    revision: Number(res.header.revision),
  };
}

const RECHECK_MS = 500;

/**
 * Resolves when `key` is deleted, or replaced by a key of another create revision, watching
 * from `fromRevision`. A watch error (etcd cancelled the watch: a compaction of the revision it
 * resumed from after a reconnect, or another transient failure) is no deletion: the key is read
 * again and, while it is still there (and still `createRevision`, when given), watched again
 * from the revision read. Rejects only when `signal` aborts.
 */
export async function watchUntilGone(
  etcd: Etcd3,
  key: string,
  fromRevision: number,
  signal: AbortSignal,
  options: { readonly createRevision?: number; readonly onError?: (err: Error) => void } = {},
): Promise<void> {
  let from = fromRevision;
  for (;;) {
    signal.throwIfAborted();
    const error = await watchOnce(etcd, key, from, signal);
    if (error === undefined) return;
    options.onError?.(error);
    for (;;) {
      signal.throwIfAborted();
      try {
        const res = await etcd.get(key).exec();
        const kv = res.kvs[0];
        const created = kv === undefined ? undefined : Number(kv.create_revision);
        if (created === undefined) return;
        if (options.createRevision !== undefined && created !== options.createRevision) return;
        from = Number(res.header.revision) + 1;
        break;
      } catch (err) {
        // etcd unreachable: keep asking; meanwhile the lease alone decides whether we still lead.
        options.onError?.(err instanceof Error ? err : new Error(String(err)));
        await sleep(RECHECK_MS, { signal });
      }
    }
  }
}

/** One watch: undefined once `key` is deleted, the error when etcd ends the watch. */
async function watchOnce(
  etcd: Etcd3,
  key: string,
  from: number,
  signal: AbortSignal,
): Promise<Error | undefined> {
  const watcher = etcd.watch().key(key).startRevision(String(from)).watcher();
  let cancelled = false;
  try {
    return await new Promise<Error | undefined>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      watcher.on('delete', () => resolve(undefined));
      watcher.on('error', (err: Error) => {
        // etcd ended this watch itself: cancelling it again would wait forever.
        cancelled = true;
        resolve(err instanceof Error ? err : new Error(String(err)));
      });
    });
  } finally {
    watcher.removeAllListeners();
    watcher.on('error', () => {});
    if (!cancelled) await watcher.cancel().catch(() => {});
  }
}

/** Blocks until this candidate leads, then returns its leadership. */
export async function campaign(
  etcd: Etcd3,
  electionPrefix: string,
  options: CampaignOptions,
): Promise<Leadership> {
  const lease = await grantLease(etcd, options.ttlSeconds);
  const key = `${electionPrefix}${BigInt(lease.id).toString(16)}`;
  const abort = new AbortController();
  const onLost = () =>
    abort.abort(new StoreError('LEASE_LOST', `lease of election key ${key} lost while campaigning`));
  void lease.lost.then(onLost);
  const external = options.signal;
  const onExternal = () => abort.abort(external?.reason ?? new Error('campaign aborted'));
  external?.addEventListener('abort', onExternal, { once: true });

  try {
    const created = await etcd
      .if(key, 'Create', '==', 0)
      .then(etcd.put(key).value(JSON.stringify(options.value)).lease(lease.id))
      .commit();
    const createRevision = Number(created.header.revision);
    for (;;) {
      abort.signal.throwIfAborted();
      const { list, revision } = await candidates(etcd, electionPrefix);
      const mine = list.find((c) => c.key === key);
      if (mine === undefined) {
        throw new StoreError('LEASE_LOST', `election key ${key} disappeared while campaigning`, { key });
      }
      const ahead = list.filter((c) => c.createRevision < mine.createRevision);
      const predecessor = ahead[ahead.length - 1];
      if (predecessor === undefined) return new Lead(etcd, key, createRevision, lease);
      await watchUntilGone(etcd, predecessor.key, revision + 1, abort.signal, {
        createRevision: predecessor.createRevision,
      });
    }
  } catch (err) {
    await lease.revoke();
    throw err instanceof StoreError || abort.signal.aborted ? err : toStoreError(err, key);
  } finally {
    external?.removeEventListener('abort', onExternal);
  }
}

class Lead implements Leadership {
  readonly key: string;
  readonly createRevision: number;
  readonly leaseId: string;
  readonly lost: Promise<LeaseLoss | { reason: 'key-deleted'; at: number }>;
  #etcd: Etcd3;
  #lease: LeaseHandle;
  #leading = true;
  #stopWatch = new AbortController();

  constructor(etcd: Etcd3, key: string, createRevision: number, lease: LeaseHandle) {
    this.#etcd = etcd;
    this.key = key;
    this.createRevision = createRevision;
    this.leaseId = lease.id;
    this.#lease = lease;
    // Only the key's deletion (or the lease) ends leadership: a watch error is retried.
    const deleted = watchUntilGone(etcd, key, createRevision + 1, this.#stopWatch.signal, {
      createRevision,
    }).then(
      () => ({ reason: 'key-deleted' as const, at: Date.now() }),
      () => new Promise<never>(() => {}),
    );
    this.lost = Promise.race([lease.lost, deleted]).then((why) => {
      this.#leading = false;
      this.#stopWatch.abort();
      return why;
    });
  }

  isLeader(): boolean {
    return this.#leading && !this.#lease.isLost();
  }

  async fencedTxn(ops: FencedOps): Promise<number> {
    if (!this.isLeader()) throw new NotLeaderError(this.key);
    const writes = [
      ...(ops.put ?? []).map((p) => {
        const put = this.#etcd.put(p.key).value(JSON.stringify(p.value));
        return p.lease === undefined ? put : put.lease(p.lease);
      }),
      ...(ops.delete ?? []).map((k) => this.#etcd.delete().key(k)),
      ...(ops.deletePrefix ?? []).map((k) => this.#etcd.delete().prefix(k)),
    ];
    const res = await this.#etcd
      .if(this.key, 'Create', '==', this.createRevision)
      .then(...writes)
      .commit()
      .catch((err: unknown) => {
        throw toStoreError(err, this.key);
      });
    if (!res.succeeded) {
      this.#leading = false;
      throw new NotLeaderError(this.key);
    }
    return Number(res.header.revision);
  }

  async resign(): Promise<void> {
    this.#leading = false;
    this.#stopWatch.abort();
    await this.#lease.revoke();
  }
}

/** The current leader's value and key for election prefix, or undefined when there is none. */
export async function currentLeader(
  etcd: Etcd3,
  electionPrefix: string,
): Promise<{ key: string; value: unknown } | undefined> {
  const res = await etcd
    .getAll()
    .prefix(electionPrefix)
    .sort('Create', 'Ascend')
    .limit(1)
    .exec()
    .catch((err: unknown) => {
      throw toStoreError(err, electionPrefix);
    });
  const kv = res.kvs[0];
  if (kv === undefined) return undefined;
  const text = kv.value.toString();
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // keep the raw text
  }
  return { key: kv.key.toString(), value };
}
