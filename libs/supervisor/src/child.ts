/**
 * One supervised child: started through execa (never a shell) in its own process group, output
 * read line by line into log records (never buffered whole), restarted with backoff when it
 * exits, stopped with SIGTERM to the group then SIGKILL after a grace period.
 *
 * The runner's seam: it creates a `SupervisedChild` per instance and listens to status changes.
 * Memory limits, log files and schedules plug in here (runner supervision issue).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { InstanceState, LastExit } from '@drover/cluster-state';
import type { ResultPromise } from 'execa';
import { type BackoffPolicy, defaultBackoff, nextConsecutive, restartDelay } from './backoff.js';

/** What pino's Logger provides; the supervisor needs no more. */
export interface ChildLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ChildSpec {
  /** The executable: an absolute path, or a bare name resolved through `env.PATH`. */
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's whole environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly backoff?: BackoffPolicy;
  /** SIGTERM to SIGKILL (default 10 s). */
  readonly stopGraceMs?: number;
}

export interface ChildStatus {
  readonly state: InstanceState;
  readonly pid: number | null;
  readonly restarts: number;
  readonly lastExit: LastExit | null;
  readonly since: string;
  readonly reason: string | null;
  readonly nextAttemptAt: string | null;
}

export interface SupervisedChildOptions {
  readonly logger: ChildLogger;
  onStatus?(status: ChildStatus): void;
  /** Clock and timers, replaceable in unit tests. */
  readonly now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * execa and its dependencies weigh about 10 MB of RSS: loaded with the first child, so a runner
 * with nothing to supervise stays small.
 */
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = () => {
  execaModule ??= import('execa');
  return execaModule;
};

export class SupervisedChild {
  readonly spec: ChildSpec;
  #options: SupervisedChildOptions;
  #now: () => number;
  #status: ChildStatus;
  #process: ResultPromise | undefined;
  #exited: Promise<void> = Promise.resolve();
  #startedAt = 0;
  #consecutive = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #launching: Promise<void> | undefined;

  constructor(spec: ChildSpec, options: SupervisedChildOptions) {
    this.spec = spec;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#status = {
      state: 'pending',
      pid: null,
      restarts: 0,
      lastExit: null,
      since: iso(this.#now()),
      reason: null,
      nextAttemptAt: null,
    };
  }

  get status(): ChildStatus {
    return this.#status;
  }

  get backoff(): BackoffPolicy {
    return this.spec.backoff ?? defaultBackoff;
  }

  start(): void {
    if (this.#stopping || this.#process !== undefined || this.#launching !== undefined) return;
    this.#spawn();
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves once the child is gone. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#launching;
    const child = this.#process;
    if (child === undefined) {
      this.#set({ state: 'stopped', pid: null, reason: null, nextAttemptAt: null });
      return;
    }
    this.#set({ state: 'stopping', reason: null });
    signalGroup(child.pid, 'SIGTERM');
    const grace = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), this.spec.stopGraceMs ?? 10_000);
    try {
      await this.#exited;
    } finally {
      clearTimeout(grace);
    }
    // The leader of the group is gone; leave nothing of its group behind.
    signalGroup(child.pid, 'SIGKILL');
  }

  #set(change: Partial<ChildStatus>): void {
    const stateChanged = change.state !== undefined && change.state !== this.#status.state;
    this.#status = { ...this.#status, ...change, ...(stateChanged ? { since: iso(this.#now()) } : {}) };
    this.#options.onStatus?.(this.#status);
  }

  #spawn(restarts = this.#status.restarts): void {
    this.#set({ state: 'starting', restarts, reason: null, nextAttemptAt: null });
    this.#launching = loadExeca().then(
      ({ execa }) => {
        this.#launching = undefined;
        if (!this.#stopping) this.#launch(execa);
      },
      (err: unknown) => {
        this.#launching = undefined;
        this.#onExit({
          code: null,
          signal: null,
          reason: 'spawn-error',
          at: iso(this.#now()),
          message: String(err),
        });
      },
    );
  }

  #launch(execa: typeof import('execa')['execa']): void {
    const { logger } = this.#options;
    const child = execa(this.spec.file, [...this.spec.args], {
      cwd: this.spec.cwd,
      env: { ...this.spec.env },
      extendEnv: false,
      detached: true,
      stdin: 'ignore',
      buffer: false,
      reject: false,
      cleanup: false,
      windowsHide: true,
    });
    this.#process = child;
    this.#startedAt = this.#now();
    if (child.pid !== undefined) this.#set({ state: 'running', pid: child.pid });
    pipeLines(child.stdout, (line) => logger.info({ stream: 'stdout' }, line));
    pipeLines(child.stderr, (line) => logger.warn({ stream: 'stderr' }, line));
    this.#exited = child.then(
      (result) => {
        const signal = result.signal ?? null;
        const spawnError = result.failed && result.exitCode === undefined && signal === null;
        this.#onExit({
          code: result.exitCode ?? null,
          signal,
          reason: this.#stopping
            ? 'stopped'
            : spawnError
              ? 'spawn-error'
              : signal !== null
                ? 'signal'
                : 'exited',
          at: iso(this.#now()),
          ...(spawnError ? { message: result.shortMessage } : {}),
        });
      },
      (err: unknown) => {
        this.#onExit({
          code: null,
          signal: null,
          reason: 'spawn-error',
          at: iso(this.#now()),
          message: err instanceof Error ? err.message : String(err),
        });
      },
    );
  }

  #onExit(lastExit: LastExit): void {
    const { logger } = this.#options;
    this.#process = undefined;
    if (this.#stopping) {
      this.#set({ state: 'stopped', pid: null, lastExit, reason: null, nextAttemptAt: null });
      return;
    }
    logger.warn({ exit: lastExit }, 'child exited');
    const policy = this.backoff;
    const up = this.#now() - this.#startedAt;
    const consecutive = this.#consecutive;
    this.#consecutive = nextConsecutive(policy, consecutive, up);
    if (policy.maxRestarts !== undefined && this.#status.restarts >= policy.maxRestarts) {
      this.#set({
        state: 'failed',
        pid: null,
        lastExit,
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
      reason: describeExit(lastExit),
      nextAttemptAt: iso(this.#now() + delay),
    });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopping) return;
      this.#spawn(this.#status.restarts + 1);
    }, delay);
  }
}

export function describeExit(exit: LastExit): string {
  if (exit.reason === 'spawn-error') return `could not start: ${exit.message ?? 'unknown error'}`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const MAX_LINE = 64 * 1024;

function pipeLines(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (stream == null) return;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) =>
    onLine(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…[truncated]` : line),
  );
  stream.on('error', () => {});
}
