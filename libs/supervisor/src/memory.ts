/**
 * Hard memory limits per child, with the strongest mechanism the host offers (detected once):
 *
 * - cgroup v2: the runner moves itself into a leaf `<own>/runner`, enables the memory controller
 *   for its subtree and gives each child `<own>/instances/<id>` with `memory.max` (and
 *   `memory.swap.max` 0). OOM kills are counted from `memory.events`.
 * - cgroup v1: `<memory mount><own>/drover-<runner>/<id>` with `memory.limit_in_bytes` (and the
 *   memsw limit when swap accounting exists). OOM kills from `memory.oom_control`.
 * - watchdog: the RSS of the child's whole process group, read from /proc every interval; over
 *   the limit, the group is killed with SIGKILL. Used when no cgroup is writable.
 *
 * A child is moved into its cgroup right after it is spawned: what it allocates in the first
 * instants of exec is charged to the runner (a few MB at most), everything after to the child.
 * A child that cannot be moved (or whose cgroup cannot be made) is watched by the RSS watchdog
 * instead, and its status says `watchdog` (see launch.ts); one the watchdog cannot watch either
 * is killed before it does anything, and reported: a limit is never shown without being enforced.
 */
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MemoryEnforcement } from '@drover/cluster-state';
import { setLongInterval, type Timer } from '@drover/timers';
import { allProcesses, procStat, signalGroup } from './proc.js';

/** `cgroup2`, `cgroup1` or `watchdog` (the schema lives in @drover/cluster-state). */
export type MemoryEnforcementKind = MemoryEnforcement;

/** A child could not be put under its memory limit by a given mechanism. */
export class MemoryEnforcementError extends Error {
  readonly code: 'MEMORY_CAGE_CREATE' | 'MEMORY_CAGE_ATTACH' | 'MEMORY_WATCH';
  readonly kind: MemoryEnforcementKind;
  readonly pid: number | undefined;

