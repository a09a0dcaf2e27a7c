/**
 * One run of a child process: spawned with execa (no shell, own process group, only the given
 * environment), put in its memory cage, output split into bounded lines for the sink, and its
 * end described as a LastExit (with `oom` when the cage's kill counter moved).
 */
import type { LastExit } from '@drover/cluster-state';
import { splitLines } from './lines.js';
import type { MemoryCage } from './memory.js';

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

export async function launch(
  spec: LaunchSpec,
  options: { cage: MemoryCage | undefined; output: OutputSink; stopping: () => boolean; now: () => number },
): Promise<Launched> {
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
  if (child.pid !== undefined && options.cage !== undefined) {
    await options.cage.attach(child.pid).catch(() => {
      // Already exited (a command that fails at once): its exit is reported below.
    });
  }
  const at = () => new Date(options.now()).toISOString();
  const exit = child.then(
    async (result): Promise<LastExit> => {
      const signal = result.signal ?? null;
      const spawnError = result.failed && result.exitCode === undefined && signal === null;
      const oom = ((await options.cage?.oomKills()) ?? 0) > oomBefore;
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
        ...(oom && options.cage !== undefined
          ? {
              message: `killed over its memory limit of ${options.cage.limitBytes} bytes (${options.cage.kind})`,
            }
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
  return { pid: child.pid, exit };
}
