import type { RolloutRecord, StatusRecord } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { type RolloutApplication, type RolloutInstance, rolloutStep } from './rollout.js';

const T0 = Date.parse('2026-11-23T00:00:00.000Z');
const update = { max_parallel: 1, min_healthy_time: 5000, progress_deadline: 60_000 };
const apps: RolloutApplication[] = [
  { name: 'receiver1', target: 'new1', update },
  { name: 'receiver2', target: 'new2', update },
];

function status(
  app: string,
  index: number,
  runner: string,
  digest: string,
  state: StatusRecord['state'],
  sinceMs: number,
): StatusRecord {
  return {
    tenant: 't',
    channel: 'c',
    app,
    index,
    runner,
    digest,
    state,
    pid: state === 'running' ? 100 : null,
    restarts: 0,
    lastExit: null,
    since: new Date(sinceMs).toISOString(),
    reason: state === 'backoff' ? 'exited with code 1' : null,
    nextAttemptAt: null,
    oomKills: 0,
    memoryLimitBytes: null,
    memoryEnforcement: state === 'running' ? 'cgroup2' : null,
    lastRunAt: null,
    nextRunAt: null,
    skippedRuns: 0,
    readyAt: state === 'running' ? new Date(sinceMs).toISOString() : null,
  };
}

/** An instance with its placement digest and what its runner says (running since T0 - 1 min by default). */
function inst(
  app: string,
  index: number,
  runner: string,
  digest: string,
  s?: Partial<StatusRecord> & { sinceMs?: number },
): RolloutInstance {
  const base = status(
    app,
    index,
    runner,
    s?.digest ?? digest,
    s?.state ?? 'running',
    s?.sinceMs ?? T0 - 60_000,
  );
  return { app, index, runner, digest, status: s === null ? undefined : { ...base, ...s } };
}

