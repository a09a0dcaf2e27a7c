import type { Etcd3 } from 'etcd3';
import {
  createEtcd,
  type Decode,
  decodeKeyValue,
  type KeyValue,
  type PutOptions,
  type StoreOptions,
  toStoreError,
} from './client.js';
import { type CampaignOptions, campaign, currentLeader, type Leadership } from './election.js';
import { KeyLayout } from './keys.js';
import { grantLease, type LeaseHandle } from './lease.js';
import { type PrefixWatch, type PrefixWatchOptions, watchPrefix } from './watch.js';

/** A lease as etcd sees it (see Store.leaseTimeToLive). */
export interface LeaseTimeToLive {
  /** Seconds before etcd expires the lease, truncated. */
  readonly remainingSeconds: number;
  /** The TTL the lease was granted, in seconds. */
  readonly grantedSeconds: number;
}

/** Key-value operations. Keys are full keys; `layout` builds them under the store's prefix. */
export class Store {
  readonly layout: KeyLayout;
  readonly #etcd: Etcd3;

  private constructor(etcd: Etcd3, prefix?: string) {
    this.#etcd = etcd;
    this.layout = new KeyLayout(prefix);
  }

  /** Creates the client; the connection itself is lazy (see `currentRevision` to probe it). */
  static connect(options: StoreOptions): Store {
    return new Store(createEtcd(options), options.prefix);
  }

