/**
 * A PostgreSQL for the console's log search tests: DROVER_POSTGRES_URL when set, else a throwaway
 * cluster of Debian's server (installed with apt-get by the dev scripts when missing) in a temp
 * directory on a free loopback port, run as the unprivileged `postgres` user when we are root
 * (PostgreSQL refuses root). Kept minimal on purpose: when `deploy/dev/services up postgres`
 * (issue 17) is on main, this gives way to `servicesSetup(['postgres'])`.
 *
 * The log table is created from LOG_TABLE_DDL: the columns of postgresql_output's contract
 * (libs/pipeline/src/nodes/postgres/log-table.ts on issue 17's branch) with its default settings.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { chmod, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aptInstall, freePorts } from '@drover/dev-services';
import pg from 'pg';
import { eventually } from './eventually.js';

const execFileAsync = promisify(execFile);

export const LOG_TABLE_DDL = [
  `CREATE TABLE IF NOT EXISTS "public"."logs" (
    "_ppf_id" text PRIMARY KEY,
    "ts" timestamptz NOT NULL,
    "received_at" timestamptz NOT NULL,
    "host" text,
    "program" text,
    "severity" smallint,
    "facility" smallint,
    "device_type" text,
    "message" text,
    "fields" jsonb NOT NULL,
    "message_tsv" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(coalesce("message", ''), 65536))) STORED
  )`,
  `CREATE INDEX IF NOT EXISTS "logs_ts_idx" ON "public"."logs" ("ts")`,
  `CREATE INDEX IF NOT EXISTS "logs_host_ts_idx" ON "public"."logs" ("host", "ts")`,
  `CREATE INDEX IF NOT EXISTS "logs_message_tsv_idx" ON "public"."logs" USING gin ("message_tsv")`,
];

export interface TestPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

function serverBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const major = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return major === undefined ? undefined : join(base, major, 'bin');
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.DROVER_POSTGRES_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  let bin = serverBinDir();
  if (bin === undefined) {
    await aptInstall('PostgreSQL', ['postgresql']);
    bin = serverBinDir();
    if (bin === undefined) throw new Error('no PostgreSQL server after apt-get install postgresql');
  }
  const asRoot = process.getuid?.() === 0;
  const who = asRoot
    ? {
        uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
        gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
      }
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'drover-pg-'));
  await chmod(dir, 0o700);
  if (who !== undefined) await chown(dir, who.uid, who.gid);
  const data = join(dir, 'data');
  await execFileAsync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'drover', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'],
    {
      ...(who ?? {}),
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    },
  );
  const [port = 0] = await freePorts(1);
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
    ],
    { ...(who ?? {}), stdio: 'ignore', env: { ...process.env, LC_ALL: 'C.UTF-8' } },
  );
  const url = `postgres://drover@127.0.0.1:${port}/postgres`;
  await eventually(
    async () => {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => {});
      }
    },
    30_000,
    'postgres accepts connections',
  );
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT'); // fast shutdown
      await exited;
    },
  };
}

/** Creates the log table (as postgresql_output would) and inserts `rows` as it would write them. */
export async function seedLogTable(
  url: string,
  rows: readonly {
    id: string;
    ts: string;
    host: string;
    program: string;
    severity: number;
    message: string;
    fields: Record<string, unknown>;
  }[],
): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of LOG_TABLE_DDL) await c.query(s);
    for (const r of rows) {
      await c.query(
        `INSERT INTO "public"."logs" ("_ppf_id", "ts", "received_at", "host", "program", "severity", "facility", "device_type", "message", "fields")
         VALUES ($1, $2, now(), $3, $4, $5, 1, 'linux', $6, $7) ON CONFLICT ("_ppf_id") DO NOTHING`,
        [r.id, r.ts, r.host, r.program, r.severity, r.message, JSON.stringify(r.fields)],
      );
    }
  } finally {
    await c.end();
  }
}
