import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '@drover/dev-services';
import { describe, expect, it } from 'vitest';
import type { SnapshotEntry, Store, WatchEvent, WatchState } from '../src/index.js';
import { eventually, freshPrefix, sleep, storeAt } from './helpers.js';

/** Put with retries: right after an etcd restart the first calls may fail while it comes up. */
async function putEventually(store: Store, key: string, value: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.put(key, value);
      return;
    } catch (err) {
      if (attempt > 100) throw err;
      await sleep(100);
    }
  }
}

describe('watches (real etcd)', () => {
  it('starts with a listing, then delivers puts and deletes in order', async () => {
    const store = storeAt(freshPrefix());
    const base = `${store.layout.root}runners/`;
    await store.put(`${base}a`, { n: 1 });
    const resyncs: SnapshotEntry[][] = [];
    const events: WatchEvent[] = [];
    const watch = store.watchPrefix(base, {
      onResync: (snapshot) => void resyncs.push([...snapshot]),
      onEvents: (batch) => void events.push(...batch),
    });
    try {
      await watch.ready;
      expect(resyncs).toHaveLength(1);
      expect(resyncs[0]?.map((e) => [e.key, e.value])).toEqual([[`${base}a`, { n: 1 }]]);
      await store.put(`${base}b`, { n: 2 });
      await store.delete(`${base}a`);
      await eventually(() => events.length === 2);
      expect(events.map((e) => [e.type, e.key, e.value])).toEqual([
        ['put', `${base}b`, { n: 2 }],
        ['delete', `${base}a`, undefined],
      ]);
      expect(watch.lastRevision).toBe(events[1]?.revision);
    } finally {
      await watch.close();
      store.close();
    }
  });

  it('says which lease a key is on, in the listing and in events', async () => {
    const store = storeAt(freshPrefix());
    const base = `${store.layout.root}runners/`;
    const first = await store.grantLease(5);
    await store.put(`${base}a`, { n: 1 }, { lease: first.id });
    await store.put(`${base}plain`, { n: 0 });
    const resyncs: SnapshotEntry[][] = [];
    const events: WatchEvent[] = [];
    const watch = store.watchPrefix(base, {
      onResync: (snapshot) => void resyncs.push([...snapshot]),
      onEvents: (batch) => void events.push(...batch),
    });
    const second = await store.grantLease(5);
    try {
      await watch.ready;
      expect(resyncs[0]?.map((e) => [e.key, e.lease])).toEqual([
        [`${base}a`, first.id],
        [`${base}plain`, undefined],
      ]);
      await store.put(`${base}b`, { n: 2 }, { lease: second.id });
      await eventually(() => events.length === 1);
      expect(events[0]?.lease).toBe(second.id);
    } finally {
      await watch.close();
      await Promise.all([first.revoke(), second.revoke()]);
      store.close();
    }
  });

  it('delivers every event of a transaction (they share one revision)', async () => {
    const store = storeAt(freshPrefix());
    const base = `${store.layout.root}resources/`;
    const events: WatchEvent[] = [];
    const watch = store.watchPrefix(base, { onEvents: (batch) => void events.push(...batch) });
    try {
      await watch.ready;
      const leader = await store.campaign({ name: 'txn-test', value: 'me', ttlSeconds: 5 });
      const keys = ['a', 'b', 'c', 'd', 'e'].map((k) => `${base}${k}`);
      const revision = await leader.fencedTxn({ put: keys.map((key) => ({ key, value: key })) });
      await eventually(() => events.length === keys.length);
      expect(events.map((e) => [e.key, e.revision])).toEqual(keys.map((k) => [k, revision]));
      await sleep(100);
      expect(events).toHaveLength(keys.length);
      await leader.resign();
    } finally {
      await watch.close();
      store.close();
    }
  });

  it('resumes after an etcd restart without missing or repeating an event', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drover-store-watch-'));
    let etcd = await startEtcd({ dataDir });
    const store = storeAt(freshPrefix(), etcd.endpoints);
    const base = `${store.layout.root}status/`;
    const events: WatchEvent[] = [];
    const states: WatchState[] = [];
    const watch = store.watchPrefix(base, {
      onEvents: (batch) => void events.push(...batch),
      onState: (state) => void states.push(state),
    });
    try {
      await watch.ready;
      for (let i = 0; i < 5; i++) await store.put(`${base}k${i}`, i);
      await eventually(() => events.length === 5);

      await etcd.stop();
      etcd = await startEtcd({ dataDir, clientPort: etcd.clientPort, peerPort: etcd.peerPort });
      // Written by another client while ours may still be reconnecting.
      const writer = storeAt(store.layout.root, etcd.endpoints);
      for (let i = 5; i < 10; i++) await putEventually(writer, `${base}k${i}`, i);
      writer.close();

      await eventually(() => events.length >= 10);
      await sleep(500); // anything repeated would arrive now
      expect(events.map((e) => e.key)).toEqual(Array.from({ length: 10 }, (_, i) => `${base}k${i}`));
      const revisions = events.map((e) => e.revision);
      expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
      expect(new Set(revisions).size).toBe(10);
      expect(states).toContain('disconnected');
      // Each change of state once, however many reconnect attempts it took.
      expect(states.every((state, i) => i === 0 || state !== states[i - 1])).toBe(true);
      expect(states.at(-1)).toBe('connected');
    } finally {
      await watch.close();
      store.close();
      await etcd.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('re-lists and re-watches when its resume revision was compacted away', async () => {
    const store = storeAt(freshPrefix());
    const base = `${store.layout.root}placements/`;
    try {
      for (let i = 0; i < 3; i++) await store.put(`${base}k${i}`, i);
      const seenUpTo = await store.currentRevision();
      // While nobody watches: more writes, a delete, then compaction past the old revision.
      for (let i = 3; i < 6; i++) await store.put(`${base}k${i}`, i);
      await store.delete(`${base}k0`);
      const compactedAt = await store.currentRevision();
      await store.compact(compactedAt);

      const resyncs: { snapshot: SnapshotEntry[]; revision: number }[] = [];
      const events: WatchEvent[] = [];
      const watch = store.watchPrefix(base, {
        fromRevision: seenUpTo + 1,
        onResync: (snapshot, revision) => void resyncs.push({ snapshot: [...snapshot], revision }),
        onEvents: (batch) => void events.push(...batch),
      });
      try {
        await eventually(() => resyncs.length === 1);
        expect(resyncs[0]?.snapshot.map((e) => e.key)).toEqual([1, 2, 3, 4, 5].map((i) => `${base}k${i}`));
        expect(resyncs[0]?.revision).toBeGreaterThanOrEqual(compactedAt);
        await store.put(`${base}k6`, 6);
        await eventually(() => events.length === 1);
        expect(events[0]?.key).toBe(`${base}k6`);
      } finally {
        await watch.close();
      }
    } finally {
      store.close();
    }
  });
});
