/**
 * postgresql_output against a real PostgreSQL of this test's own (so it can be restarted):
 * rows and the table contract, replays absorbed, a restart mid-stream failing batches back and
 * the output reconnecting by itself.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { postgresqlOutputSettings } from '@drover/channel-model';
import { type PostgresHandle, startPostgres } from '@drover/dev-services';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.js';
import { RejectedEvent } from '../src/index.js';
import { LogTableError, PostgresqlOutput } from '../src/nodes/postgres/postgresql-output.js';
import { quiet } from './support/nodes.js';

let server: PostgresHandle;
const dir = scratchDir('drover-pgout-');
let db: pg.Client;

beforeAll(async () => {
  chmodSync(dir, 0o755); // the cluster runs as the postgres user when we are root
  server = await startPostgres({ dir: join(dir, 'pg') });
  db = await connectDb();
}, 120_000);

/** The test's own client: it breaks when the test restarts PostgreSQL, which is expected. */
async function connectDb(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

afterAll(async () => {
  await db?.end();
  await server?.stop();
});

function output(table: string, extra: Record<string, unknown> = {}): PostgresqlOutput {
  return new PostgresqlOutput(
    postgresqlOutputSettings.parse({
      url: server.url,
      table,
      batch_size: 100,
      linger_ms: 5,
      retry_initial_ms: 50,
      retry_max_ms: 500,
      ...extra,
    }),
    quiet,
  );
}

function event(i: number): Record<string, unknown> {
  return {
    _ppf_id: `id-${i}`,
    _ppf_timestamp: Date.UTC(2026, 10, 23, 5, 0, 0) + i,
    timestamp: `2026-11-23T05:00:${String(i % 60).padStart(2, '0')}Z`,
    host: `front${i % 2}`,
    program: 'sshd',
    severity: 6,
    facility: 4,
    message: `Accepted publickey for deploy from 10.1.2.3 port ${i}`,
    ssh_user: 'deploy',
  };
}

/** Writes the events; resolves with the ids that failed. */
function writeAll(out: PostgresqlOutput, events: Record<string, unknown>[]): Promise<string[]> {
  return new Promise((resolve) => {
    const failed: string[] = [];
    let left = events.length;
    for (const fields of events) {
      out.write({ component: 'in', stream: 'logs', fields }, (err) => {
        if (err !== undefined) failed.push(String(fields._ppf_id));
        if (--left === 0) resolve(failed);
      });
    }
  });
}

const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0].n);

