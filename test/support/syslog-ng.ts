/**
 * syslog-ng from Debian as a real sender: unpacked by `deploy/dev/services install syslog-ng`
 * (Debian's package conflicts with rsyslog's, which the same tests run), run in the foreground
 * (`syslog-ng -F`) with a configuration, persist file, pid file and control socket of its own,
 * stopped by its pid. No vitest here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SyslogNg } from '@drover/dev-services';
import { Proc, repoRoot } from './cluster.js';

const execFileAsync = promisify(execFile);

let installed: Promise<SyslogNg> | undefined;

/** Where syslog-ng was unpacked, once `deploy/dev/services install syslog-ng` made sure it is. */
export function ensureSyslogNg(): Promise<SyslogNg> {
  installed ??= (async () => {
    const { stdout } = await execFileAsync(
      join(repoRoot, 'deploy', 'dev', 'services'),
      ['install', 'syslog-ng'],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
    );
    const line = stdout.trim().split('\n').pop() ?? '{}';
    return (JSON.parse(line) as { syslogNg: SyslogNg }).syslogNg;
  })();
  return installed;
}

export interface SyslogNgProcess {
  readonly proc: Proc;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts syslog-ng on `config` (a configuration body; `@version` is prepended) in `dir`, its
 * output in `dir/syslog-ng.log`. Checks the configuration first (`--syntax-only`), so a typo
 * fails here with syslog-ng's own message rather than as silence later.
 */
export async function startSyslogNg(
  dir: string,
  config: string,
  name = 'syslog-ng',
): Promise<SyslogNgProcess> {
  const sng = await ensureSyslogNg();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'syslog-ng.conf');
  const version = /\((\d+\.\d+)/.exec(sng.version)?.[1] ?? '3.38';
  writeFileSync(file, `@version: ${version}\n${config}\n`);
  const env = { PATH: process.env.PATH, LD_LIBRARY_PATH: sng.libDir };
  const args = [
    '-f',
    file,
    `--module-path=${sng.moduleDir}`,
    '-R',
    join(dir, 'syslog-ng.persist'),
    '-p',
    join(dir, 'syslog-ng.pid'),
    '-c',
    join(dir, 'syslog-ng.ctl'),
    '--no-caps',
  ];
  try {
    await execFileAsync(sng.binary, ['--syntax-only', ...args], { env });
  } catch (err) {
    const { stderr = '', stdout = '' } = err as { stderr?: string; stdout?: string };
    throw new Error(`syslog-ng configuration ${file} is invalid:\n${stdout}${stderr}`, { cause: err });
  }
  const proc = new Proc(name, [sng.binary, '-F', ...args], join(dir, 'syslog-ng.log'), env);
  return {
    proc,
    dir,
    stop: async () => {
      await proc.terminate(10_000);
    },
  };
}

/** A source reading `file` from its start, one message per line, under the program name `program`. */
export function fileSource(name: string, file: string, program: string): string {
  return `source ${name} { file("${file}" follow-freq(1) flags(no-parse) program-override("${program}")); };`;
}
