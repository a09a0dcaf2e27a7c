/**
 * Which executable an instance runs. The command must be in the runner's allow-list; a command
 * the channel ships as a file of the same name (a script in its resources) runs from the work
 * directory, any other resolves through the child's PATH. Arguments never pass through a shell.
 */
import { delimiter, join } from 'node:path';
import { defaultHeapBytes, heapCaps, MIN_HEAP_BYTES, semiSpaceMiB } from '@drover/channel-model';

export type CommandResolution = { readonly file: string } | { readonly refused: string };

export function resolveCommand(
  command: string,
  allowed: readonly string[],
  shipped: Readonly<Record<string, string>>,
  dir: string,
  runner: string,
): CommandResolution {
  if (!allowed.includes(command)) {
    return {
      refused: `command "${command}" is not allowed on runner ${runner} (allowed: ${allowed.join(', ') || 'none'})`,
    };
  }
  return Object.hasOwn(shipped, command) ? { file: join(dir, command) } : { file: command };
}

/** Variables a child inherits from the runner; everything else comes from the application. */
const INHERITED = [
  'PATH',
  'LANG',
  'LC_ALL',
  'TZ',
  'HOME',
  'TMPDIR',
  'DROVER_CONFIG',
  'DROVER_KAFKA_CLUSTERS',
] as const;

/**
 * The child's environment: what it inherits from the runner, the application's `env`, its identity.
 * `nodeDir` (the directory of the runner's own Node, `dirname(process.execPath)`) goes first on
 * PATH, so a Node script (punchlinectl's `#!/usr/bin/env node`) runs on the runner's Node (the
 * project's Node 24, README "Prerequisites"), whatever else the host's PATH holds.
 */
export function childEnvironment(
  runnerEnv: NodeJS.ProcessEnv,
  instance: { tenant: string; channel: string; app: string; index: number; runner: string },
  appEnv: Readonly<Record<string, string>>,
  nodeDir?: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = runnerEnv[key];
    if (value !== undefined) env[key] = value;
  }
  if (nodeDir !== undefined) {
    const path = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && dir !== nodeDir);
    env.PATH = [nodeDir, ...path].join(delimiter);
  }
  Object.assign(env, appEnv, {
    DROVER_TENANT: instance.tenant,
    DROVER_CHANNEL: instance.channel,
    DROVER_APP: instance.app,
    DROVER_INSTANCE: String(instance.index),
    DROVER_RUNNER: instance.runner,
  });
  return env;
}

/** Shiva adds the instance's identity to the application's arguments. */
export function childArgs(args: readonly string[], tenant: string, channel: string, app: string): string[] {
  return [...args, '--tenant', tenant, '--channel', channel, '--app', app];
}

/**
 * Punch's `--childopts "-Xms96m -Xmx96m"` sets the JVM heap of a punchline; for punchlinectl (a
 * Node process) `-Xmx` becomes `--max-old-space-size`, so the heap limit sits below the hard
 * memory limit and a growing heap fails as a clean heap error, not a kill. Without -Xmx, the
 * heap gets 75% of the memory limit, lowered to what fits with the runtime's overhead (the rule
 * and the parsing of -Xmx live in @drover/channel-model's heap.ts, which validation uses too).
 * The young generation is sized with it (`--max-semi-space-size`, semiSpaceMiB): V8's default
 * lets it grow to 128 MiB, which costs a pipeline at full rate both RSS and CPU.
 */
export function heapOptions(
  command: string,
  args: readonly string[],
  memoryLimitBytes: number,
): Record<string, string> {
  if (command !== 'punchlinectl') return {};
  const xmx = heapCaps({ command, args }).find((cap) => cap.text.startsWith('-Xmx'));
  const bytes = xmx === undefined ? defaultHeapBytes(memoryLimitBytes) : Math.max(MIN_HEAP_BYTES, xmx.bytes);
  return {
    NODE_OPTIONS: `--max-old-space-size=${Math.floor(bytes / 1024 / 1024)} --max-semi-space-size=${semiSpaceMiB(bytes)}`,
  };
}
