/**
 * Per-instance work directories: `<workdir>/<tenant>/<channel>/<app>/<index>/`, holding the
 * channel's files (as Shiva ships them) and the pid file of the running child. Every path is
 * checked to stay inside the runner's work directory.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { InstanceRef } from '@drover/store';
import { procStat } from '@drover/supervisor';

export const PID_FILE = '.drover-child.json';
/**
 * Where a child says its metrics address (`{pid, url}`), named to it by DROVER_METRICS_FILE:
 * punchlinectl serves its counters there (`GET /v1/stats`) and the runner passes them on.
 */
export const METRICS_FILE = '.drover-metrics.json';

export class WorkdirError extends Error {
  override readonly name = 'WorkdirError';
}

function inside(root: string, ...parts: string[]): string {
  const full = resolve(root, ...parts);
  if (full !== root && !full.startsWith(root + sep)) {
    throw new WorkdirError(`path ${parts.join('/')} leads outside the work directory ${root}`);
  }
  return full;
}

export function instanceDir(workdir: string, ref: InstanceRef): string {
  return inside(workdir, ref.tenant, ref.channel, ref.app, String(ref.index));
}

/**
 * Empties the instance directory and writes the channel directory into it: `files` as text,
 * `binaryFiles` decoded from base64 (executable bits on `executables`). Returns the directory.
 */
export async function prepareInstanceDir(
  workdir: string,
  ref: InstanceRef,
  files: Readonly<Record<string, string>>,
  binaryFiles: Readonly<Record<string, string>> = {},
  executables: readonly string[] = [],
): Promise<string> {
  const dir = instanceDir(workdir, ref);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const entries: [string, string | Buffer][] = [
    ...Object.entries(files),
    ...Object.entries(binaryFiles).map(([path, b64]): [string, Buffer] => [path, Buffer.from(b64, 'base64')]),
  ];
  for (const [path, content] of entries) {
    const target = inside(dir, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o750 });
    await writeFile(target, content, { mode: executables.includes(path) ? 0o750 : 0o640 });
  }
  return dir;
}

export async function removeInstanceDir(workdir: string, ref: InstanceRef): Promise<void> {
  await rm(instanceDir(workdir, ref), { recursive: true, force: true });
}

export interface PidRecord {
  readonly pid: number;
  /** Kernel start time of the process (`/proc/<pid>/stat` field 22), to tell a reused pid apart. */
  readonly startTicks: string | null;
}

export async function writePidFile(dir: string, pid: number): Promise<void> {
  const record: PidRecord = { pid, startTicks: (await procStat(pid))?.startTicks ?? null };
  await writeFile(join(dir, PID_FILE), JSON.stringify(record), { mode: 0o640 });
}

/** Pid files left in `<workdir>/*\/*\/*\/*` by a previous life of the runner. */
export async function findPidFiles(workdir: string): Promise<{ dir: string; record: PidRecord }[]> {
  const found: { dir: string; record: PidRecord }[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth === 4) {
      const text = await readFile(join(dir, PID_FILE), 'utf8').catch(() => undefined);
      if (text === undefined) return;
      try {
        const record = JSON.parse(text) as PidRecord;
        if (Number.isInteger(record.pid) && record.pid > 1) found.push({ dir, record });
      } catch {
        // a torn write: nothing to stop
      }
      return;
    }
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name), depth + 1);
  };
  await walk(workdir, 0);
  return found;
}
