import { afterEach, describe, expect, it } from 'vitest';
import { NotLeaderError, type Store } from '../src/index.js';
import { asUnknown, freshPrefix, sleep, storeAt } from './helpers.js';

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