  constructor(
    code: MemoryEnforcementError['code'],
    kind: MemoryEnforcementKind,
    message: string,
    options: { pid?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'MemoryEnforcementError';
    this.code = code;
    this.kind = kind;
    this.pid = options.pid;
  }
}

const causeOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Confinement of one child. */
export interface MemoryCage {
  readonly kind: MemoryEnforcementKind;
  readonly limitBytes: number;
  /** Puts the freshly spawned child (and its future descendants) under the limit. */
  attach(pid: number): Promise<void>;
  /** Current usage in bytes (cgroup charge, or RSS of the process group). */
  usage(): Promise<number | undefined>;
  /** OOM kills the kernel (or the watchdog) performed in this cage so far. */
  oomKills(): Promise<number>;
  /** Stops the confinement; the cgroup is removed once empty. */
  release(): Promise<void>;
}

export interface MemoryEnforcer {
  readonly kind: MemoryEnforcementKind;
  /** Where the cgroups live (undefined for the watchdog). */
  readonly root: string | undefined;
  /** A confinement of this enforcer's kind; throws a MemoryEnforcementError when it cannot. */
  cage(id: string, limitBytes: number): Promise<MemoryCage>;
  /** The RSS watchdog's confinement: the fallback for a child its cgroup cannot hold. */
  watchdogCage(limitBytes: number): Promise<MemoryCage>;
  /** Kills whatever runs in cgroups a previous runner life left, and removes them. */
  cleanupLeftovers(): Promise<number>;
  /** Stops the watchdog; removes the runner's (empty) cgroup v1 subtree. */
  close(): Promise<void>;
}

async function readNumberField(file: string, field: string): Promise<number> {
  try {
    const text = await readFile(file, 'utf8');
    const line = text.split('\n').find((l) => l.startsWith(`${field} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  } catch {
    return 0;
  }
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    return Number((await readFile(file, 'utf8')).trim());
  } catch {
    return undefined;
  }
}

async function tryWrite(file: string, value: string): Promise<boolean> {
  try {
    await writeFile(file, value);
    return true;
  } catch {
    return false;
  }
}

async function killCgroup(dir: string): Promise<number> {
  let killed = 0;
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const pid of text.split('\n').filter((l) => l !== '')) {
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      // gone
    }
  }
  return killed;
}

async function removeWhenEmpty(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

class CgroupCage implements MemoryCage {
  readonly kind: 'cgroup1' | 'cgroup2';
  readonly limitBytes: number;
  readonly #dir: string;

  constructor(kind: 'cgroup1' | 'cgroup2', dir: string, limitBytes: number) {
    this.kind = kind;
    this.#dir = dir;
    this.limitBytes = limitBytes;
  }

  static async create(kind: 'cgroup1' | 'cgroup2', dir: string, limitBytes: number): Promise<CgroupCage> {
    try {
      await mkdir(dir, { recursive: true });
      if (kind === 'cgroup1') {
        await writeFile(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
        // With swap accounting, also bound memory+swap, or the child would swap past its limit.
        await tryWrite(join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
      } else {
        await writeFile(join(dir, 'memory.max'), String(limitBytes));
        await tryWrite(join(dir, 'memory.swap.max'), '0');
      }
    } catch (err) {
      throw new MemoryEnforcementError('MEMORY_CAGE_CREATE', kind, `cannot set up ${dir}: ${causeOf(err)}`, {
        cause: err,
      });
    }
    return new CgroupCage(kind, dir, limitBytes);
  }

  async attach(pid: number): Promise<void> {
    const procs = join(this.#dir, 'cgroup.procs');
    try {
      await writeFile(procs, String(pid));
    } catch (err) {
      throw new MemoryEnforcementError(
        'MEMORY_CAGE_ATTACH',
        this.kind,
        `cannot move pid ${pid} into ${procs}: ${causeOf(err)}`,
        { pid, cause: err },
      );
    }
  }

  usage(): Promise<number | undefined> {
    return readNumber(join(this.#dir, this.kind === 'cgroup1' ? 'memory.usage_in_bytes' : 'memory.current'));
  }

  oomKills(): Promise<number> {
    return this.kind === 'cgroup1'
      ? readNumberField(join(this.#dir, 'memory.oom_control'), 'oom_kill')
      : readNumberField(join(this.#dir, 'memory.events'), 'oom_kill');
  }

  async release(): Promise<void> {
    await killCgroup(this.#dir);
    await removeWhenEmpty(this.#dir);
  }
}

class CgroupEnforcer implements MemoryEnforcer {
  readonly kind: 'cgroup1' | 'cgroup2';
  readonly root: string;
  readonly #watchdogIntervalMs: number;
  #watchdog: Watchdog | undefined;

  constructor(kind: 'cgroup1' | 'cgroup2', root: string, watchdogIntervalMs: number) {
    this.kind = kind;
    this.root = root;
    this.#watchdogIntervalMs = watchdogIntervalMs;
  }

  cage(id: string, limitBytes: number): Promise<MemoryCage> {
    return CgroupCage.create(this.kind, join(this.root, id), limitBytes);
  }

  async watchdogCage(limitBytes: number): Promise<MemoryCage> {
    this.#watchdog ??= new Watchdog(this.#watchdogIntervalMs);
    return new WatchdogCage(this.#watchdog, limitBytes);
  }

  async cleanupLeftovers(): Promise<number> {
    let killed = 0;
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const dir = join(this.root, e.name);
      killed += await killCgroup(dir);
      await removeWhenEmpty(dir);
    }
    return killed;
  }

  async close(): Promise<void> {
    this.#watchdog?.close();
    // cgroup v2's root is a sibling of the leaf the runner itself lives in: leave it.
    if (this.kind === 'cgroup1') await rmdir(this.root).catch(() => {});
  }
}

/** One /proc scan per interval for every watched process group. */
export class Watchdog {
  readonly intervalMs: number;
  #groups = new Map<number, { limitBytes: number; rss: number; onBreach: (rss: number) => void }>();
  #timer: Timer | undefined;
  #scanning = false;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  watch(pgid: number, limitBytes: number, onBreach: (rss: number) => void): () => void {
    this.#groups.set(pgid, { limitBytes, rss: 0, onBreach });
    this.#timer ??= setLongInterval(() => void this.scan(), this.intervalMs).unref();
    return () => {
      this.#groups.delete(pgid);
      if (this.#groups.size === 0) {
        this.#timer?.clear();
        this.#timer = undefined;
      }
    };
  }

  rss(pgid: number): number | undefined {
    return this.#groups.get(pgid)?.rss;
  }

  /** Sums RSS per watched process group and kills the groups over their limit. */
  async scan(): Promise<void> {
    if (this.#scanning || this.#groups.size === 0) return;
    this.#scanning = true;
    try {
      const totals = new Map<number, number>();
      for (const p of await allProcesses()) {
        if (this.#groups.has(p.pgrp) && p.state !== 'Z')
          totals.set(p.pgrp, (totals.get(p.pgrp) ?? 0) + p.rssBytes);
      }
      for (const [pgid, group] of this.#groups) {
        group.rss = totals.get(pgid) ?? 0;
        if (group.rss > group.limitBytes) {
          signalGroup(pgid, 'SIGKILL');
          group.onBreach(group.rss);
        }
      }
    } finally {
      this.#scanning = false;
    }
  }

  close(): void {
    this.#timer?.clear();
    this.#timer = undefined;
    this.#groups.clear();
  }
}

class WatchdogCage implements MemoryCage {
  readonly kind = 'watchdog' as const;
  readonly limitBytes: number;
  #watchdog: Watchdog;
  #pgid: number | undefined;
  #unwatch: (() => void) | undefined;
  #kills = 0;

  constructor(watchdog: Watchdog, limitBytes: number) {
    this.#watchdog = watchdog;
    this.limitBytes = limitBytes;
  }

  /** Watches the process group `pid` leads; throws when /proc cannot show that process. */
  async attach(pid: number): Promise<void> {
    if ((await procStat(pid)) === undefined) {
      throw new MemoryEnforcementError(
        'MEMORY_WATCH',
        'watchdog',
        `cannot read /proc/${pid}/stat to watch its RSS`,
        {
          pid,
        },
      );
    }
    this.#unwatch?.();
    this.#pgid = pid;
    this.#unwatch = this.#watchdog.watch(pid, this.limitBytes, () => {
      this.#kills++;
    });
  }

  async usage(): Promise<number | undefined> {
    return this.#pgid === undefined ? undefined : this.#watchdog.rss(this.#pgid);
  }

  async oomKills(): Promise<number> {
    return this.#kills;
  }

  async release(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}

class WatchdogEnforcer implements MemoryEnforcer {
  readonly kind = 'watchdog' as const;
  readonly root = undefined;
  readonly watchdog: Watchdog;

  constructor(intervalMs: number) {
    this.watchdog = new Watchdog(intervalMs);
  }

  async cage(_id: string, limitBytes: number): Promise<MemoryCage> {
    return new WatchdogCage(this.watchdog, limitBytes);
  }

  watchdogCage(limitBytes: number): Promise<MemoryCage> {
    return this.cage('', limitBytes);
  }

  async cleanupLeftovers(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.watchdog.close();
  }
}

export interface MemoryEnforcementOptions {
  /** Names the runner's cgroup subtree (`drover-<name>`). */
  readonly runnerName: string;
  /** `auto` (default): cgroup v2, else v1, else the watchdog. */
  readonly prefer?: 'auto' | 'watchdog';
  /** Watchdog scan interval (default 500 ms). */
  readonly watchdogIntervalMs?: number;
  /** For tests: where cgroup files are (default /sys/fs/cgroup) and the process's cgroup file. */
  readonly cgroupFs?: string;
  readonly procSelfCgroup?: string;
}

async function probeV1(fs: string, own: string, name: string): Promise<string | undefined> {
  const root = join(fs, 'memory', own, `drover-${name}`);
  try {
    await mkdir(root, { recursive: true });
    const probe = join(root, '.probe');
    await mkdir(probe, { recursive: true });
    const ok = await tryWrite(join(probe, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    await rmdir(probe).catch(() => {});
    return ok ? root : undefined;
  } catch {
    return undefined;
  }
}

async function probeV2(fs: string, own: string): Promise<string | undefined> {
  const base = join(fs, own);
  try {
    const controllers = await readFile(join(fs, 'cgroup.controllers'), 'utf8');
    if (!controllers.split(/\s+/).includes('memory')) return undefined;
    // "No internal processes": move ourselves into a leaf before enabling controllers below.
    const self = join(base, 'runner');
    await mkdir(self, { recursive: true });
    const procs = (await readFile(join(base, 'cgroup.procs'), 'utf8')).split('\n').filter((l) => l !== '');
    for (const pid of procs) await writeFile(join(self, 'cgroup.procs'), pid).catch(() => {});
    await writeFile(join(base, 'cgroup.subtree_control'), '+memory');
    const instances = join(base, 'instances');
    await mkdir(instances, { recursive: true });
    await writeFile(join(instances, 'cgroup.subtree_control'), '+memory');
    return instances;
  } catch {
    return undefined;
  }
}

/** Detects the strongest enforcement this host allows the runner. */
export async function detectMemoryEnforcement(options: MemoryEnforcementOptions): Promise<MemoryEnforcer> {
  const interval = options.watchdogIntervalMs ?? 500;
  if (options.prefer === 'watchdog') return new WatchdogEnforcer(interval);
  const fs = options.cgroupFs ?? '/sys/fs/cgroup';
  const text = await readFile(options.procSelfCgroup ?? '/proc/self/cgroup', 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l !== '');
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes('memory'));
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v1 === undefined && v2 !== undefined) {
    const root = await probeV2(fs, v2.slice(3));
    if (root !== undefined) return new CgroupEnforcer('cgroup2', root, interval);
  }
  if (v1 !== undefined) {
    const root = await probeV1(fs, v1.split(':').slice(2).join(':'), options.runnerName);
    if (root !== undefined) return new CgroupEnforcer('cgroup1', root, interval);
  }
  return new WatchdogEnforcer(interval);
}
