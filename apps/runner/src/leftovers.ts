/**
 * A runner killed with SIGKILL leaves its children running (they are group leaders of their own
 * process groups). At start, the runner finds them through the pid files in its work directory
 * and stops them (SIGTERM to the group, SIGKILL after the grace period) before starting anything:
 * the leader places instances afresh, and nothing runs unsupervised.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@drover/platform';
import { findPidFiles, PID_FILE, processStartTicks } from './workdir.js';

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function stopLeftovers(workdir: string, graceMs: number, logger: Logger): Promise<number> {
  let stopped = 0;
  for (const { dir, record } of await findPidFiles(workdir)) {
    const ticks = await processStartTicks(record.pid);
    // Same pid and same start time: the very process we started, not a reused pid.
    if (ticks !== null && ticks === record.startTicks && alive(record.pid)) {
      logger.warn({ pid: record.pid, dir }, 'stopping a child left by a previous runner');
      signalGroup(record.pid, 'SIGTERM');
      const until = Date.now() + graceMs;
      while (alive(record.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      signalGroup(record.pid, 'SIGKILL');
      stopped++;
    }
    await rm(join(dir, PID_FILE), { force: true });
  }
  return stopped;
}