describe('postgresql_output (real PostgreSQL)', () => {
  it.each(['copy', 'insert'] as const)(
    'stores rows by the contract with %s, creates the table and indexes, and absorbs replays',
    async (method) => {
      const table = `logs_${method}`;
      const out = output(table, { method });
      const events = Array.from({ length: 250 }, (_, i) => event(i));
      expect(await writeAll(out, events)).toEqual([]);
      expect(await count(`SELECT count(*) AS n FROM ${table}`)).toBe(250);
      // Replayed after a crash, or twice in one batch: stored once.
      expect(await writeAll(out, [...events.slice(0, 120), event(0)])).toEqual([]);
      expect(await count(`SELECT count(*) AS n FROM ${table}`)).toBe(250);
      const row = (
        await db.query(
          `SELECT ts, received_at, host, program, severity, facility, message, fields FROM ${table} WHERE _ppf_id = 'id-7'`,
        )
      ).rows[0];
      expect(row).toEqual({
        ts: new Date('2026-11-23T05:00:07Z'),
        received_at: new Date(Date.UTC(2026, 10, 23, 5, 0, 0) + 7),
        host: 'front1',
        program: 'sshd',
        severity: 6,
        facility: 4,
        message: 'Accepted publickey for deploy from 10.1.2.3 port 7',
        fields: { ssh_user: 'deploy' },
      });
      // The console's full-text query works on the generated column.
      expect(
        await count(
          `SELECT count(*) AS n FROM ${table} WHERE message_tsv @@ websearch_to_tsquery('simple', 'publickey 10.1.2.3')`,
        ),
      ).toBe(250);
      const indexes = (
        await db.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1', [table])
      ).rows.map((r) => r.indexname);
      expect(indexes).toEqual([
        `${table}_device_type_ts_idx`,
        `${table}_host_ts_idx`,
        `${table}_message_tsv_idx`,
        `${table}_pkey`,
        `${table}_program_ts_idx`,
        `${table}_severity_ts_idx`,
        `${table}_ts_idx`,
      ]);
      await out.close();
    },
  );

  it('fails batches back while PostgreSQL restarts, reconnects by itself, and stores every event once', async () => {
    const out = output('logs_restart');
    expect(await writeAll(out, [event(-1)])).toEqual([]);
    await server.stop();
    const during = Array.from({ length: 300 }, (_, i) => event(i));
    const failed = await writeAll(out, during);
    expect(failed.length).toBe(300); // nothing confirmed without a COMMIT
    server = await startPostgres({ dir: join(dir, 'pg'), port: server.port });
    await db.end().catch(() => undefined); // already broken by the restart
    db = await connectDb();
    // The input sends the failed events again; the output reconnects on its own.
    let again = failed;
    for (let attempt = 0; again.length > 0 && attempt < 50; attempt++) {
      again = await writeAll(
        out,
        again.map((id) => event(Number(id.slice(3)))),
      );
    }
    expect(again).toEqual([]);
    expect(await count('SELECT count(*) AS n FROM logs_restart')).toBe(301);
    expect(out.stats.reconnects).toBeGreaterThan(0);
    await out.close();
  }, 120_000);

  it.each(['copy', 'insert'] as const)(
    'rejects only the rows PostgreSQL refuses (%s), storing the rest of their batch',
    async (method) => {
      const table = `logs_checked_${method}`;
      const out = output(table, { method });
      expect(await writeAll(out, [event(-1)])).toEqual([]);
      // An operator's constraint the events do not all meet.
      await db.query(`ALTER TABLE ${table} ADD CONSTRAINT severity_known CHECK (severity BETWEEN 0 AND 7)`);
      const events: Record<string, unknown>[] = Array.from({ length: 100 }, (_, i) => ({
        ...event(i),
        severity: i === 37 || i === 80 ? 9 : 6,
      }));
      const errors = new Map<string, Error>();
      await new Promise<void>((resolve) => {
        let left = events.length;
        for (const fields of events) {
          out.write({ component: 'in', stream: 'logs', fields }, (err) => {
            if (err !== undefined) errors.set(String(fields._ppf_id), err);
            if (--left === 0) resolve();
          });
        }
      });
      expect([...errors.keys()].sort()).toEqual(['id-37', 'id-80']);
      expect(errors.get('id-37')).toBeInstanceOf(RejectedEvent);
      expect(errors.get('id-37')?.message).toMatch(
        /^PostgreSQL refused the row: .*severity_known.* \(SQLSTATE 23514\)$/,
      );
      expect(await count(`SELECT count(*) AS n FROM ${table}`)).toBe(99);
      expect(out.stats.rejected).toBe(2);
      await out.close();
    },
  );

  it('refuses a table without the columns it writes, naming them', async () => {
    await db.query('CREATE TABLE legacy_logs (_ppf_id text PRIMARY KEY, ts timestamptz)');
    const out = output('legacy_logs', { create_table: false });
    const errors: Error[] = [];
    await new Promise<void>((resolve) =>
      out.write({ component: 'in', stream: 'logs', fields: event(1) }, (err) => {
        if (err) errors.push(err);
        resolve();
      }),
    );
    expect(errors[0]).toBeInstanceOf(LogTableError);
    expect(errors[0]?.message).toBe(
      'table "public"."legacy_logs" lacks the columns received_at, host, program, severity, facility, device_type, message, fields',
    );
    await out.close();
  });
});
