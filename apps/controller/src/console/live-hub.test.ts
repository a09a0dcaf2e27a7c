import type { PrefixWatchOptions, SnapshotEntry, Store } from '@drover/store';
import { KeyLayout } from '@drover/store';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../cluster-cache.js';
import { cacheReader } from '../views.js';
import { HEARTBEAT_ROUND_MS, type LeaseClock } from './heartbeats.js';
import { COALESCE_MS, LiveHub, MAX_BUFFERED_BYTES } from './live-hub.js';

const layout = new KeyLayout('/t');
const logger = pino({ level: 'silent' });

/** A cache fed by hand: the store's watch hands us its callbacks. */
async function fakeCache(snapshot: SnapshotEntry[] | null) {
  let watch: PrefixWatchOptions | undefined;
  let revision = 1;
  const store = {
    layout,
    watchPrefix: (_prefix: string, options: PrefixWatchOptions) => {
      watch = options;
      return { ready: Promise.resolve(), lastRevision: 0, close: async () => {} };
    },
  } as unknown as Store;
  const cache = new ClusterCache(store, logger);
  await cache.start();
  if (snapshot !== null) {
    await watch?.onResync?.(snapshot, revision);
    watch?.onState?.('connected');
  }
  return {
    cache,
    list: async (entries: SnapshotEntry[]) => {
      await watch?.onResync?.(entries, ++revision);
      watch?.onState?.('connected');
    },
    put: (key: string, value: unknown, lease?: string): void => {
      watch?.onEvents([
        { type: 'put', key, value, revision: ++revision, ...(lease === undefined ? {} : { lease }) },
      ]);
    },
    del: (key: string): void => {
      watch?.onEvents([{ type: 'delete', key, value: undefined, revision: ++revision }]);
    },
  };
}

const leaderInfo = (leads: boolean) => ({ id: 'me', isLeader: () => leads, leader: async () => undefined });

const runner = (name: string) => ({
  name,
  cluster: 'c',
  tags: [name],
  capacity: {},
  version: 'v',
  startedAt: '2026-11-30T00:00:00Z',
});

interface Frame {
  event: string;
  data: unknown;
}
function sink(buffered = () => 0) {
  const frames: Frame[] = [];
  let closed = false;
  return {
    frames,
    get closed() {
      return closed;
    },
    write(text: string) {
      const event = /event: (\w+)/.exec(text)?.[1];
      const data = /data: (.*)/.exec(text)?.[1];
      if (event !== undefined && data !== undefined) frames.push({ event, data: JSON.parse(data) });
      return buffered();
    },
    close() {
      closed = true;
    },
  };
}
const settle = () => new Promise((r) => setTimeout(r, COALESCE_MS * 3));

let hub: LiveHub | undefined;
afterEach(() => hub?.stop());

