/**
 * Hard memory limits with real processes that really allocate past them: the cgroup path (this
 * machine's cgroup v1 memory controller is writable as root) and the /proc watchdog path.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import {
  type ChildStatus,
  detectMemoryEnforcement,
  type MemoryEnforcer,
  SupervisedChild,
} from '../src/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'drover-memory-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const MB = 1024 * 1024;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Allocates and touches 4 MB every 20 ms, forever (or until killed). */
const HOG = `const a = []; setInterval(() => { a.push(Buffer.alloc(${4 * MB}, 1)); }, 20);`;

function hog(memory: MemoryEnforcer, id: string, statuses: ChildStatus[]): SupervisedChild {
  return new SupervisedChild(
    {
      file: process.execPath,
      args: ['-e', HOG],
      cwd,
      env,
      memoryLimitBytes: 128 * MB,
      backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 60_000, maxRestarts: 1 },
    },
    { logger: quiet, memory, id, onStatus: (s) => statuses.push(s) },
  );
}

const cgroup = await detectMemoryEnforcement({ runnerName: `test-${process.pid}` });
const watchdog = await detectMemoryEnforcement({
  runnerName: 'unused',
  prefer: 'watchdog',
  watchdogIntervalMs: 100,
});

afterAll(async () => {
  await cgroup.close();
  await watchdog.close();
});

describe('memory limits (real processes)', () => {
  it('detects a writable cgroup memory controller when running as root', () => {
    if (process.getuid?.() !== 0) return;
    expect(['cgroup1', 'cgroup2']).toContain(cgroup.kind);
    expect(cgroup.root).toMatch(/^\/sys\/fs\/cgroup\//);
  });

  it.runIf(cgroup.kind !== 'watchdog')(
    'the kernel kills a child over its cgroup limit; status says oom',
    async () => {
      const statuses: ChildStatus[] = [];
      const child = hog(cgroup, `hog-${process.pid}-cg`, statuses);
      child.start();
      await eventually(() => child.status.state === 'failed');
      expect(child.status.oomKills).toBe(2);
      expect(child.status.lastExit).toMatchObject({ reason: 'oom', signal: 'SIGKILL' });
      expect(child.status.lastExit?.message).toMatch(/memory limit of 134217728 bytes \((cgroup1|cgroup2)\)/);
      expect(child.status.memoryLimitBytes).toBe(128 * MB);
      expect(statuses.find((s) => s.state === 'backoff')?.reason).toMatch(/over its memory limit/);
      await child.stop();
    },
  );

  it('the watchdog kills a child whose process group RSS passes the limit; status says oom', async () => {
    const statuses: ChildStatus[] = [];
    const child = hog(watchdog, 'hog-wd', statuses);
    child.start();
    await eventually(() => child.status.state === 'failed');
    expect(child.status.oomKills).toBe(2);
    expect(child.status.lastExit).toMatchObject({ reason: 'oom', signal: 'SIGKILL' });
    expect(child.status.lastExit?.message).toMatch(/\(watchdog\)/);
    await child.stop();
  });

  it('keeps what a caged child prints at once, however slow the cage is to attach', async () => {
    // execa resumes an unread stream after one setImmediate: the output listeners must be in
    // place before the supervisor awaits the (here deliberately slow) cgroup write.
    const slow: MemoryEnforcer = {
      kind: 'cgroup1',
      root: undefined,
      cleanupLeftovers: async () => 0,
      close: async () => {},
      watchdogCage: (limitBytes) => watchdog.watchdogCage(limitBytes),
      cage: async (_id, limitBytes) => ({
        kind: 'cgroup1',
        limitBytes,
        attach: () => new Promise((r) => setTimeout(r, 300)),
        usage: async () => undefined,
        oomKills: async () => 0,
        release: async () => {},
      }),
    };
    const lines: string[] = [];
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', 'console.error("first"); console.log("second"); setInterval(() => {}, 1000)'],
        cwd,
        env,
        memoryLimitBytes: 256 * MB,
      },
      { logger: quiet, memory: slow, id: 'early', output: (s, l) => lines.push(`${s}:${l}`) },
    );
    child.start();
    await eventually(() => child.status.state === 'running');
    await new Promise((r) => setTimeout(r, 600));
    expect(lines.sort()).toEqual(['stderr:first', 'stdout:second']);
    await child.stop();
  });

  it('a child under its limit runs on, and its usage is visible', async () => {
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        cwd,
        env,
        memoryLimitBytes: 256 * MB,
      },
      { logger: quiet, memory: watchdog, id: 'calm' },
    );
    child.start();
    await eventually(() => child.status.state === 'running');
    await new Promise((r) => setTimeout(r, 400));
    const rss = (await child.rssBytes()) ?? 0;
    expect(rss).toBeGreaterThan(10 * MB);
    expect(rss).toBeLessThan(256 * MB);
    expect(child.status.oomKills).toBe(0);
    await child.stop();
  });
});
