import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { type ChildStatus, SupervisedChild } from '../src/index.js';

const cwd = mkdtempSync(join(tmpdir(), 'drover-supervisor-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function recorder() {
  const lines: { stream: string; line: string }[] = [];
  const statuses: ChildStatus[] = [];
  const logger = {
    info: (obj: object, msg: string) =>
      lines.push({ stream: (obj as { stream?: string }).stream ?? '', line: msg }),
    warn: (obj: object, msg: string) =>
      lines.push({ stream: (obj as { stream?: string }).stream ?? '', line: msg }),
    error: () => {},
  };
  return { lines, statuses, logger, onStatus: (s: ChildStatus) => statuses.push(s) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('SupervisedChild (real processes)', () => {
  it('runs the command with only the given environment and turns its output into records', async () => {
    const r = recorder();
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: [
          '-e',
          'console.log(JSON.stringify(Object.keys(process.env).sort())); console.error("oops"); setInterval(() => {}, 1000)',
        ],
        cwd,
        env: { ...env, ONLY_THIS: '1' },
      },
      r,
    );
    child.start();
    await eventually(() => r.lines.length >= 2);
    expect(child.status.state).toBe('running');
    expect(r.lines).toContainEqual({ stream: 'stderr', line: 'oops' });
    const keys = JSON.parse(r.lines.find((l) => l.stream === 'stdout')?.line ?? '[]') as string[];
    expect(keys.filter((k) => k !== 'NODE_OPTIONS')).toEqual(['ONLY_THIS', 'PATH']);
    await child.stop();
    expect(child.status.state).toBe('stopped');
    expect(child.status.lastExit?.reason).toBe('stopped');
  });

  it('restarts a child that exits, with backoff and the exit recorded, and gives up after max restarts', async () => {
    const r = recorder();
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', 'process.exit(3)'],
        cwd,
        env,
        backoff: { initialMs: 50, maxMs: 100, resetAfterMs: 60_000, maxRestarts: 2 },
      },
      r,
    );
    child.start();
    await eventually(() => child.status.state === 'failed');
    expect(child.status.restarts).toBe(2);
    expect(child.status.lastExit).toMatchObject({ code: 3, signal: null, reason: 'exited' });
    const backoffs = r.statuses.filter((s) => s.state === 'backoff');
    expect(backoffs.length).toBe(2);
    expect(backoffs[0]?.reason).toBe('exited with code 3');
    expect(backoffs[0]?.nextAttemptAt).not.toBeNull();
    await child.stop();
  });

  it('restarts a forever application that exits 0, recording the exit', async () => {
    const r = recorder();
    const child = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', 'process.exit(0)'],
        cwd,
        env,
        backoff: { initialMs: 50, maxMs: 50, resetAfterMs: 60_000, maxRestarts: undefined },
      },
      r,
    );
    child.start();
    await eventually(() => child.status.restarts >= 2);
    expect(child.status.lastExit).toMatchObject({ code: 0, signal: null, reason: 'exited' });
    expect(r.statuses.find((s) => s.state === 'backoff')?.reason).toBe('exited with code 0');
    await child.stop();
  });

  it('reports a command that cannot start, and keeps retrying it', async () => {
    const r = recorder();
    const child = new SupervisedChild(
      {
        file: join(cwd, 'no-such-command'),
        args: [],
        cwd,
        env,
        backoff: { initialMs: 50, maxMs: 50, resetAfterMs: 1000, maxRestarts: undefined },
      },
      r,
    );
    child.start();
    await eventually(() => child.status.restarts >= 2);
    expect(child.status.lastExit?.reason).toBe('spawn-error');
    expect(child.status.reason).toMatch(/^could not start: .*ENOENT/);
    await child.stop();
    expect(child.status.state).toBe('stopped');
  });

  it('stops the whole process group, grandchildren included, with SIGKILL after the grace period', async () => {
    const r = recorder();
    // The child ignores SIGTERM and forks a grandchild that ignores it too.
    const script = `
      process.on('SIGTERM', () => {});
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      console.log(String(g.pid));
      setInterval(() => {}, 1000);`;
    const child = new SupervisedChild(
      { file: process.execPath, args: ['-e', script], cwd, env, stopGraceMs: 300 },
      r,
    );
    child.start();
    await eventually(() => r.lines.some((l) => l.stream === 'stdout'));
    const grandchild = Number(r.lines.find((l) => l.stream === 'stdout')?.line);
    const pid = child.status.pid ?? 0;
    expect(alive(grandchild)).toBe(true);
    await child.stop();
    expect(child.status.lastExit).toMatchObject({ signal: 'SIGKILL', reason: 'stopped' });
    await eventually(() => !alive(grandchild) && !alive(pid), 5000);
  });
});
