import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { watchUntilGone } from '../src/election.js';
import { NotLeaderError, type Store } from '../src/index.js';
import { asUnknown, etcdEndpoints, eventually, freshPrefix, sleep, storeAt } from './helpers.js';

const TTL = 2;

describe('election (real etcd)', () => {
  const stores: Store[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
  });
  const open = (prefix: string) => {
    const store = storeAt(prefix);
    stores.push(store);
    return store;
  };

  it('gives exactly one leader among two campaigners, and the other once the leader lease is revoked', async () => {
    const prefix = freshPrefix();
    const a = open(prefix);
    const b = open(prefix);
    const first = await a.campaign({ name: 'controller', value: { id: 'a' }, ttlSeconds: TTL });
    let secondLeads = false;
    const second = b.campaign({ name: 'controller', value: { id: 'b' }, ttlSeconds: TTL }).then((l) => {
      secondLeads = true;
      return l;
    });
    await sleep(300);
    expect(first.isLeader()).toBe(true);
    expect(secondLeads).toBe(false);
    expect((await a.leader('controller'))?.value).toEqual({ id: 'a' });

    await first.resign();
    // Resigning removes the leader's key at once: the handover never waits for the TTL.
    expect((await a.leader('controller'))?.value).not.toEqual({ id: 'a' });
    const leadership = await second;
    expect(leadership.isLeader()).toBe(true);
    expect((await b.leader('controller'))?.value).toEqual({ id: 'b' });
    expect(first.isLeader()).toBe(false);
    await leadership.resign();
  });

  it('elects the other candidate when the leader vanishes without resigning', async () => {
    const prefix = freshPrefix();
    const a = storeAt(prefix);
    const b = open(prefix);
    await a.campaign({ name: 'controller', value: { id: 'a' }, ttlSeconds: TTL });
    const second = b.campaign({ name: 'controller', value: { id: 'b' }, ttlSeconds: TTL });
    a.close(); // no more keepalives: its lease expires in etcd after the TTL
    const leadership = await second;
    expect(leadership.isLeader()).toBe(true);
    expect((await b.leader('controller'))?.value).toEqual({ id: 'b' });
    await leadership.resign();
  });

  it('refuses a deposed leader its fenced write and leaves the key unchanged', async () => {
    const store = open(freshPrefix());
    const key = store.layout.placement({ runner: 'r1', tenant: 't', channel: 'c', app: 'a', index: 0 });
    await store.put(key, { v: 'before' });
    const leader = await store.campaign({ name: 'controller', value: 'x', ttlSeconds: TTL });
    await leader.fencedTxn({ put: [{ key, value: { v: 'as leader' } }] });
    expect((await store.get(key, asUnknown))?.value).toEqual({ v: 'as leader' });

    // Depose it behind its back: delete its election key, as an expired lease would.
    await store.delete(leader.key);
    await expect(leader.fencedTxn({ put: [{ key, value: { v: 'deposed' } }] })).rejects.toBeInstanceOf(
      NotLeaderError,
    );
    expect((await store.get(key, asUnknown))?.value).toEqual({ v: 'as leader' });
    expect((await leader.lost).reason).toBe('key-deleted');
    expect(leader.isLeader()).toBe(false);
    await leader.resign();
  });

  it('refuses the fenced write of a leader whose lease was revoked by someone else', async () => {
    const store = open(freshPrefix());
    const key = `${store.layout.root}resources/t/c/topic`;
    const leader = await store.campaign({ name: 'controller', value: 'x', ttlSeconds: 5 });
    const other = open(store.layout.root);
    // Another client revokes the lease (as etcd would on expiry): the key goes with it.
    await other.revokeLease(leader.leaseId);
    await expect(leader.fencedTxn({ put: [{ key, value: 1 }] })).rejects.toBeInstanceOf(NotLeaderError);
    expect(await store.get(key, asUnknown)).toBeUndefined();
  });
});

describe("the leader's key watch (real etcd)", () => {
  it('survives a watch error (a compacted resume revision) and ends only when the key is deleted', async () => {
    const etcd = new Etcd3({ hosts: etcdEndpoints() });
    try {
      const key = `${freshPrefix()}/election/controller/1`;
      const created = Number((await etcd.put(key).value('{}').exec()).header.revision);
      // History moves on and is compacted past where the watch resumes from: etcd cancels such
      // a watch, as it does when a watch re-attaches after a reconnect at a compacted revision.
      for (let i = 0; i < 3; i++) await etcd.put(`${key}-other`).value(String(i)).exec();
      const revision = Number((await etcd.get(key).exec()).header.revision);
      await etcd.kv.compact({ revision: String(revision), physical: true });

      const errors: Error[] = [];
      let gone = false;
      const abort = new AbortController();
      const watching = watchUntilGone(etcd, key, created + 1, abort.signal, {
        createRevision: created,
        onError: (err) => errors.push(err),
      }).then(() => {
        gone = true;
      });
      await eventually(() => errors.length > 0 || gone, 10_000, 'the watch error');
      expect(gone).toBe(false);
      expect(errors[0]?.message).toMatch(/canceled/);
      // Later writes elsewhere, a round trip: it is still watching (the old code took the error
      // for a deletion, and the leader stepped down).
      await etcd.put(`${key}-other`).value('again').exec();
      await etcd.get(key).exec();
      expect(gone).toBe(false);
      await etcd.delete().key(key).exec();
      await watching;
      expect(gone).toBe(true);
      abort.abort();
    } finally {
      etcd.close();
    }
  });
});
