/** Lease loss detection on a fake clock: the instants are exact, not measured. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Keepable, KeptLease, type LeaseLoss } from './lease.js';

const T0 = 1_000_000;

function watch(lease: KeptLease): { loss: LeaseLoss | undefined } {
  const seen: { loss: LeaseLoss | undefined } = { loss: undefined };
  void lease.lost.then((l) => {
    seen.loss = l;
  });
  return seen;
}

describe('KeptLease', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('declares the lease lost exactly at its deadline when no renewal comes back', async () => {
    const unreachable: Keepable = { keepaliveOnce: () => new Promise(() => {}), revoke: async () => {} };
    const seen = watch(new KeptLease('1', 3, T0 + 3000, unreachable));
    await vi.advanceTimersByTimeAsync(2999);
    expect(seen.loss).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(seen.loss).toEqual({ reason: 'deadline', at: T0 + 3000, deadline: T0 + 3000 });
  });

  it('moves the deadline with every renewal, to the time the renewal was sent plus the TTL', async () => {
    const sent: number[] = [];
    const renewing: Keepable = {
      keepaliveOnce: async () => {
        sent.push(Date.now());
        return { TTL: '3' };
      },
      revoke: async () => {},
    };
    const seen = watch(new KeptLease('1', 3, T0 + 3000, renewing));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(seen.loss).toBeUndefined();
    // Every TTL/3.
    expect(sent.slice(0, 3)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
  });

  it('declares it expired at the first renewal etcd answers with TTL 0 (revoked elsewhere)', async () => {
    const revoked: Keepable = { keepaliveOnce: async () => ({ TTL: '0' }), revoke: async () => {} };
    const seen = watch(new KeptLease('1', 3, T0 + 3000, revoked));
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.loss).toEqual({ reason: 'expired', at: T0 + 1000, deadline: T0 + 3000 });
  });
});
