/**
 * A local PostgreSQL for tests and the demo: the Debian server package (installed with apt-get
 * when no server binaries are found), one cluster in a data directory of ours on a free loopback
 * port. PostgreSQL refuses to run as root, so when we are root the cluster belongs to, and runs
 * as, the unprivileged `postgres` system user the Debian package creates. Authentication is
 * `trust` on loopback only (a development cluster); the superuser is `drover`, with a database
 * `drover`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { PrerequisiteError, ServiceStartError } from './errors.js';
import { assertPortFree, freePort } from './ports.js';
import { aptInstall } from './prereq.js';
import { isAlive, spawnDetached, stopProcess, tailFile } from './process.js';

const execFileAsync = promisify(execFile);

export const POSTGRES_USER = 'drover';
export const POSTGRES_DATABASE = 'drover';
/** The system user a root caller runs the cluster as. */
const RUN_AS = 'postgres';

export interface PostgresOptions {
  /** Holds `data/` (the cluster), `socket/` and the default log file. */
  dir: string;
  port?: number;
  /** Defaults to `<dir>/postgres.log`. */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface PostgresHandle {
  /** `postgres://drover@127.0.0.1:PORT/drover` */
  url: string;
  pid: number;
  dir: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<major>/bin` that has a server, or undefined. */
function debianBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(base, majors[0], 'bin');
}

/** The server's bin directory (initdb, postgres, pg_isready, psql), installing Debian's `postgresql` when missing. */
export async function ensurePostgresInstalled(): Promise<string> {
  const found = debianBinDir();
  if (found !== undefined) return found;
  await aptInstall('PostgreSQL', ['postgresql']);
  const installed = debianBinDir();
  if (installed === undefined) {
    throw new PrerequisiteError(
      'PostgreSQL',
      'no /usr/lib/postgresql/<version>/bin/postgres after apt-get install postgresql',
    );
  }
  return installed;
}

interface Identity {
  uid: number;
  gid: number;
}

/** Who runs the cluster: ourselves, or the `postgres` system user when we are root. */
async function runAs(): Promise<Identity | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await execFileAsync('id', ['-u', RUN_AS])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', RUN_AS])).stdout.trim());
    return { uid, gid };
  } catch (err) {
    throw new PrerequisiteError(
      'PostgreSQL',
      `running as root and there is no "${RUN_AS}" user to run PostgreSQL as (it refuses root)`,
      {
        cause: err,
      },
    );
  }
}

/** Every directory above `dir` must let the cluster's user through, or initdb fails obscurely. */
async function assertTraversable(dir: string, who: Identity | undefined): Promise<void> {
  if (who === undefined) return;
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const s = await stat(d);
    if ((s.mode & 0o001) === 0 && s.uid !== who.uid) {
      throw new PrerequisiteError(
        'PostgreSQL',
        `${d} is not searchable by the "${RUN_AS}" user that runs the cluster: chmod o+x ${d}`,
      );
    }
  }
}

async function run(bin: string, args: string[], who: Identity | undefined): Promise<void> {
  try {
    await execFileAsync(bin, args, { ...(who ?? {}), env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new ServiceStartError(
      'postgres',
      `${bin} ${args.join(' ')} failed: ${e.message}`,
      '(none)',
      `${e.stderr ?? ''}${e.stdout ?? ''}`,
    );
  }
}

/** True when the server accepts connections (pg_isready exit 0). */
export async function postgresReady(binDir: string, port: number): Promise<boolean> {
  try {
    await execFileAsync(join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2']);
    return true;
  } catch {
    return false;
  }
}

export function postgresUrl(port: number): string {
  return `postgres://${POSTGRES_USER}@127.0.0.1:${port}/${POSTGRES_DATABASE}`;
}

/**
 * Fast shutdown (SIGINT: abort sessions, checkpoint, exit; SIGTERM would wait for every client
 * to leave), then SIGKILL after `graceMs`. Resolves when the postmaster is gone.
 */
export function stopPostgres(pid: number, graceMs = 30_000): Promise<void> {
  return stopProcess(pid, graceMs, 'SIGINT');
}

/**
 * Starts the cluster in `<dir>/data` (initialising it, and creating the `drover` database, when
 * it does not exist yet) and resolves once it accepts connections. Starting again on an existing
 * directory keeps its data: tests restart PostgreSQL mid-stream this way.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const binDir = await ensurePostgresInstalled();
  const who = await runAs();
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const port = options.port ?? (await freePort());
  await assertPortFree(port, 'postgres');
  await mkdir(dir, { recursive: true });
  await assertTraversable(dir, who);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  for (const d of [dataDir, socketDir]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
    await chmod(d, 0o700);
    if (who !== undefined) await chown(d, who.uid, who.gid);
  }
  if (fresh) {
    await run(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', POSTGRES_USER, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'],
      who,
    );
  }
  const logFile = resolve(options.logFile ?? join(dir, 'postgres.log'));
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${socketDir}`,
    '-c',
    'max_connections=100',
    '-c',
    'shared_buffers=128MB',
  ];
  const child = await spawnDetached(
    join(binDir, 'postgres'),
    args,
    logFile,
    { ...process.env, LC_ALL: 'C.UTF-8' },
    who,
  );
  const pid = child.pid as number;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await postgresReady(binDir, port))) {
    if (!isAlive(pid))
      throw new ServiceStartError('postgres', `process ${pid} exited`, logFile, tailFile(logFile, 40));
    if (Date.now() >= deadline) {
      await stopPostgres(pid, 2_000);
      throw new ServiceStartError(
        'postgres',
        `not ready on 127.0.0.1:${port} in time`,
        logFile,
        tailFile(logFile, 40),
      );
    }
    await sleep(100);
  }
  if (fresh) {
    await run(
      join(binDir, 'createdb'),
      ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER, POSTGRES_DATABASE],
      undefined,
    );
  }
  return { url: postgresUrl(port), pid, dir, port, logFile, stop: () => stopPostgres(pid) };
}
