/**
 * Issue 15, found problem 1: a schedule whose next tick is more than 2^31-1 ms (24.8 days) away
 * ran at once, in a loop (88 runs in seconds for "0 0 0 1 1 ? 2028"), because Node fires such a
 * setTimeout after 1 ms. Fake timers (which reproduce that clamp) drive the supervisor's real
 * schedule code here; the command is a real process that exits at once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quartzSchedule } from '@drover/channel-model';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChildStatus, SupervisedChild } from '../src/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'drover-schedule-far-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const DAY = 86_400_000;

/** Runs started: transitions into `starting` among the published statuses. */
const runs = (statuses: readonly ChildStatus[]) =>
  statuses.filter((s, i) => s.state === 'starting' && statuses[i - 1]?.state !== 'starting').length;

afterEach(() => {
  vi.useRealTimers();
});

describe('a scheduled application a year away (fake timers)', () => {
  it('waits the whole year, runs once at the tick, and shows the right next run throughout', async () => {
    const start = new Date('2027-01-01T00:00:00.000Z');
    vi.useFakeTimers({
      now: start,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    const statuses: ChildStatus[] = [];
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', ''],
        cwd,
        env,
        schedule: quartzSchedule('0 0 0 1 1 ? 2028', { timeZone: 'UTC' }),
      },
      { logger: quiet, onStatus: (s) => statuses.push(s) },
    );
    child.start();
    expect(child.status).toMatchObject({
      state: 'running',
      pid: null,
      nextRunAt: '2028-01-01T00:00:00.000Z',
      reason: 'scheduled: next run at 2028-01-01T00:00:00.000Z',
      lastRunAt: null,
    });

    // A native timer would have fired after 1 ms; then every day of the year, still nothing.
    await vi.advanceTimersByTimeAsync(1);
    expect(runs(statuses)).toBe(0);
    for (let day = 0; day < 364; day++) await vi.advanceTimersByTimeAsync(DAY);
    const justBefore = 365 * DAY - 1 - (Date.now() - start.getTime());
    await vi.advanceTimersByTimeAsync(justBefore);
    expect(new Date(Date.now()).toISOString()).toBe('2027-12-31T23:59:59.999Z');
    expect(runs(statuses)).toBe(0);
    expect(child.status.nextRunAt).toBe('2028-01-01T00:00:00.000Z');
    expect(child.status.skippedRuns).toBe(0);

    // The tick: exactly one run, and no further one (the year has no other).
    await vi.advanceTimersByTimeAsync(1);
    expect(runs(statuses)).toBe(1);
    expect(child.status.nextRunAt).toBeNull();
    // The run is a real process: let it end (waitFor moves the fake clock a little per check).
    await vi.waitFor(() => expect(child.status.lastExit).not.toBeNull(), { timeout: 30_000, interval: 5 });
    expect(runs(statuses)).toBe(1);
    expect(child.status.lastRunAt?.slice(0, 19)).toBe('2028-01-01T00:00:00');
    expect(child.status).toMatchObject({ state: 'stopped', reason: 'the schedule has no further run' });
    await child.stop();
  });

  it('does not run a tick twice when its timer fires before the wall clock reaches it', async () => {
    vi.useFakeTimers({
      now: new Date('2027-03-01T00:00:00.000Z'),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    let skew = 0;
    const statuses: ChildStatus[] = [];
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', ''],
        cwd,
        env,
        schedule: quartzSchedule('0 0 12 * * ?', { timeZone: 'UTC' }),
      },
      // The wall clock was stepped back 5 s after the timer was armed.
      { logger: quiet, now: () => Date.now() - skew, onStatus: (s) => statuses.push(s) },
    );
    child.start();
    expect(child.status.nextRunAt).toBe('2027-03-01T12:00:00.000Z');
    skew = 5000;
    await vi.advanceTimersByTimeAsync(12 * 3600_000);
    expect(runs(statuses)).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs(statuses)).toBe(1);
    expect(child.status.nextRunAt).toBe('2027-03-02T12:00:00.000Z');
    vi.useRealTimers();
    await child.stop();
  });
});