describe('the live hub', () => {
  it('sends the whole state on subscribe, then only what changed, once per burst', async () => {
    const f = await fakeCache([{ key: layout.runner('r1'), value: runner('r1'), revision: 1 }]);
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(true), logger });
    hub.start();
    const s = sink();
    hub.subscribe(s, { kind: 'overview' });
    expect(s.frames.map((x) => x.event)).toEqual(['cluster', 'runners', 'channels']);
    s.frames.length = 0;
    // A burst of runner changes: one runners frame, no channels frame (they did not change).
    f.put(layout.runner('r2'), runner('r2'));
    f.put(layout.runner('r3'), runner('r3'));
    await settle();
    expect(s.frames.map((x) => x.event)).toEqual(['runners']);
    const data = s.frames[0]?.data as { runners: { name: string }[] } | undefined;
    const live = data?.runners.map((r) => r.name);
    expect(live).toEqual(['r1', 'r2', 'r3']);
  });

  it('remembers a lost runner, and forgets it when it registers again', async () => {
    const f = await fakeCache([{ key: layout.runner('r1'), value: runner('r1'), revision: 1 }]);
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(true), logger });
    hub.start();
    const s = sink();
    hub.subscribe(s, { kind: 'overview' });
    f.del(layout.runner('r1'));
    await settle();
    const last = () =>
      s.frames.filter((x) => x.event === 'runners').at(-1)?.data as {
        runners: unknown[];
        lost: { name: string }[];
      };
    expect(last().runners).toEqual([]);
    expect(last().lost.map((r) => r.name)).toEqual(['r1']);
    f.put(layout.runner('r1'), runner('r1'));
    await settle();
    expect(last().lost).toEqual([]);
  });

  it('follows one channel for a channel subscriber (null when unknown)', async () => {
    const f = await fakeCache([]);
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(false), logger });
    hub.start();
    const s = sink();
    hub.subscribe(s, { kind: 'channel', key: 't/c' });
    expect(s.frames.map((x) => x.event)).toEqual(['cluster', 'channel']);
    expect(s.frames[1]?.data).toBeNull();
    f.put(layout.channelDesired('t', 'c'), { state: 'stopped', generation: 1, reload: 0, updatedAt: 'x' });
    await settle();
    expect(s.frames.at(-1)).toMatchObject({
      event: 'channel',
      data: { tenant: 't', channel: 'c', desired: 'stopped' },
    });
  });

  it('sends no state before the first listing from etcd (empty views are not the truth), then all of it', async () => {
    const f = await fakeCache(null);
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(true), logger });
    hub.start();
    const s = sink();
    hub.subscribe(s, { kind: 'overview' });
    expect(s.frames).toEqual([
      { event: 'cluster', data: { self: { id: 'me', leader: true }, leader: null, etcd: false } },
    ]);
    await f.list([{ key: layout.runner('r1'), value: runner('r1'), revision: 1 }]);
    await settle();
    const runners = s.frames.find((x) => x.event === 'runners')?.data as { runners: { name: string }[] };
    expect(runners.runners.map((r) => r.name)).toEqual(['r1']);
    expect(s.frames.map((x) => x.event)).toContain('channels');
  });

  it('disconnects a client that does not read, rather than buffering without bound', async () => {
    const f = await fakeCache([]);
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(true), logger });
    hub.start();
    let buffered = 0;
    const s = sink(() => buffered);
    hub.subscribe(s, { kind: 'overview' });
    expect(hub.subscribers).toBe(1);
    buffered = MAX_BUFFERED_BYTES + 1;
    f.put(layout.runner('r9'), runner('r9'));
    await settle();
    expect(s.closed).toBe(true);
    expect(hub.subscribers).toBe(0);
  });

  it("sends overview pages the runners' heartbeats read from their leases, and asks etcd only while one is open", async () => {
    const f = await fakeCache([
      { key: layout.runner('r1'), value: runner('r1'), revision: 1, lease: '101' },
      { key: layout.runner('r2'), value: runner('r2'), revision: 1 },
    ]);
    const asked: string[] = [];
    const leases: LeaseClock = {
      leaseTimeToLive: async (id) => {
        asked.push(id);
        return { remainingSeconds: 3, grantedSeconds: 5 };
      },
    };
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(true), logger, leases });
    hub.start();
    const channelPage = sink();
    hub.subscribe(channelPage, { kind: 'channel', key: 't/c' });
    await settle();
    expect(asked).toEqual([]);
    const before = Date.now();
    const s = sink();
    const unsubscribe = hub.subscribe(s, { kind: 'overview' });
    await settle();
    // r2's record is on no lease: nothing to ask, no heartbeat.
    expect(asked).toEqual(['101']);
    const beats = s.frames.find((x) => x.event === 'heartbeats')?.data as {
      runners: Record<string, { at: number; checkedAt: number; ttl: number }>;
    };
    expect(Object.keys(beats.runners)).toEqual(['r1']);
    const r1 = beats.runners.r1;
    expect(r1?.ttl).toBe(5);
    expect(r1?.checkedAt).toBeGreaterThanOrEqual(before);
    expect((r1?.checkedAt ?? 0) - (r1?.at ?? 0)).toBe(2000);
    expect(channelPage.frames.map((x) => x.event)).not.toContain('heartbeats');
    // The overview closes: no more rounds.
    unsubscribe();
    asked.length = 0;
    await new Promise((r) => setTimeout(r, HEARTBEAT_ROUND_MS + 200));
    expect(asked).toEqual([]);
    // A runner registered again on a new lease is checked on that one.
    f.put(layout.runner('r1'), runner('r1'), '102');
    await settle();
    hub.stop();
    hub = new LiveHub({ source: cacheReader(f.cache), leader: leaderInfo(true), logger, leases });
    hub.start();
    asked.length = 0;
    hub.subscribe(sink(), { kind: 'overview' });
    await settle();
    expect(asked).toEqual(['102']);
  });
});
