/**
 * Issue 15, found problem 5: a child that could not be moved into its cgroup ran unlimited while
 * its status showed the limit. Through the MemoryEnforcer interface (the seam), a cgroup enforcer
 * whose cage refuses every child: the child must fall back to the RSS watchdog (a real one,
 * killing a real process that allocates past the limit) and say so, or, when the watchdog cannot
 * watch it either, be killed before it runs and reported.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import {
  type ChildStatus,
  detectMemoryEnforcement,
  isRunning,
  type MemoryCage,
  MemoryEnforcementError,
  type MemoryEnforcer,
  SupervisedChild,
} from '../src/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'drover-fallback-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const MB = 1024 * 1024;
const warnings: string[] = [];
const logger = { info: () => {}, warn: (_o: object, msg: string) => warnings.push(msg), error: () => {} };
const HOG = `const a = []; setInterval(() => { a.push(Buffer.alloc(${4 * MB}, 1)); }, 20);`;
const IDLE = 'setInterval(() => {}, 1000)';

const watchdog = await detectMemoryEnforcement({
  runnerName: 'unused',
  prefer: 'watchdog',
  watchdogIntervalMs: 100,
});
afterAll(() => watchdog.close());

/** A cgroup v2 enforcer whose cgroups exist but take no process (as with a cgroup.procs EACCES). */
function refusingCgroups(fallback: (limitBytes: number) => Promise<MemoryCage>): MemoryEnforcer {
  return {
    kind: 'cgroup2',
    root: '/sys/fs/cgroup/test',
    cleanupLeftovers: async () => 0,
    close: async () => {},
    watchdogCage: fallback,
    cage: async (id, limitBytes) => ({
      kind: 'cgroup2',
      limitBytes,
      attach: async (pid) => {
        throw new MemoryEnforcementError(
          'MEMORY_CAGE_ATTACH',
          'cgroup2',
          `cannot move pid ${pid} into /sys/fs/cgroup/test/${id}/cgroup.procs: EACCES: permission denied`,
          { pid },
        );
      },
      usage: async () => undefined,
      oomKills: async () => 0,
      release: async () => {},
    }),
  };
}

function child(memory: MemoryEnforcer, code: string, statuses: ChildStatus[]): SupervisedChild {
  return new SupervisedChild(
    {
      file: process.execPath,
      args: ['-e', code],
      cwd,
      env,
      memoryLimitBytes: 128 * MB,
      backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 60_000, maxRestarts: 0 },
    },
    { logger, memory, id: `fallback-${statuses.length}`, onStatus: (s) => statuses.push(s) },
  );
}

describe('a child its cgroup cannot take', () => {
  it('runs under the RSS watchdog instead, and its status says watchdog', async () => {
    const statuses: ChildStatus[] = [];
    const c = child(
      refusingCgroups((limit) => watchdog.watchdogCage(limit)),
      IDLE,
      statuses,
    );
    c.start();
    await eventually(() => c.status.state === 'running');
    expect(c.status).toMatchObject({ memoryLimitBytes: 128 * MB, memoryEnforcement: 'watchdog' });
    expect(
      warnings.some((w) =>
        /could not move it into its cgroup2 cgroup \(.*EACCES.*\): the RSS watchdog enforces its limit instead/.test(
          w,
        ),
      ),
    ).toBe(true);
    await eventually(async () => ((await c.rssBytes()) ?? 0) > 10 * MB);
    await c.stop();
    expect(c.status.memoryEnforcement).toBeNull();
  });

  it('is killed by the watchdog when it passes its limit', async () => {
    const statuses: ChildStatus[] = [];
    const c = child(
      refusingCgroups((limit) => watchdog.watchdogCage(limit)),
      HOG,
      statuses,
    );
    c.start();
    await eventually(() => c.status.state === 'failed');
    expect(statuses.some((s) => s.state === 'running' && s.memoryEnforcement === 'watchdog')).toBe(true);
    expect(c.status.lastExit).toMatchObject({ reason: 'oom', signal: 'SIGKILL' });
    expect(c.status.lastExit?.message).toMatch(/memory limit of 134217728 bytes \(watchdog\)/);
    expect(c.status.oomKills).toBe(1);
    await c.stop();
  });

  it('is refused, killed at once, when the watchdog cannot watch it either', async () => {
    const statuses: ChildStatus[] = [];
    const c = child(
      refusingCgroups(async () => {
        throw new Error('no /proc on this host');
      }),
      IDLE,
      statuses,
    );
    c.start();
    await eventually(() => c.status.state === 'failed');
    const pids = statuses.map((s) => s.pid).filter((p): p is number => p !== null);
    expect(pids).toEqual([]);
    expect(statuses.some((s) => s.state === 'running')).toBe(false);
    expect(c.status.lastExit).toMatchObject({ reason: 'spawn-error' });
    expect(c.status.lastExit?.message).toMatch(
      /^cannot enforce its memory limit: could not move it into its cgroup2 cgroup \(.*EACCES.*\), and the RSS watchdog cannot watch it \(no \/proc on this host\)$/,
    );
    await c.stop();
  });

  it('falls back for the run when its cgroup cannot even be created', async () => {
    const statuses: ChildStatus[] = [];
    const memory: MemoryEnforcer = {
      ...refusingCgroups((limit) => watchdog.watchdogCage(limit)),
      cage: async () => {
        throw new MemoryEnforcementError(
          'MEMORY_CAGE_CREATE',
          'cgroup2',
          'cannot set up /sys/fs/cgroup/x: EROFS',
        );
      },
    };
    const c = child(memory, IDLE, statuses);
    c.start();
    await eventually(() => c.status.state === 'running');
    expect(c.status.memoryEnforcement).toBe('watchdog');
    const pid = c.status.pid as number;
    await c.stop();
    expect(await isRunning(pid)).toBe(false);
  });
});
