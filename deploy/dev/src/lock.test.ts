import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError } from './errors.js';
import { acquireLock } from './lock.js';

describe('acquireLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drover-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes our pid and removes the file on release', async () => {
    const file = join(dir, 'lock');
    const lock = await acquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    lock.release();
    (await acquireLock(file, 1_000)).release();
  });

  it('waits for a live holder and times out naming it', async () => {
    const file = join(dir, 'lock');
    // pid 1 is always alive and never ours.
    writeFileSync(file, '1');
    const error = await acquireLock(file, 500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).holderPid).toBe(1);
  });

  it('takes over a lock whose holder is dead', async () => {
    const file = join(dir, 'lock');
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    writeFileSync(file, String(dead));
    const lock = await acquireLock(file, 2_000);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    lock.release();
  });
});