describe('rolloutStep', () => {
  it('starts nothing when every instance is up to date (a fresh start)', () => {
    const step = rolloutStep({
      now: T0,
      applications: apps,
      instances: [inst('receiver1', 0, 'front1', 'new1'), inst('receiver2', 0, 'front2', 'new2')],
      record: undefined,
    });
    expect(step.restart.size).toBe(0);
    expect(step.record).toBeUndefined();
  });

  it('rolls the HA pair one receiver at a time, the second only once the first runs again', () => {
    const old = [inst('receiver1', 0, 'front1', 'old1'), inst('receiver2', 0, 'front2', 'old2')];
    const first = rolloutStep({ now: T0, applications: apps, instances: old, record: undefined });
    expect([...first.restart]).toEqual(['receiver1#0']);
    expect(first.record).toMatchObject({
      state: 'progressing',
      apps: ['receiver1', 'receiver2'],
      app: 'receiver1',
      updated: 0,
      total: 2,
    });

    // receiver1 restarting (its runner still reports the old digest, then starting): receiver2 waits.
    const restarting = [
      inst('receiver1', 0, 'front1', 'new1', { digest: 'old1' }),
      old[1] as RolloutInstance,
    ];
    const waiting = rolloutStep({
      now: T0 + 100,
      applications: apps,
      instances: restarting,
      record: first.record,
    });
    expect(waiting.restart.size).toBe(0);
    expect(waiting.record).toMatchObject({ state: 'progressing', app: 'receiver1' });
    // Running, but not yet for min_healthy_time: still waiting, and it says when to look again.
    const young = [inst('receiver1', 0, 'front1', 'new1', { sinceMs: T0 + 1000 }), old[1] as RolloutInstance];
    const notYet = rolloutStep({
      now: T0 + 2000,
      applications: apps,
      instances: young,
      record: waiting.record,
    });
    expect(notYet.restart.size).toBe(0);
    expect(notYet.requeueAfterMs).toBe(4000 + 10);
    // Healthy: receiver2's turn.
    const second = rolloutStep({
      now: T0 + 6000,
      applications: apps,
      instances: young,
      record: notYet.record,
    });
    expect([...second.restart]).toEqual(['receiver2#0']);
    expect(second.record).toMatchObject({ state: 'progressing', app: 'receiver2', updated: 1, total: 2 });

    const done = [
      young[0] as RolloutInstance,
      inst('receiver2', 0, 'front2', 'new2', { sinceMs: T0 + 7000 }),
    ];
    const complete = rolloutStep({
      now: T0 + 13_000,
      applications: apps,
      instances: done,
      record: second.record,
    });
    expect(complete.record).toMatchObject({ state: 'complete', updated: 2, total: 2, app: null });
    expect(complete.record?.finishedAt).toBe(new Date(T0 + 13_000).toISOString());
  });

  it('waits for readiness, not the process start: running but not ready is not healthy', () => {
    const old = [inst('receiver1', 0, 'front1', 'old1'), inst('receiver2', 0, 'front2', 'old2')];
    const first = rolloutStep({ now: T0, applications: apps, instances: old, record: undefined });
    const notReady = [
      inst('receiver1', 0, 'front1', 'new1', { sinceMs: T0 + 1000, readyAt: null }),
      old[1] as RolloutInstance,
    ];
    const step = rolloutStep({
      now: T0 + 30_000,
      applications: apps,
      instances: notReady,
      record: first.record,
    });
    expect(step.restart.size).toBe(0);
    expect(step.record?.app).toBe('receiver1');
    const failed = rolloutStep({
      now: T0 + 61_000,
      applications: apps,
      instances: notReady,
      record: step.record,
    });
    expect(failed.record?.reason).toBe('no progress for 1m: receiver1[0] on front1 is running but not ready');
  });

  it('rolls only the applications that changed', () => {
    const instances = [inst('receiver1', 0, 'front1', 'old1'), inst('receiver2', 0, 'front2', 'new2')];
    const step = rolloutStep({ now: T0, applications: apps, instances, record: undefined });
    expect([...step.restart]).toEqual(['receiver1#0']);
    expect(step.record?.apps).toEqual(['receiver1']);
    expect(step.record?.total).toBe(1);
  });

  it('keeps max_parallel instances down at most, and restarts the ones already down first', () => {
    const three: RolloutApplication[] = [
      { name: 'worker', target: 'n', update: { ...update, max_parallel: 2 } },
    ];
    const instances = [
      inst('worker', 0, 'r0', 'o'),
      inst('worker', 1, 'r1', 'o'),
      inst('worker', 2, 'r2', 'o', { state: 'backoff' }),
      inst('worker', 3, 'r3', 'o'),
    ];
    const step = rolloutStep({ now: T0, applications: three, instances, record: undefined });
    expect([...step.restart].sort()).toEqual(['worker#0', 'worker#2']);
    // One restarted instance is still starting: one slot left.
    const next = rolloutStep({
      now: T0 + 10_000,
      applications: three,
      instances: [
        inst('worker', 0, 'r0', 'n', { sinceMs: T0 + 1000 }),
        inst('worker', 1, 'r1', 'o'),
        inst('worker', 2, 'r2', 'n', { state: 'starting' }),
        inst('worker', 3, 'r3', 'o'),
      ],
      record: step.record,
    });
    expect([...next.restart]).toEqual(['worker#1']);
  });

  it('counts a freshly placed instance as down, so no other instance of it restarts meanwhile', () => {
    const one: RolloutApplication[] = [{ name: 'w', target: 'n', update }];
    const step = rolloutStep({
      now: T0,
      applications: one,
      instances: [
        inst('w', 0, 'r0', 'o'),
        { app: 'w', index: 1, runner: 'r9', digest: undefined, status: undefined },
      ],
      record: undefined,
    });
    expect(step.restart.size).toBe(0);
    expect(step.record).toMatchObject({ state: 'progressing', app: 'w' });
  });

  it('stops with the reason after progress_deadline without progress, and stays stopped', () => {
    const old = [inst('receiver1', 0, 'front1', 'old1'), inst('receiver2', 0, 'front2', 'old2')];
    const first = rolloutStep({ now: T0, applications: apps, instances: old, record: undefined });
    const crashing = [
      inst('receiver1', 0, 'front1', 'new1', { state: 'backoff', sinceMs: T0 + 500 }),
      old[1] as RolloutInstance,
    ];
    const before = rolloutStep({
      now: T0 + 59_000,
      applications: apps,
      instances: crashing,
      record: first.record,
    });
    expect(before.record?.state).toBe('progressing');
    expect(before.requeueAfterMs).toBe(1000 + 10);
    const failed = rolloutStep({
      now: T0 + 60_000,
      applications: apps,
      instances: crashing,
      record: before.record,
    });
    expect(failed.restart.size).toBe(0);
    expect(failed.record).toMatchObject({
      state: 'failed',
      app: 'receiver1',
      reason: 'no progress for 1m: receiver1[0] on front1 is backoff (exited with code 1)',
    });
    // receiver2 keeps its version; the rollout does not resume by itself.
    const later = rolloutStep({
      now: T0 + 120_000,
      applications: apps,
      instances: crashing,
      record: failed.record,
    });
    expect(later.restart.size).toBe(0);
    expect(later.record).toEqual(failed.record);
    // A new target (an upload or a reload) starts a new rollout.
    const fixed = rolloutStep({
      now: T0 + 130_000,
      applications: [{ ...(apps[0] as RolloutApplication), target: 'new1b' }, apps[1] as RolloutApplication],
      instances: crashing,
      record: failed.record,
    });
    expect([...fixed.restart]).toEqual(['receiver1#0']);
    expect(fixed.record).toMatchObject({ state: 'progressing', app: 'receiver1' });
  });

  it('pauses a later application while an earlier one of the rollout is down again', () => {
    const record: RolloutRecord = {
      state: 'progressing',
      targets: { receiver1: 'new1', receiver2: 'new2' },
      apps: ['receiver1', 'receiver2'],
      app: 'receiver2',
      updated: 1,
      total: 2,
      reason: null,
      startedAt: new Date(T0).toISOString(),
      progressAt: new Date(T0).toISOString(),
      finishedAt: null,
    };
    const step = rolloutStep({
      now: T0 + 10_000,
      applications: apps,
      instances: [
        inst('receiver1', 0, 'front1', 'new1', { state: 'backoff' }),
        inst('receiver2', 0, 'front2', 'old2'),
      ],
      record,
    });
    expect(step.restart.size).toBe(0);
    expect(step.record?.app).toBe('receiver1');
  });
});
