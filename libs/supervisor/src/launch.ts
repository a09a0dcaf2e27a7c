/**
 * One run of a child process: spawned with execa (no shell, own process group, only the given
 * environment), put in its memory cage, output split into bounded lines for the sink, and its
 * end described as a LastExit (with `oom` when the cage's kill counter moved).
 *
 * A child that cannot be moved into its cgroup is watched by the RSS watchdog instead (the run
 * says so: `enforcement: 'watchdog'` and a `fallback` reason); one the watchdog cannot watch
 * either is killed at once and its exit is a `spawn-error` saying why. A limit is never shown
 * for a child that runs without it.
 */
import type { LastExit } from '@drover/cluster-state';
import { splitLines } from './lines.js';
import type { MemoryCage, MemoryEnforcementKind } from './memory.js';
import { isRunning, signalGroup } from './proc.js';

export interface LaunchSpec {
  /** The executable: an absolute path, or a bare name resolved through `env.PATH`. */
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's whole environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
}

export type OutputStream = 'stdout' | 'stderr';

/** Where a child's output lines go (the runner writes them to the instance's log file). */
export type OutputSink = (stream: OutputStream, line: string) => void;

export interface Launched {
  readonly pid: number | undefined;
  /** Resolves with how the run ended; `stopping()` says whether we asked it to. */
  readonly exit: Promise<LastExit>;
  /** What holds this run under its limit (the cage given, or the watchdog it fell back to). */
  readonly cage: MemoryCage | undefined;
  /** How this run's limit is enforced; null without a cage. */
  readonly enforcement: MemoryEnforcementKind | null;
  /** Why this run is watched by the watchdog rather than its cage, when it fell back. */
  readonly fallback: string | undefined;
  /** Why the child was killed before it could run (no way to enforce its limit); its exit says it too. */
  readonly refused: string | undefined;
}

export interface LaunchOptions {
  readonly cage: MemoryCage | undefined;
  /** The watchdog's confinement, for a child its cage cannot take (see MemoryEnforcer). */
  readonly fallback?: (limitBytes: number) => Promise<MemoryCage>;
  readonly output: OutputSink;
  readonly stopping: () => boolean;
  readonly now: () => number;
}

type Confinement =
  | { readonly cage: MemoryCage | undefined; readonly fallback?: string }
  | { readonly refused: string };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Puts the child under its limit: its cage, else the watchdog, else refuses it. */
async function confine(
  pid: number,
  cage: MemoryCage,
  fallback: LaunchOptions['fallback'],
): Promise<Confinement> {
  let attachError: unknown;
  try {
    await cage.attach(pid);
    return { cage };
  } catch (err) {
    attachError = err;
  }
  // A command that fails at once is gone before it could be moved: its exit tells the story.
  if (!(await isRunning(pid))) return { cage };
  const why = `could not move it into its ${cage.kind} cgroup (${message(attachError)})`;
  if (fallback !== undefined && cage.kind !== 'watchdog') {
    try {
      const watch = await fallback(cage.limitBytes);
      await watch.attach(pid);
      return { cage: watch, fallback: `${why}: the RSS watchdog enforces its limit instead` };
    } catch (err) {
      return { refused: `${why}, and the RSS watchdog cannot watch it (${message(err)})` };
    }
  }
  return { refused: why };
}

/**
 * execa and its dependencies weigh about 10 MB of RSS: loaded with the first child, so a runner
 * with nothing to supervise stays small.
 */
let execaModule: Promise<typeof import('execa')> | undefined;
export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}

export async function launch(spec: LaunchSpec, options: LaunchOptions): Promise<Launched> {
  const { execa } = await loadExeca();
  const oomBefore = (await options.cage?.oomKills()) ?? 0;
  const child = execa(spec.file, [...spec.args], {
    cwd: spec.cwd,
    env: { ...spec.env },
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cleanup: false,
    windowsHide: true,
  });
  // Listen before anything is awaited: execa's streams flow, and what a child prints at once
  // would be lost while we wait on the cgroup write.
  splitLines(child.stdout, (line) => options.output('stdout', line));
  splitLines(child.stderr, (line) => options.output('stderr', line));
  let confined: Confinement = { cage: options.cage };
  if (child.pid !== undefined && options.cage !== undefined) {
    confined = await confine(child.pid, options.cage, options.fallback);
    // Unenforceable: the child must not run a moment longer than it takes to say so.
    if ('refused' in confined) signalGroup(child.pid, 'SIGKILL');
  }
  const refused = 'refused' in confined ? `cannot enforce its memory limit: ${confined.refused}` : undefined;
  const cage = 'refused' in confined ? undefined : confined.cage;
  // A fallback watchdog cage is new for this run: its kill counter starts at 0.
  const oomFrom = cage === options.cage ? oomBefore : 0;
  const at = () => new Date(options.now()).toISOString();
  const exit = child.then(
    async (result): Promise<LastExit> => {
      if (refused !== undefined) {
        return {
          code: null,
          signal: result.signal ?? null,
          reason: 'spawn-error',
          at: at(),
          message: refused,
        };
      }
      const signal = result.signal ?? null;
      const spawnError = result.failed && result.exitCode === undefined && signal === null;
      const oom = ((await cage?.oomKills()) ?? 0) > oomFrom;
      const reason = oom
        ? 'oom'
        : options.stopping()
          ? 'stopped'
          : spawnError
            ? 'spawn-error'
            : signal !== null
              ? 'signal'
              : 'exited';
      return {
        code: result.exitCode ?? null,
        signal,
        reason,
        at: at(),
        ...(spawnError ? { message: result.shortMessage } : {}),
        ...(oom && cage !== undefined
          ? { message: `killed over its memory limit of ${cage.limitBytes} bytes (${cage.kind})` }
          : {}),
      };
    },
    (err: unknown): LastExit => ({
      code: null,
      signal: null,
      reason: 'spawn-error',
      at: at(),
      message: err instanceof Error ? err.message : String(err),
    }),
  );
  // The watchdog watch a fallback set up ends with the run.
  const ended = cage === options.cage ? exit : exit.finally(() => cage?.release());
  return {
    pid: child.pid,
    exit: ended,
    cage,
    enforcement: cage?.kind ?? null,
    fallback: 'refused' in confined ? undefined : confined.fallback,
    refused,
  };
}
