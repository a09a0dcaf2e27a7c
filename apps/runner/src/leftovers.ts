/**
 * A runner killed with SIGKILL leaves its children running (they are group leaders of their own
 * process groups). At start, the runner finds them through the pid files in its work directory
 * and stops them (SIGTERM to the group, SIGKILL after the grace period) before starting anything:
 * the leader places instances afresh, and nothing runs unsupervised.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@drover/platform';
import { isRunning, procStat, signalGroup } from '@drover/supervisor';
import { findPidFiles, PID_FILE } from './workdir.js';

export async function stopLeftovers(workdir: string, graceMs: number, logger: Logger): Promise<number> {
  const found = await findPidFiles(workdir);
  const ours: number[] = [];
  for (const { dir, record } of found) {
    const stat = await procStat(record.pid);
    // Same pid and same start time: the very process we started, not a reused pid; and not a
    // zombie waiting for a parent that may never reap it.
    if (stat !== undefined && stat.startTicks === record.startTicks && stat.state !== 'Z') {
      logger.warn({ pid: record.pid, dir }, 'stopping a child left by a previous runner');
      signalGroup(record.pid, 'SIGTERM');
      ours.push(record.pid);
    }
    await rm(join(dir, PID_FILE), { force: true });
  }
  const until = Date.now() + graceMs;
  for (const pid of ours) {
    while ((await isRunning(pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    signalGroup(pid, 'SIGKILL');
  }
  return ours.length;
}
