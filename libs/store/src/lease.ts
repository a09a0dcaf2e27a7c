/**
 * Leases with our own keepalive and loss detection.
 *
 * etcd extends a lease to (time it receives a keepalive) + TTL. We keep a deadline of
 * (time we *sent* the last successful keepalive) + the TTL etcd answered, which is never later
 * than etcd's own expiry, and declare the lease lost the moment that deadline passes without a
 * renewal, or at once when etcd says the lease is gone. etcd3's own `lost` event only fires once
 * a keepalive round trip fails, which can be up to about 2×TTL after the last renewal.
 * Keepalives go out every TTL/3. A lost lease is never resurrected: callers grant a new one.
 */

import { setLongTimeout, type Timer } from '@drover/timers';
import { type Etcd3, EtcdLeaseInvalidError } from 'etcd3';
import { toStoreError } from './client.js';

export type LeaseLossReason = 'expired' | 'deadline' | 'revoked';

export interface LeaseLoss {
  readonly reason: LeaseLossReason;
  /** When the loss was detected (ms since epoch). */
  readonly at: number;
  /** The last moment the lease was known to be alive (ms since epoch). */
  readonly deadline: number;
}

export interface LeaseHandle {
  /** Lease id as a decimal string (attach keys with `{ lease: id }`). */
  readonly id: string;
  readonly ttlSeconds: number;
  /** Resolves once, when the lease is lost or revoked. */
  readonly lost: Promise<LeaseLoss>;
  isLost(): boolean;
  /** Ends the lease now; its keys disappear. Safe to call twice. */
  revoke(): Promise<void>;
}

export async function grantLease(etcd: Etcd3, ttlSeconds: number): Promise<LeaseHandle> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`lease TTL must be an integer >= 1 second, got ${ttlSeconds}`);
  }
  const sent = Date.now();
  const lease = etcd.lease(ttlSeconds, { autoKeepAlive: false });
  // etcd3 emits 'lost' itself on some failures; we decide loss on our own, but an EventEmitter
  // with no listener for an event is harmless, so nothing to silence here.
  const id = await lease.grant().catch((err: unknown) => {
    throw toStoreError(err);
  });
  return new KeptLease(id, ttlSeconds, sent + ttlSeconds * 1000, lease);
}

export interface Keepable {
  keepaliveOnce(options: { deadline: number }): Promise<{ TTL: string }>;
  revoke(): Promise<void>;
}

/** Exported for its unit tests (a fake Keepable and a fake clock); callers use grantLease. */
export class KeptLease implements LeaseHandle {
  readonly id: string;
  readonly ttlSeconds: number;
  readonly lost: Promise<LeaseLoss>;
  #resolveLost!: (loss: LeaseLoss) => void;
  #lease: Keepable;
  #deadline: number;
  #loss: LeaseLoss | undefined;
  #tick: Timer | undefined;
  #expiry: Timer | undefined;

  constructor(id: string, ttlSeconds: number, deadline: number, lease: Keepable) {
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.#lease = lease;
    this.#deadline = deadline;
    this.lost = new Promise((resolve) => {
      this.#resolveLost = resolve;
    });
    this.#armExpiry();
    this.#schedule();
  }

  isLost(): boolean {
    return this.#loss !== undefined;
  }

  async revoke(): Promise<void> {
    if (this.#loss !== undefined) return;
    this.#declare('revoked');
    await this.#lease.revoke().catch(() => {
      // Unreachable etcd: the lease expires by itself within its TTL.
    });
  }

  #interval(): number {
    return Math.max(200, Math.floor((this.ttlSeconds * 1000) / 3));
  }

  #schedule(): void {
    this.#tick = setLongTimeout(() => void this.#keepalive(), this.#interval()).unref();
  }

  async #keepalive(): Promise<void> {
    if (this.#loss !== undefined) return;
    const sent = Date.now();
    try {
      const res = await this.#lease.keepaliveOnce({ deadline: sent + this.#interval() });
      if (this.#loss !== undefined) return;
      const ttl = Number(res.TTL);
      if (ttl <= 0) return this.#declare('expired');
      this.#deadline = Math.max(this.#deadline, sent + ttl * 1000);
      this.#armExpiry();
    } catch (err) {
      if (err instanceof EtcdLeaseInvalidError) return this.#declare('expired');
      // Unreachable etcd: keep trying until the deadline says otherwise.
    }
    if (this.#loss === undefined) this.#schedule();
  }

  #armExpiry(): void {
    this.#expiry?.clear();
    const wait = Math.max(0, this.#deadline - Date.now());
    this.#expiry = setLongTimeout(() => {
      if (Date.now() >= this.#deadline) this.#declare('deadline');
      else this.#armExpiry();
    }, wait).unref();
  }

  #declare(reason: LeaseLossReason): void {
    if (this.#loss !== undefined) return;
    this.#tick?.clear();
    this.#expiry?.clear();
    this.#loss = { reason, at: Date.now(), deadline: this.#deadline };
    this.#resolveLost(this.#loss);
  }
}
