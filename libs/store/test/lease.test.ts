import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '@drover/dev-services';
import { describe, expect, it } from 'vitest';
import { asUnknown, freshPrefix, sleep, storeAt } from './helpers.js';

const TTL = 2;

describe('leases (real etcd)', () => {
  it('keeps a lease alive well past its TTL, with its key', async () => {
    const store = storeAt(freshPrefix());
    try {
      const lease = await store.grantLease(TTL);
      const key = store.layout.runner('front1');
      await store.put(key, { name: 'front1' }, { lease: lease.id });
      await sleep(TTL * 1000 * 2);
      expect(lease.isLost()).toBe(false);
      expect((await store.get(key, asUnknown))?.lease).toBe(lease.id);
      await lease.revoke();
      expect(await store.get(key, asUnknown)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it("reads etcd's view of a lease: seconds left since the last keepalive, nothing once revoked", async () => {
    const store = storeAt(freshPrefix());
    try {
      const lease = await store.grantLease(5);
      const fresh = await store.leaseTimeToLive(lease.id);
      expect(fresh?.grantedSeconds).toBe(5);
      // Keepalives go out every TTL/3 (1.7 s): 4 s in, etcd has had one in the last 2 s, where a
      // lease nobody renewed would have 1 s left.
      await sleep(4000);
      const later = await store.leaseTimeToLive(lease.id);
      expect(later?.grantedSeconds).toBe(5);
      expect(later?.remainingSeconds).toBeGreaterThanOrEqual(2);
      expect(later?.remainingSeconds).toBeLessThanOrEqual(5);
      await lease.revoke();
      expect(await store.leaseTimeToLive(lease.id)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('deletes a key only while it is on the given lease (deleteIfLease)', async () => {
    const store = storeAt(freshPrefix());
    try {
      const mine = await store.grantLease(TTL);
      const theirs = await store.grantLease(TTL);
      const key = store.layout.status({ tenant: 't', channel: 'c', app: 'a', index: 0 });
      await store.put(key, { runner: 'front2' }, { lease: theirs.id });
      expect(await store.deleteIfLease(key, mine.id)).toBe(false);
      expect((await store.get(key, asUnknown))?.value).toEqual({ runner: 'front2' });
      expect(await store.deleteIfLease(key, theirs.id)).toBe(true);
      expect(await store.get(key, asUnknown)).toBeUndefined();
      expect(await store.deleteIfLease(key, theirs.id)).toBe(false);
      await Promise.all([mine.revoke(), theirs.revoke()]);
    } finally {
      store.close();
    }
  });

  it('detects a lease revoked by someone else within its TTL', async () => {
    const store = storeAt(freshPrefix());
    try {
      const lease = await store.grantLease(TTL);
      const revokedAt = Date.now();
      await store.revokeLease(lease.id);
      const loss = await lease.lost;
      expect(loss.reason).toBe('expired');
      // Seen through a renewal etcd refused, before the lease would have run out by itself.
      expect(loss.at).toBeGreaterThanOrEqual(revokedAt);
      expect(loss.at).toBeLessThan(loss.deadline);
    } finally {
      store.close();
    }
  });

  it('declares the lease lost by its deadline when etcd is unreachable, within the TTL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drover-store-lease-'));
    const etcd = await startEtcd({ dataDir });
    const store = storeAt(freshPrefix(), etcd.endpoints);
    try {
      const lease = await store.grantLease(TTL);
      await sleep(1000); // a few keepalives go through
      const stoppedAt = Date.now();
      await etcd.stop();
      const loss = await lease.lost;
      expect(loss.reason).toBe('deadline');
      // The last renewal was sent before etcd stopped, so the deadline is at most stop + TTL...
      expect(loss.deadline).toBeLessThanOrEqual(stoppedAt + TTL * 1000);
      // ...and the loss is declared at the deadline, never before (the exact instant is in
      // src/lease.test.ts, on a fake clock).
      expect(loss.at).toBeGreaterThanOrEqual(loss.deadline);
    } finally {
      store.close();
      await etcd.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
