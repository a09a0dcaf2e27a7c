import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { READY_FILE, ReadinessWatch, signalsReadiness } from './readiness.js';

describe('ReadinessWatch', () => {
  const watches: ReadinessWatch[] = [];
  afterEach(() => {
    for (const w of watches.splice(0)) w.close();
  });

  it('hears the pid a child writes (through a rename) into its ready file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-ready-'));
    const pids: number[] = [];
    const watch = new ReadinessWatch(
      dir,
      (pid) => pids.push(pid),
      (err) => {
        throw err;
      },
    );
    watches.push(watch);
    expect(watch.watching).toBe(true);
    // Other files of the work directory are not its business.
    writeFileSync(join(dir, 'input.offset'), '42');
    writeFileSync(join(dir, 'tmp'), '4242\n');
    renameSync(join(dir, 'tmp'), join(dir, READY_FILE));
    await eventually(() => pids.length > 0, 5000, 'the ready pid');
    expect(pids).toContain(4242);
    expect(pids.every((p) => p === 4242)).toBe(true);
  });

  it('reads a file written before it was asked (a child faster than its status)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-ready-'));
    writeFileSync(join(dir, READY_FILE), '77\n');
    const pids: number[] = [];
    const watch = new ReadinessWatch(
      dir,
      (pid) => pids.push(pid),
      () => {},
    );
    watches.push(watch);
    watch.check();
    await eventually(() => pids.length > 0, 5000, 'the ready pid');
    expect(pids).toEqual([77]);
  });

  it('is spoken by punchlinectl only; other commands are ready when they run', () => {
    expect(signalsReadiness('punchlinectl')).toBe(true);
    expect(signalsReadiness('node')).toBe(false);
  });
});