  grantLease(ttlSeconds: number): Promise<LeaseHandle> {
    return grantLease(this.#etcd, ttlSeconds);
  }

  /** Revokes any lease by id (operators' and tests' tool; owners use their handle's revoke). */
  async revokeLease(id: string): Promise<void> {
    await this.#etcd.leaseClient.leaseRevoke({ ID: id }).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }

  /**
   * etcd's view of a lease (LeaseTimeToLive): the seconds left before it expires and the TTL it
   * was granted; undefined when it expired or never existed. etcd resets the seconds left to the
   * granted TTL at each keepalive it receives, so `grantedSeconds - remainingSeconds` is the time
   * since the holder's last keepalive, to the second (etcd truncates the seconds left).
   */
  async leaseTimeToLive(id: string): Promise<LeaseTimeToLive | undefined> {
    const res = await this.#etcd.leaseClient
      .leaseTimeToLive({ ID: id, keys: false })
      .catch((err: unknown) => {
        throw toStoreError(err);
      });
    const remainingSeconds = Number(res.TTL);
    if (remainingSeconds < 0) return undefined;
    return { remainingSeconds, grantedSeconds: Number(res.grantedTTL) };
  }

  /** Blocks until this candidate leads the election `name` (see election.ts). */
  campaign(options: CampaignOptions): Promise<Leadership> {
    return campaign(this.#etcd, this.layout.election(options.name), options);
  }

  leader(name: string): Promise<{ key: string; value: unknown } | undefined> {
    return currentLeader(this.#etcd, this.layout.election(name));
  }

  watchPrefix(prefix: string, options: PrefixWatchOptions): PrefixWatch {
    return watchPrefix(this.#etcd, prefix, options);
  }

  close(): void {
    this.#etcd.close();
  }

  async get<T>(key: string, decode: Decode<T>): Promise<KeyValue<T> | undefined> {
    const res = await this.#etcd
      .get(key)
      .exec()
      .catch((err: unknown) => {
        throw toStoreError(err, key);
      });
    const kv = res.kvs[0];
    return kv === undefined ? undefined : decodeKeyValue(kv, decode);
  }

  /** Every key under `prefix`, sorted by key, with the store revision they were read at. */
  async list<T>(prefix: string, decode: Decode<T>): Promise<{ items: KeyValue<T>[]; revision: number }> {
    const res = await this.#etcd
      .getAll()
      .prefix(prefix)
      .sort('Key', 'Ascend')
      .exec()
      .catch((err: unknown) => {
        throw toStoreError(err, prefix);
      });
    return { items: res.kvs.map((kv) => decodeKeyValue(kv, decode)), revision: Number(res.header.revision) };
  }

  /**
   * Keys in `[from, to)`, sorted by key (descending with `descend`), at most `limit` of them;
   * `more` when the range holds more than were returned.
   */
  async listRange<T>(
    range: { readonly from: string; readonly to: string },
    decode: Decode<T>,
    options: { readonly limit?: number; readonly descend?: boolean } = {},
  ): Promise<{ items: KeyValue<T>[]; revision: number; more: boolean }> {
    let query = this.#etcd
      .getAll()
      .inRange({ start: range.from, end: range.to })
      .sort('Key', options.descend === true ? 'Descend' : 'Ascend');
    if (options.limit !== undefined) query = query.limit(options.limit);
    const res = await query.exec().catch((err: unknown) => {
      throw toStoreError(err, range.from);
    });
    return {
      items: res.kvs.map((kv) => decodeKeyValue(kv, decode)),
      revision: Number(res.header.revision),
      more: res.more,
    };
  }

  /** How many keys `[from, to)` holds. */
  async countRange(range: { readonly from: string; readonly to: string }): Promise<number> {
    return this.#etcd
      .getAll()
      .inRange({ start: range.from, end: range.to })
      .count()
      .catch((err: unknown) => {
        throw toStoreError(err, range.from);
      });
  }

  /** The first `limit` keys of `[from, to)`, sorted (keys only: no values are read). */
  async keysInRange(range: { readonly from: string; readonly to: string }, limit: number): Promise<string[]> {
    return this.#etcd
      .getAll()
      .inRange({ start: range.from, end: range.to })
      .sort('Key', 'Ascend')
      .limit(limit)
      .keys()
      .catch((err: unknown) => {
        throw toStoreError(err, range.from);
      });
  }

  /** Deletes every key in `[from, to)`: how many there were. */
  async deleteRange(range: { readonly from: string; readonly to: string }): Promise<number> {
    const res = await this.#etcd
      .delete()
      .inRange({ start: range.from, end: range.to })
      .exec()
      .catch((err: unknown) => {
        throw toStoreError(err, range.from);
      });
    return Number(res.deleted);
  }

  async put(key: string, value: unknown, options: PutOptions = {}): Promise<number> {
    let put = this.#etcd.put(key).value(JSON.stringify(value));
    if (options.lease !== undefined) put = put.lease(options.lease);
    const res = await put.exec().catch((err: unknown) => {
      throw toStoreError(err, key);
    });
    return Number(res.header.revision);
  }

  async delete(key: string): Promise<number> {
    const res = await this.#etcd
      .delete()
      .key(key)
      .exec()
      .catch((err: unknown) => {
        throw toStoreError(err, key);
      });
    return Number(res.header.revision);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const res = await this.#etcd
      .delete()
      .prefix(prefix)
      .exec()
      .catch((err: unknown) => {
        throw toStoreError(err, prefix);
      });
    return Number(res.header.revision);
  }

  /**
   * Deletes `key` only while it is attached to `lease` (a runner removing its own status, never one
   * another runner wrote since); false when the key is absent or someone else's.
   */
  async deleteIfLease(key: string, lease: string): Promise<boolean> {
    const res = await this.#etcd
      .if(key, 'Lease', '==', lease)
      .then(this.#etcd.delete().key(key))
      .commit()
      .catch((err: unknown) => {
        throw toStoreError(err, key);
      });
    return res.succeeded;
  }

  /** Creates `key` only if it does not exist: the revision written, or 0 when it already did. */
  async putIfAbsent(key: string, value: unknown, options: PutOptions = {}): Promise<number> {
    let put = this.#etcd.put(key).value(JSON.stringify(value));
    if (options.lease !== undefined) put = put.lease(options.lease);
    const res = await this.#etcd
      .if(key, 'Create', '==', 0)
      .then(put)
      .commit()
      .catch((err: unknown) => {
        throw toStoreError(err, key);
      });
    return res.succeeded ? Number(res.header.revision) : 0;
  }

  /**
   * Replaces `key` only if its last modification is still `revision` (optimistic concurrency):
   * the revision written, or 0 when the key changed meanwhile.
   */
  async putIfRevision(key: string, value: unknown, revision: number): Promise<number> {
    const res = await this.#etcd
      .if(key, 'Mod', '==', revision)
      .then(this.#etcd.put(key).value(JSON.stringify(value)))
      .commit()
      .catch((err: unknown) => {
        throw toStoreError(err, key);
      });
    return res.succeeded ? Number(res.header.revision) : 0;
  }

  async currentRevision(): Promise<number> {
    const res = await this.#etcd
      .get(this.layout.root)
      .exec()
      .catch((err: unknown) => {
        throw toStoreError(err);
      });
    return Number(res.header.revision);
  }

  /** Compacts the store's history up to `revision` (tests and maintenance). */
  async compact(revision: number): Promise<void> {
    await this.#etcd.kv.compact({ revision: String(revision), physical: true }).catch((err: unknown) => {
      throw toStoreError(err);
    });
  }
}

export function connectStore(options: StoreOptions): Store {
  return Store.connect(options);
}
