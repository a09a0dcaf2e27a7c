/**
 * Scratch directories without a test runner: made under the system's temp directory, then removed
 * or kept for their logs. `scratch.ts` (vitest's hooks) and the benchmark harness
 * (`test/bench/harness.ts`, `ctx.scratchDir`) both end theirs here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system's temp directory, named `prefix` + a random suffix. */
export function makeScratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Removes `dir`, or, with `keep`, leaves it and names it on stderr (its logs are what to read when
 * something failed). A directory that cannot be removed is named on stderr too, never thrown.
 */
export function endScratchDir(dir: string, keep: boolean): void {
  if (keep) {
    process.stderr.write(`scratch directory kept for its logs: ${dir}\n`);
    return;
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    process.stderr.write(`scratch directory ${dir} not removed: ${(err as Error).message}\n`);
  }
}
