/**
 * A runner killed with SIGKILL leaves its children running (they are group leaders of their own
 * process groups). At start, the runner finds them through the pid files in its work directory
 * and stops them (SIGTERM to the group, SIGKILL after the grace period) before starting anything:
 * the leader places instances afresh, and nothing runs unsupervised.
 */
import { readFile, rm } from 'node:fs/promises';
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

/** Running, not merely a zombie waiting for a parent that may never reap it (orphans). */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function stopLeftovers(workdir: string, graceMs: number, logger: Logger): Promise<number> {
  const found = await findPidFiles(workdir);
  const ours: number[] = [];
  for (const { dir, record } of found) {
    const ticks = await processStartTicks(record.pid);
    // Same pid and same start time: the very process we started, not a reused pid.
    if (ticks !== null && ticks === record.startTicks && (await running(record.pid))) {
      logger.warn({ pid: record.pid, dir }, 'stopping a child left by a previous runner');
      signalGroup(record.pid, 'SIGTERM');
      ours.push(record.pid);
    }
    await rm(join(dir, PID_FILE), { force: true });
  }
  const until = Date.now() + graceMs;
  for (const pid of ours) {
    while ((await running(pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    signalGroup(pid, 'SIGKILL');
  }
  return ours.length;
}
