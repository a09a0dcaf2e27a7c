/**
 * One supervised instance. Forever applications run continuously: an exit (even with code 0,
 * which a forever application should not do) is recorded and followed by a restart after the
 * backoff; `failed` after `maxRestarts` when set. Scheduled applications run at each tick of
 * their schedule; a tick that finds the previous run still going is skipped and counted.
 *
 * Every run is a process group under a hard memory limit (see memory.ts); stopping sends
 * SIGTERM to the group, then SIGKILL after the grace period, and leaves nothing behind.
 */
import type { InstanceState, LastExit } from '@drover/cluster-state';
import { setLongTimeout, type Timer } from '@drover/timers';
import { type BackoffPolicy, defaultBackoff, nextConsecutive, restartDelay } from './backoff.js';
import { type Launched, type LaunchSpec, launch, type OutputSink } from './launch.js';
import type { MemoryCage, MemoryEnforcementKind, MemoryEnforcer } from './memory.js';
import { signalGroup } from './proc.js';

/** What pino's Logger provides; the supervisor needs no more. */
export interface ChildLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** When a scheduled application runs next, after a given time (undefined: never again). */
export type Schedule = (after: Date) => Date | undefined;

export interface ChildSpec extends LaunchSpec {
  readonly backoff?: BackoffPolicy;
  /** SIGTERM to SIGKILL (default 10 s). */
  readonly stopGraceMs?: number;
  /** Hard memory limit; needs `memory` in the options. */
  readonly memoryLimitBytes?: number;
  /** Run at each tick instead of forever. */
  readonly schedule?: Schedule;
}

export interface ChildStatus {
  readonly state: InstanceState;
  readonly pid: number | null;
  readonly restarts: number;
  readonly lastExit: LastExit | null;
  readonly since: string;
  readonly reason: string | null;
  readonly nextAttemptAt: string | null;
  readonly oomKills: number;
  readonly memoryLimitBytes: number | null;
  /**
   * How the limit is enforced for the current run: the enforcer's kind, or `watchdog` when the
   * child could not be put in its cgroup. Null when not running or without a limit.
   */
  readonly memoryEnforcement: MemoryEnforcementKind | null;
  /** Scheduled applications: the last run's start, the next tick, ticks skipped. */
  readonly lastRunAt: string | null;
  readonly nextRunAt: string | null;
  readonly skippedRuns: number;
}

export interface SupervisedChildOptions {
  readonly logger: ChildLogger;
  /** Names the memory cage (a cgroup directory): unique per instance on the runner. */
  readonly id?: string;
  readonly memory?: MemoryEnforcer;
  /** Where output lines go; default: the logger (info for stdout, warn for stderr). */
  readonly output?: OutputSink;
  onStatus?(status: ChildStatus): void;
  readonly now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class SupervisedChild {
  readonly spec: ChildSpec;
  #options: SupervisedChildOptions;
  #now: () => number;
  #status: ChildStatus;
  #run: Launched | undefined;
  #runDone: Promise<void> = Promise.resolve();
  #startedAt = 0;
  #consecutive = 0;
  #timer: Timer | undefined;
  #stopping = false;
  #launching: Promise<void> | undefined;
  #cage: MemoryCage | undefined;
  #output: OutputSink;

  constructor(spec: ChildSpec, options: SupervisedChildOptions) {
    this.spec = spec;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const log = options.logger;
    this.#output =
      options.output ??
      ((stream, line) => (stream === 'stdout' ? log.info({ stream }, line) : log.warn({ stream }, line)));
    this.#status = {
      state: 'pending',
      pid: null,
      restarts: 0,
      lastExit: null,
      since: iso(this.#now()),
      reason: null,
      nextAttemptAt: null,
      oomKills: 0,
      memoryLimitBytes: spec.memoryLimitBytes ?? null,
      memoryEnforcement: null,
      lastRunAt: null,
      nextRunAt: null,
      skippedRuns: 0,
    };
  }

  get status(): ChildStatus {
    return this.#status;
  }

  get backoff(): BackoffPolicy {
    return this.spec.backoff ?? defaultBackoff;
  }

  /** Memory in use now (cgroup charge or process-group RSS); undefined when not running. */
  async rssBytes(): Promise<number | undefined> {
    return this.#run === undefined ? undefined : this.#run.cage?.usage();
  }

  start(): void {
    if (
      this.#stopping ||
      this.#run !== undefined ||
      this.#launching !== undefined ||
      this.#timer !== undefined
    )
      return;
    if (this.spec.schedule !== undefined) this.#scheduleNext();
    else this.#spawn(this.#status.restarts);
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves once everything is gone. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#timer?.clear();
    this.#timer = undefined;
    await this.#launching;
    const run = this.#run;
    if (run !== undefined) {
      this.#set({ state: 'stopping', reason: null });
      signalGroup(run.pid, 'SIGTERM');
      const grace = setLongTimeout(() => signalGroup(run.pid, 'SIGKILL'), this.spec.stopGraceMs ?? 10_000);
      try {
        await this.#runDone;
      } finally {
        grace.clear();
      }
      // The group leader is gone; leave nothing of its group behind.
      signalGroup(run.pid, 'SIGKILL');
    } else {
      this.#set({ state: 'stopped', pid: null, reason: null, nextAttemptAt: null, nextRunAt: null });
    }
    await this.#cage?.release();
  }

  #set(change: Partial<ChildStatus>): void {
    const stateChanged = change.state !== undefined && change.state !== this.#status.state;
    this.#status = { ...this.#status, ...change, ...(stateChanged ? { since: iso(this.#now()) } : {}) };
    this.#options.onStatus?.(this.#status);
  }

