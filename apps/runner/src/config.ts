/**
 * The runner's settings: flags win over environment variables, which win over the platform file,
 * which wins over the defaults (DESIGN.md, "Platform configuration").
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import {
  COMMAND,
  COMMAND_HINT,
  IDENTIFIER,
  type PlatformConfig,
  parseDuration,
  parseMemory,
} from '@drover/channel-model';
import { ConfigError, parseHostPort, parseList, parsePositiveInt } from '@drover/platform';
import { etcdSettings } from '@drover/platform/etcd';

/** Raw option values (from commander: a flag or its environment variable, or undefined). */
export interface RunnerFlags {
  readonly etcd?: string;
  readonly prefix?: string;
  readonly name?: string;
  readonly cluster?: string;
  readonly tags?: string;
  readonly listen?: string;
  readonly workdir?: string;
  readonly leaseTtl?: string;
  readonly allowCommand?: readonly string[];
  readonly stopGrace?: string;
  readonly defaultMemoryLimit?: string;
  readonly logMaxBytes?: string;
  readonly logDir?: string;
  readonly memoryEnforcement?: string;
  readonly watchdogInterval?: string;
}

export interface RunnerConfig {
  readonly etcd: PlatformConfig['etcd'];
  readonly name: string;
  readonly cluster: string;
  /** Given tags, without the runner's name (added when registering). */
  readonly tags: readonly string[];
  readonly listen: { readonly host: string; readonly port: number };
  readonly workdir: string;
  readonly leaseTtlSeconds: number;
  readonly allowedCommands: readonly string[];
  readonly capacityMemoryBytes: number | undefined;
  readonly defaultMemoryLimitBytes: number;
  readonly stopGraceMs: number;
  /** Per-instance log files: where, and the cap of each instance's files together. */
  readonly logDir: string;
  readonly logMaxBytes: number;
  readonly memoryEnforcement: 'auto' | 'watchdog';
  readonly watchdogIntervalMs: number;
}

function memoryFlag(value: string, flag: string): number {
  const parsed = parseMemory(value);
  if ('error' in parsed) throw new ConfigError(flag, `${flag}: ${parsed.error}`);
  return parsed.bytes;
}

function identifier(value: string, flag: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new ConfigError(flag, `${flag}: "${value}" must be a plain identifier (letters, digits, "_", "-")`);
  }
  return value;
}

export function resolveRunnerConfig(file: PlatformConfig, flags: RunnerFlags): RunnerConfig {
  const r = file.runner;
  const name = identifier(flags.name ?? r.name ?? hostname().split('.')[0] ?? 'runner', '--name');
  const tags = (flags.tags === undefined ? r.tags : parseList(flags.tags)).map((t) =>
    identifier(t, '--tags'),
  );
  const allowed =
    flags.allowCommand !== undefined && flags.allowCommand.length > 0
      ? flags.allowCommand
      : r.allowed_commands;
  for (const c of allowed) {
    if (!COMMAND.test(c)) {
      throw new ConfigError('--allow-command', `--allow-command: "${c}" ${COMMAND_HINT}`);
    }
  }
  return {
    etcd: etcdSettings(file.etcd, flags),
    name,
    cluster: identifier(flags.cluster ?? r.cluster, '--cluster'),
    tags: [...new Set(tags)],
    listen: parseHostPort(flags.listen ?? r.listen, '--listen'),
    workdir: resolve(flags.workdir ?? r.workdir),
    leaseTtlSeconds:
      flags.leaseTtl === undefined ? r.lease_ttl : parsePositiveInt(flags.leaseTtl, '--lease-ttl'),
    allowedCommands: [...new Set(allowed)],
    capacityMemoryBytes: r.capacity?.memory,
    defaultMemoryLimitBytes:
      flags.defaultMemoryLimit === undefined
        ? r.default_memory_limit
        : memoryFlag(flags.defaultMemoryLimit, '--default-memory-limit'),
    stopGraceMs:
      (flags.stopGrace === undefined ? 10 : parsePositiveInt(flags.stopGrace, '--stop-grace')) * 1000,
    logDir: resolve(flags.logDir ?? resolve(flags.workdir ?? r.workdir, '_logs')),
    logMaxBytes:
      flags.logMaxBytes === undefined ? 16 * 1024 * 1024 : memoryFlag(flags.logMaxBytes, '--log-max-bytes'),
    memoryEnforcement: enforcement(flags.memoryEnforcement),
    watchdogIntervalMs:
      flags.watchdogInterval === undefined
        ? 500
        : durationFlag(flags.watchdogInterval, '--watchdog-interval'),
  };
}

function enforcement(value: string | undefined): 'auto' | 'watchdog' {
  if (value === undefined || value === 'auto' || value === 'watchdog') return value ?? 'auto';
  throw new ConfigError(
    '--memory-enforcement',
    `--memory-enforcement: expected auto or watchdog, got "${value}"`,
  );
}

function durationFlag(value: string, flag: string): number {
  const parsed = parseDuration(value);
  if ('error' in parsed) throw new ConfigError(flag, `${flag}: ${parsed.error}`);
  if (parsed.ms < 50) throw new ConfigError(flag, `${flag}: must be at least 50ms, got "${value}"`);
  return parsed.ms;
}
