/** Reading /proc: process groups, RSS, liveness. Linux only, like the runner. */
import { readdir, readFile } from 'node:fs/promises';

const PAGE = 4096;

export interface ProcStat {
  readonly pid: number;
  readonly state: string;
  readonly pgrp: number;
  readonly rssBytes: number;
  /** Kernel start time in clock ticks since boot (field 22). */
  readonly startTicks: string;
}

/** `/proc/<pid>/stat`, parsed; undefined when the process is gone. */
export async function procStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command (field 2) may hold spaces and parentheses: fields resume after the last ")".
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: rest[0] ?? '?',
    pgrp: Number(rest[2]),
    rssBytes: Number(rest[21]) * PAGE,
    startTicks: rest[19] ?? '',
  };
}

/** Every process now, one stat each (processes that vanish meanwhile are skipped). */
export async function allProcesses(): Promise<ProcStat[]> {
  const entries = await readdir('/proc');
  const stats = await Promise.all(entries.filter((e) => /^[0-9]+$/.test(e)).map((e) => procStat(Number(e))));
  return stats.filter((s): s is ProcStat => s !== undefined);
}

/** Running, not merely a zombie waiting for its parent. */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pgid === undefined || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