  /**
   * The cage of this instance, made once; when the enforcer cannot make it (a cgroup that cannot
   * be created), this run gets the watchdog instead and the next run tries the cgroup again.
   */
  async #ensureCage(): Promise<{ cage: MemoryCage | undefined; forThisRun: boolean }> {
    const { memory, id } = this.#options;
    const limit = this.spec.memoryLimitBytes;
    if (this.#cage !== undefined || memory === undefined || limit === undefined) {
      return { cage: this.#cage, forThisRun: false };
    }
    try {
      this.#cage = await memory.cage(id ?? `child-${process.pid}-${this.#now()}`, limit);
      return { cage: this.#cage, forThisRun: false };
    } catch (err) {
      if (memory.kind === 'watchdog') throw err;
      this.#options.logger.warn(
        { memoryEnforcement: 'watchdog', err: err instanceof Error ? err.message : String(err) },
        `cannot create its ${memory.kind} cgroup: the RSS watchdog enforces its memory limit for this run`,
      );
      return { cage: await memory.watchdogCage(limit), forThisRun: true };
    }
  }

  /** Starts one run; `onEnd` decides what follows it. */
  #spawn(restarts: number): void {
    this.#set({ state: 'starting', restarts, reason: null, nextAttemptAt: null });
    this.#launching = (async () => {
      let run: Launched;
      try {
        const { cage, forThisRun } = await this.#ensureCage();
        if (this.#stopping) {
          if (forThisRun) await cage?.release();
          return;
        }
        const memory = this.#options.memory;
        run = await launch(this.spec, {
          cage,
          ...(memory === undefined ? {} : { fallback: (limit: number) => memory.watchdogCage(limit) }),
          output: this.#output,
          stopping: () => this.#stopping,
          now: this.#now,
        });
        if (forThisRun) void run.exit.finally(() => cage?.release());
      } catch (err) {
        this.#onExit({
          code: null,
          signal: null,
          reason: 'spawn-error',
          at: iso(this.#now()),
          message: String(err),
        });
        return;
      }
      this.#run = run;
      this.#startedAt = this.#now();
      if (run.fallback !== undefined) {
        this.#options.logger.warn({ memoryEnforcement: run.enforcement, pid: run.pid }, run.fallback);
      }
      const scheduled = this.spec.schedule !== undefined;
      // A refused run never counts as running: it was killed at once, its exit follows.
      if (run.pid !== undefined && run.refused === undefined) {
        this.#set({
          state: 'running',
          pid: run.pid,
          memoryEnforcement: run.enforcement,
          ...(scheduled ? { lastRunAt: iso(this.#startedAt), reason: null } : {}),
        });
      }
      this.#runDone = run.exit.then((exit) => {
        this.#run = undefined;
        this.#onExit(exit);
      });
    })().finally(() => {
      this.#launching = undefined;
    });
  }

  #onExit(lastExit: LastExit): void {
    const oomKills = this.#status.oomKills + (lastExit.reason === 'oom' ? 1 : 0);
    if (this.#stopping) {
      this.#set({
        state: 'stopped',
        pid: null,
        memoryEnforcement: null,
        lastExit,
        oomKills,
        reason: null,
        nextAttemptAt: null,
        nextRunAt: null,
      });
      return;
    }
    this.#options.logger.warn({ exit: lastExit }, 'child exited');
    if (this.spec.schedule !== undefined) {
      // The timer for the next tick is already armed.
      const next = this.#status.nextRunAt;
      this.#set({
        state: next === null ? 'stopped' : 'running',
        pid: null,
        memoryEnforcement: null,
        lastExit,
        oomKills,
        reason: next === null ? 'the schedule has no further run' : `scheduled: next run at ${next}`,
      });
      return;
    }
    const policy = this.backoff;
    const up = this.#now() - this.#startedAt;
    const consecutive = this.#consecutive;
    this.#consecutive = nextConsecutive(policy, consecutive, up);
    if (policy.maxRestarts !== undefined && this.#status.restarts >= policy.maxRestarts) {
      this.#set({
        state: 'failed',
        pid: null,
        memoryEnforcement: null,
        lastExit,
        oomKills,
        reason: `gave up after ${this.#status.restarts} restarts (max_restarts)`,
        nextAttemptAt: null,
      });
      return;
    }
    const delay = restartDelay(policy, up >= policy.resetAfterMs ? 0 : consecutive);
    this.#set({
      state: 'backoff',
      pid: null,
      lastExit,
      oomKills,
      reason: describeExit(lastExit),
      nextAttemptAt: iso(this.#now() + delay),
    });
    this.#timer = setLongTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopping) this.#spawn(this.#status.restarts + 1);
    }, delay);
  }

  /** Arms the timer for the next tick; a tick that finds a run still going is skipped. */
  #scheduleNext(): void {
    const schedule = this.spec.schedule;
    if (schedule === undefined || this.#stopping) return;
    const next = schedule(new Date(this.#now()));
    if (next === undefined) {
      this.#set({ state: 'stopped', nextRunAt: null, reason: 'the schedule has no further run' });
      return;
    }
    const waiting = this.#run === undefined && this.#launching === undefined;
    this.#set({
      ...(waiting ? { state: 'running' as const, pid: null } : {}),
      nextRunAt: next.toISOString(),
      ...(waiting ? { reason: `scheduled: next run at ${next.toISOString()}` } : {}),
    });
    this.#armTick(next);
  }

  /**
   * Waits for the tick however far away it is (a yearly job waits a year: native timers cap at
   * 24.8 days), then runs. A timer runs on the monotonic clock and the tick is wall-clock time: a
   * timer that fires before the wall clock reaches the tick (clock stepped back, timer jitter)
   * waits the rest instead of computing the same tick again and running it twice.
   */
  #armTick(next: Date): void {
    this.#timer = setLongTimeout(() => {
      this.#timer = undefined;
      if (this.#stopping) return;
      if (next.getTime() > this.#now()) {
        this.#armTick(next);
        return;
      }
      if (this.#run !== undefined || this.#launching !== undefined) {
        this.#options.logger.warn({ tick: next.toISOString() }, 'previous run still going: tick skipped');
        this.#set({ skippedRuns: this.#status.skippedRuns + 1 });
        this.#scheduleNext();
        return;
      }
      this.#spawn(this.#status.restarts);
      this.#scheduleNext();
    }, next.getTime() - this.#now());
  }
}

export function describeExit(exit: LastExit): string {
  if (exit.reason === 'spawn-error') return `could not start: ${exit.message ?? 'unknown error'}`;
  if (exit.reason === 'oom') return exit.message ?? 'killed over its memory limit';
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
