import { heartbeatLate } from '@drover/cluster-state';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { HeartbeatProbe, type LeaseClock, roundBatch } from './heartbeats.js';

const logger = pino({ level: 'silent' });

describe('roundBatch', () => {
  it('takes every runner when they fit in a round', () => {
    expect(roundBatch(['a', 'b', 'c'], 'b', 5)).toEqual({ batch: ['a', 'b', 'c'], last: undefined });
  });

  it('takes the runners in turn past the bound, wrapping around', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const first = roundBatch(names, undefined, 2);
    expect(first).toEqual({ batch: ['a', 'b'], last: 'b' });
    const second = roundBatch(names, first.last, 2);
    expect(second).toEqual({ batch: ['c', 'd'], last: 'd' });
    expect(roundBatch(names, second.last, 2)).toEqual({ batch: ['e', 'a'], last: 'a' });
    // The runner it stopped at is gone: it goes on from the next name.
    expect(roundBatch(['a', 'c', 'e'], 'b', 2)).toEqual({ batch: ['c', 'e'], last: 'e' });
  });
});

describe('HeartbeatProbe', () => {
  const at = 1_800_000_000_000;

  it("dates each runner's last keepalive from its lease's seconds left", async () => {
    const ttl: Record<string, { remainingSeconds: number; grantedSeconds: number } | undefined> = {
      L1: { remainingSeconds: 5, grantedSeconds: 5 },
      L2: { remainingSeconds: 1, grantedSeconds: 5 },
      L3: undefined,
    };
    const clock: LeaseClock = { leaseTimeToLive: async (id) => ttl[id] };
    const probe = new HeartbeatProbe(clock, logger, { now: () => at });
    await probe.round(
      new Map([
        ['r1', 'L1'],
        ['r2', 'L2'],
        ['r3', 'L3'],
      ]),
    );
    const { runners } = probe.snapshot();
    expect(runners).toEqual({
      r1: { at, checkedAt: at, ttl: 5 },
      r2: { at: at - 4000, checkedAt: at, ttl: 5 },
    });
    const late = (name: string) => {
      const h = runners[name];
      return h === undefined ? undefined : heartbeatLate(h);
    };
    expect(late('r1')).toBe(false);
    // 4 s without a keepalive on a 5 s lease: two missed (one every TTL/3).
    expect(late('r2')).toBe(true);
  });

  it('forgets a runner that is gone or on another lease, and checks at most the bound per round', async () => {
    const asked: string[] = [];
    const clock: LeaseClock = {
      leaseTimeToLive: async (id) => {
        asked.push(id);
        return { remainingSeconds: 5, grantedSeconds: 5 };
      },
    };
    const probe = new HeartbeatProbe(clock, logger, { now: () => at, maxPerRound: 2 });
    const leases = new Map([
      ['r1', 'L1'],
      ['r2', 'L2'],
      ['r3', 'L3'],
    ]);
    await probe.round(leases);
    expect(asked.sort()).toEqual(['L1', 'L2']);
    await probe.round(leases);
    expect(asked.slice(2).sort()).toEqual(['L1', 'L3']);
    expect(Object.keys(probe.snapshot().runners)).toEqual(['r1', 'r2', 'r3']);
    await probe.round(new Map([['r1', 'L9']]));
    expect(asked.at(-1)).toBe('L9');
    expect(Object.keys(probe.snapshot().runners)).toEqual(['r1']);
  });

  it('keeps what it knew when etcd does not answer, and warns once per streak', async () => {
    let down = false;
    const warnings: unknown[] = [];
    const log = { ...logger, warn: (obj: unknown) => void warnings.push(obj) } as unknown as typeof logger;
    const clock: LeaseClock = {
      leaseTimeToLive: async () => {
        if (down) throw new Error('etcd unavailable');
        return { remainingSeconds: 4, grantedSeconds: 5 };
      },
    };
    const probe = new HeartbeatProbe(clock, log, { now: () => at });
    const leases = new Map([['r1', 'L1']]);
    await probe.round(leases);
    down = true;
    await probe.round(leases);
    await probe.round(leases);
    expect(probe.snapshot().runners.r1).toEqual({ at: at - 1000, checkedAt: at, ttl: 5 });
    expect(warnings).toEqual([{ failures: 1, checked: 1, err: 'etcd unavailable' }]);
  });
});
