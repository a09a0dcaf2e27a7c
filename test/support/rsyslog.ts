/**
 * rsyslog from Debian as a real sender (and, for benchmarks, a real receiver): installed by
 * `deploy/dev/services install rsyslog` when missing, run as an ordinary foreground process
 * (`rsyslogd -n -f FILE -i PIDFILE`) with a configuration and work directory of its own, stopped
 * by its pid. No vitest here: benchmarks use it too.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Proc, repoRoot } from './cluster.js';

const execFileAsync = promisify(execFile);

let installed: Promise<string> | undefined;

/** rsyslogd's path, once `deploy/dev/services install rsyslog` made sure it and its modules are there. */
export function ensureRsyslog(): Promise<string> {
  installed ??= (async () => {
    const { stdout } = await execFileAsync(
      join(repoRoot, 'deploy', 'dev', 'services'),
      ['install', 'rsyslog'],
      {
        cwd: repoRoot,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const line = stdout.trim().split('\n').pop() ?? '{}';
    return (JSON.parse(line) as { rsyslog: { rsyslogd: string } }).rsyslog.rsyslogd;
  })();
  return installed;
}

export interface RsyslogProcess {
  readonly proc: Proc;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts rsyslogd on `config` (a configuration body; `global(workDirectory=...)` is prepended)
 * in `dir`, its output in `dir/rsyslogd.log`. Validates the configuration first (`-N1`), so a
 * typo fails here with rsyslog's own message rather than as silence later.
 */
export async function startRsyslog(dir: string, config: string, name = 'rsyslogd'): Promise<RsyslogProcess> {
  const rsyslogd = await ensureRsyslog();
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const file = join(dir, 'rsyslog.conf');
  writeFileSync(file, `global(workDirectory="${work}" maxMessageSize="64k")\n${config}\n`);
  try {
    await execFileAsync(rsyslogd, ['-N1', '-f', file]);
  } catch (err) {
    const { stderr = '', stdout = '' } = err as { stderr?: string; stdout?: string };
    throw new Error(`rsyslog configuration ${file} is invalid:\n${stdout}${stderr}`, { cause: err });
  }
  const proc = new Proc(
    name,
    [rsyslogd, '-n', '-f', file, '-i', join(dir, 'rsyslogd.pid')],
    join(dir, 'rsyslogd.log'),
    {
      PATH: process.env.PATH,
    },
  );
  return {
    proc,
    dir,
    stop: async () => {
      await proc.terminate(10_000);
    },
  };
}

/** An imfile input of `file` (read from its start) under `tag`, into `ruleset`. */
export function imfileInput(file: string, tag: string, ruleset: string): string {
  return [
    'module(load="imfile")',
    `input(type="imfile" File="${file}" Tag="${tag}" ruleset="${ruleset}" freshStartTail="off")`,
  ].join('\n');
}

/** The action rsyslog forwards with, retrying forever (what a sender that must not lose does). */
export const RETRY_FOREVER = 'action.resumeRetryCount="-1" action.resumeInterval="1"';

/**
 * omrelp to `port`. `windowSize`: librelp's default (128) stalls on every window for the 200 ms
 * TCP_CORK ceiling (about 640 messages/s, against rsyslog's own imrelp too): give a larger one.
 */
export function omrelp(port: number, windowSize = 1024, extra = ''): string {
  return `action(type="omrelp" target="127.0.0.1" port="${port}" windowSize="${windowSize}" ${RETRY_FOREVER} ${extra})`;
}

/** omfwd over TCP to `port`, LF framing (rsyslog's default) or octet counting. */
export function omfwdTcp(
  port: number,
  framing: 'traditional' | 'octet-counted' = 'traditional',
  extra = '',
): string {
  return `action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" TCP_Framing="${framing}" ${RETRY_FOREVER} ${extra})`;
}
