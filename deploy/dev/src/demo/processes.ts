/**
 * The demo's long-running processes: each started detached (own process group, output appended to
 * `<demo>/<name>.log`) and recorded in `<demo>/<name>.pid`, so `deploy/dev/demo up` can return to
 * the shell and `down` (or Ctrl-C under `npm start`) finds and stops them all.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, spawnDetached, stopProcess } from '../process.js';
import type { DemoPaths } from './layout.js';

/** Starts `command` detached, records its pid as `name`; returns the pid. */
export async function startRecorded(
  paths: DemoPaths,
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const child = await spawnDetached(command, args, paths.log(name), env);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: ${command} did not start`);
  await writeFile(paths.pidFile(name), `${pid}\n`);
  return pid;
}

/** The pids recorded in `<demo>/*.pid`, by name. */
export async function recordedPids(paths: DemoPaths): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let files: string[];
  try {
    files = await readdir(paths.dir);
  } catch {
    return out;
  }
  for (const f of files.filter((x) => x.endsWith('.pid'))) {
    const pid = Number((await readFile(join(paths.dir, f), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0) out.set(f.slice(0, -4), pid);
  }
  return out;
}

/**
 * Pids of pipeline children still running in the runners' work directories: a runner killed with
 * SIGKILL leaves its children behind (a restarted runner stops them; so does `down`). A child
 * counts only if its process still runs in that directory (a recycled pid runs elsewhere).
 */
export async function orphanChildren(paths: DemoPaths): Promise<number[]> {
  const found: number[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && depth > 0) await walk(path, depth - 1);
      else if (e.isFile() && e.name === '.drover-child.json') {
        const pid = /"pid":(\d+)/.exec(await readFile(path, 'utf8').catch(() => ''))?.[1];
        if (pid === undefined) continue;
        const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
        if (cwd === dirname(path)) found.push(Number(pid));
      }
    }
  };
  let top: string[];
  try {
    top = (await readdir(paths.dir)).filter((d) => d.startsWith('work-'));
  } catch {
    return found;
  }
  for (const d of top) await walk(join(paths.dir, d), 5);
  return found;
}

/**
 * Stops every recorded process (SIGTERM, SIGKILL after `graceMs`), in the order given first (the
 * senders before the receivers' runners, the runners before the controllers), then any orphaned
 * pipeline child. Returns what it stopped, by name.
 */
export async function stopRecorded(
  paths: DemoPaths,
  order: readonly string[],
  graceMs = 15_000,
): Promise<string[]> {
  const pids = await recordedPids(paths);
  const names = [...order.filter((n) => pids.has(n)), ...[...pids.keys()].filter((n) => !order.includes(n))];
  const stopped: string[] = [];
  for (const name of names) {
    const pid = pids.get(name) as number;
    if (isAlive(pid)) {
      await stopProcess(pid, graceMs);
      stopped.push(name);
    }
    await rm(paths.pidFile(name), { force: true });
  }
  for (const pid of await orphanChildren(paths)) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
    await stopProcess(pid, graceMs);
    stopped.push(`pipeline pid ${pid}`);
  }
  return stopped;
}

/** Resolves once `url` answers 2xx; throws after `timeoutMs`, naming the log to read. */
export async function waitHttp(url: string, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${timeoutMs / 1000} s; see ${log}`);
    await sleep(200);
  }
}
