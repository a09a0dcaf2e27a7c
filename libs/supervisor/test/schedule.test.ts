import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quartzSchedule } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { SupervisedChild } from '../src/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'drover-schedule-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('scheduled applications (real processes, a Quartz schedule every second)', () => {
  it('runs the command at each tick, with last run and next run in status', async () => {
    const starts: string[] = [];
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', 'console.log("tick")'],
        cwd,
        env,
        schedule: quartzSchedule('* * * * * ? *'),
      },
      { logger: quiet, output: (_s, line) => starts.push(line) },
    );
    child.start();
    expect(child.status.nextRunAt).not.toBeNull();
    await eventually(() => starts.length >= 2);
    await eventually(() => child.status.pid === null && child.status.lastExit !== null);
    expect(child.status.state).toBe('running');
    expect(child.status.lastExit).toMatchObject({ code: 0, reason: 'exited' });
    expect(child.status.lastRunAt).not.toBeNull();
    expect(Date.parse(child.status.nextRunAt ?? '')).toBeGreaterThan(
      Date.parse(child.status.lastRunAt ?? ''),
    );
    expect(child.status.reason).toMatch(/^scheduled: next run at /);
    expect(child.status.restarts).toBe(0);
    await child.stop();
    expect(child.status.state).toBe('stopped');
  });

  it('skips (and counts) a tick that finds the previous run still going', async () => {
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', 'setTimeout(() => {}, 2500)'],
        cwd,
        env,
        schedule: quartzSchedule('* * * * * ? *'),
      },
      { logger: quiet },
    );
    child.start();
    await eventually(() => child.status.skippedRuns >= 2);
    expect(child.status.pid).not.toBeNull();
    await child.stop();
  });
});
