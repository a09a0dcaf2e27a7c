import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from './errors.js';
import { isAlive } from './process.js';

export interface Lock {
  release(): void;
}

function holder(file: string): { pid: number | undefined; ageMs: number } | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return { pid: Number.isNaN(pid) ? undefined : pid, ageMs: Date.now() - statSync(file).mtimeMs };
  } catch {
    return undefined;
  }
}

/**
 * An O_EXCL lock file holding our pid. A lock whose pid is dead (or that stayed empty for a few
 * seconds: a writer killed between create and write) is stale and taken over.
 */
export async function acquireLock(file: string, timeoutMs = 600_000): Promise<Lock> {
  await mkdir(dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = holder(file);
    const stale =
      current !== undefined &&
      (current.pid === undefined
        ? current.ageMs > 5_000
        : current.pid !== process.pid && !isAlive(current.pid));
    if (stale) {
      try {
        unlinkSync(file);
      } catch {
        // someone else removed it first
      }
      continue;
    }
    if (Date.now() >= deadline) throw new LockTimeoutError(file, current?.pid);
    await sleep(200);
  }
}
