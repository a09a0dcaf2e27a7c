/**
 * rsyslog from Debian as a real receiving server (for syslog_output): installed by the project's
 * own script when missing (@drover/dev-services ensureRsyslog, apt with the dpkg lock timeout),
 * run as an ordinary foreground process (`rsyslogd -n -f FILE -i PIDFILE`) with a configuration
 * of its own that writes every message it receives, as received (`%rawmsg%`), one per line, to
 * a file. Its ruleset runs in the receiving thread (`queue.type="Direct"`): a message is in the
 * file before imrelp answers `200`, so a SIGKILL loses nothing it acknowledged. Stopped by its pid
 * (SIGTERM, or SIGKILL for crash tests). No vitest here: benchmarks use it too.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureRsyslog } from '@drover/dev-services';
import { Proc } from './cluster.js';
import { eventually } from './eventually.js';

const execFileAsync = promisify(execFile);

export type RsyslogListener =
  | { readonly kind: 'tcp'; readonly port: number }
  | {
      readonly kind: 'tls';
      readonly port: number;
      readonly ca: string;
      readonly cert: string;
      readonly key: string;
    }
  | { readonly kind: 'relp'; readonly port: number }
  | {
      /** RELP over TLS (librelp with OpenSSL), asking for a client certificate the CA signed. */
      readonly kind: 'relp_tls';
      readonly port: number;
      readonly ca: string;
      readonly cert: string;
      readonly key: string;
    };

export interface RsyslogServer {
  readonly proc: Proc;
  readonly dir: string;
  /** Where it writes what it receives. */
  readonly received: string;
  /** The messages received so far, in order. */
  lines(): string[];
  /** How many messages were received so far (reads only what was added since the last call). */
  count(): number;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

function listenerConfig(l: RsyslogListener): string {
  switch (l.kind) {
    case 'tcp':
      return `module(load="imtcp" maxSessions="200")\ninput(type="imtcp" address="127.0.0.1" port="${l.port}" ruleset="received")`;
    case 'tls':
      return [
        `global(defaultNetstreamDriver="ossl" defaultNetstreamDriverCAFile="${l.ca}"`,
        `  defaultNetstreamDriverCertFile="${l.cert}" defaultNetstreamDriverKeyFile="${l.key}")`,
        'module(load="imtcp" maxSessions="200" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")',
        `input(type="imtcp" address="127.0.0.1" port="${l.port}" ruleset="received")`,
      ].join('\n');
    case 'relp':
      return `module(load="imrelp")\ninput(type="imrelp" address="127.0.0.1" port="${l.port}" ruleset="received" maxDataSize="200k")`;
    case 'relp_tls':
      return [
        'module(load="imrelp" tls.tlslib="openssl")',
        `input(type="imrelp" address="127.0.0.1" port="${l.port}" ruleset="received" maxDataSize="200k"`,
        `  tls="on" tls.cacert="${l.ca}" tls.mycert="${l.cert}" tls.myprivkey="${l.key}" tls.authmode="certvalid")`,
      ].join('\n');
  }
}

/**
 * Starts rsyslogd in `dir` with `listener`, writing what it receives to `dir/received.log`.
 * The configuration is checked first (`-N1`); resolves once the port accepts connections.
 */
export async function startRsyslogServer(dir: string, listener: RsyslogListener): Promise<RsyslogServer> {
  const { rsyslogd } = await ensureRsyslog();
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const received = join(dir, 'received.log');
  const file = join(dir, 'rsyslog.conf');
  writeFileSync(
    file,
    `global(workDirectory="${work}" maxMessageSize="128k")
${listenerConfig(listener)}
template(name="rawline" type="string" string="%rawmsg%\\n")
ruleset(name="received" queue.type="Direct") {
  action(type="omfile" file="${received}" template="rawline" flushOnTXEnd="on" asyncWriting="off")
}
`,
  );
  try {
    await execFileAsync(rsyslogd, ['-N1', '-f', file]);
  } catch (err) {
    const { stderr = '', stdout = '' } = err as { stderr?: string; stdout?: string };
    throw new Error(`rsyslog configuration ${file} is invalid:\n${stdout}${stderr}`, { cause: err });
  }
  const pidFile = join(dir, 'rsyslogd.pid');
  const proc = new Proc('rsyslogd', [rsyslogd, '-n', '-f', file, '-i', pidFile], join(dir, 'rsyslogd.log'), {
    PATH: process.env.PATH,
  });
  const { connect } = await import('node:net');
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        if (!proc.running) {
          resolve(false);
          return;
        }
        const s = connect(listener.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    30_000,
    `rsyslogd listening on ${listener.port} (log: ${join(dir, 'rsyslogd.log')})`,
  );
  let counted = 0;
  let offset = 0;
  const chunk = Buffer.alloc(1024 * 1024);
  return {
    proc,
    dir,
    received,
    lines: () => (existsSync(received) ? readFileSync(received, 'utf8').split('\n').slice(0, -1) : []),
    count: () => {
      if (!existsSync(received)) return 0;
      const fd = openSync(received, 'r');
      try {
        for (;;) {
          const n = readSync(fd, chunk, 0, chunk.length, offset);
          if (n === 0) return counted;
          for (let i = 0; i < n; i++) if (chunk[i] === 0x0a) counted++;
          offset += n;
        }
      } finally {
        closeSync(fd);
      }
    },
    stop: async () => {
      await proc.terminate(10_000);
    },
    kill: async () => {
      if (proc.running) await proc.kill('SIGKILL');
    },
  };
}
