/**
 * `postgresql_output`: events as rows of the log table (log-table.ts), written in batches, each
 * in one transaction; an event is confirmed only after its batch's COMMIT.
 *
 * Exactly-once storage: `_ppf_id` is the primary key and rows go in with ON CONFLICT (_ppf_id)
 * DO NOTHING, so an event written again after a crash, a retry or a lost COMMIT reply is
 * absorbed. With `method: copy`, a batch is COPYed into a temporary staging table and moved with
 * INSERT ... SELECT ... ON CONFLICT (COPY itself cannot skip conflicts); with `insert`, one
 * INSERT ... SELECT FROM unnest($1, $2, ...) carries the batch as arrays.
 *
 * A batch runs on one of `connections` connections. A connection that fails (PostgreSQL down or
 * restarting, a network error, a statement timeout) is dropped: its batch fails back to the inputs
 * (nothing dropped) and the connection is made again, after a backoff that doubles from
 * `retry_initial_ms` to `retry_max_ms` while attempts fail. A batch that finds no connection
 * waits for the attempt under way and fails if it fails, so an outage costs one failed batch per
 * attempt, not a busy loop.
 */
import { readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { PostgresqlOutputSettings } from '@drover/channel-model';
import { setLongTimeout, sleep, type Timer } from '@drover/timers';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type Delivery, type NodeLogger, type OutputNode, RejectedEvent } from '../../types.js';
import { copyLine, createStatements, type LogTable, logTable, qualified, toRow } from './log-table.js';

const STAGE = 'drover_stage';

interface Batch {
  readonly rows: (string | null)[][];
  readonly dones: ((err?: Error) => void)[];
}

/** SQLSTATE classes about the data itself (PostgreSQL docs, Appendix A): splitting finds the row. */
function refusedData(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}

/** A table that exists without the columns Drover writes: every batch fails with this until fixed. */
export class LogTableError extends Error {
  override readonly name = 'LogTableError';
}

class Connection {
  client: pg.Client | undefined;
  connecting: Promise<pg.Client> | undefined;
  busy = false;
}

export class PostgresqlOutput implements OutputNode {
  readonly kind = 'output' as const;
  readonly #settings: PostgresqlOutputSettings;
  readonly #logger: NodeLogger;
  readonly #table: LogTable;
  readonly #password: string | undefined;
  readonly #connections: Connection[];
  readonly #queue: Batch[] = [];
  #pending: Batch = { rows: [], dones: [] };
  #linger: Timer | undefined;
  #failures = 0;
  #tableReady: Promise<void> | undefined;
  #closing = false;
  readonly #running = new Set<Promise<void>>();
  readonly stats = { batches: 0, rows: 0, failedBatches: 0, reconnects: 0, rejected: 0 };

  constructor(
    settings: PostgresqlOutputSettings,
    logger: NodeLogger,
    options: { passwordFile?: string } = {},
  ) {
    this.#settings = settings;
    this.#logger = logger;
    this.#table = logTable(settings);
    this.#password =
      options.passwordFile === undefined ? undefined : readFileSync(options.passwordFile, 'utf8').trim();
    this.#connections = Array.from({ length: settings.connections }, () => new Connection());
  }

  write(event: Delivery, done: (err?: Error) => void): void {
    if (this.#closing) {
      done(new Error('postgresql_output is closing'));
      return;
    }
    this.#pending.rows.push(toRow(this.#table, event.fields));
    this.#pending.dones.push(done);
    if (this.#pending.rows.length >= this.#settings.batch_size) this.#flush();
    else this.#linger ??= setLongTimeout(() => this.#flush(), this.#settings.linger_ms);
  }

  #flush(): void {
    this.#linger?.clear();
    this.#linger = undefined;
    if (this.#pending.rows.length === 0) return;
    this.#queue.push(this.#pending);
    this.#pending = { rows: [], dones: [] };
    this.#pump();
  }

  /** Gives queued batches to idle connections. */
  #pump(): void {
    for (const conn of this.#connections) {
      if (this.#queue.length === 0) return;
      if (conn.busy) continue;
      const batch = this.#queue.shift() as Batch;
      conn.busy = true;
      const run = this.#run(conn, batch).finally(() => {
        conn.busy = false;
        this.#running.delete(run);
        this.#pump();
      });
      this.#running.add(run);
    }
  }

  async #run(conn: Connection, batch: Batch): Promise<void> {
    try {
      await this.#store(conn, batch);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.stats.failedBatches++;
      this.#logger.warn(
        { events: batch.rows.length, err: error.message, code: (err as { code?: string }).code },
        'postgresql batch failed: its events fail back',
      );
      // Rows already stored or rejected by #store were answered; the engine ignores a second answer.
      for (const done of batch.dones) done(error);
    }
  }

  /**
   * Writes the batch and confirms it. When PostgreSQL refuses its data (SQLSTATE classes 22, 23,
   * 54: a value out of range, a constraint the operator added, a limit), the batch is split in
   * halves until the refused rows are found: those are rejected (RejectedEvent: the engine sends
   * them to this output's _ppf_errors, or fails them back without it), the others stored.
   * Throws what is not about the data (the connection, a timeout): the caller fails the batch.
   */
  async #store(conn: Connection, batch: Batch): Promise<void> {
    try {
      const client = await this.#connect(conn);
      await this.#ensureTable(client);
      if (this.#settings.method === 'copy') await this.#writeCopy(client, batch);
      else await this.#writeInsert(client, batch);
    } catch (err) {
      // Whatever failed, the connection's state is unknown (an aborted transaction, a dead
      // socket): go on with a fresh one.
      this.#drop(conn);
      if (!refusedData(err)) throw err;
      if (batch.rows.length === 1) {
        this.stats.rejected++;
        const e = err as { message: string; code: string };
        batch.dones[0]?.(new RejectedEvent(`PostgreSQL refused the row: ${e.message} (SQLSTATE ${e.code})`));
        return;
      }
      const half = Math.ceil(batch.rows.length / 2);
      await this.#store(conn, { rows: batch.rows.slice(0, half), dones: batch.dones.slice(0, half) });
      await this.#store(conn, { rows: batch.rows.slice(half), dones: batch.dones.slice(half) });
      return;
    }
    this.stats.batches++;
    this.stats.rows += batch.rows.length;
    for (const done of batch.dones) done();
  }

  async #writeCopy(client: pg.Client, batch: Batch): Promise<void> {
    const cols = this.#columnList();
    let text = '';
    for (const row of batch.rows) text += copyLine(row);
    await client.query('BEGIN');
    const copy = client.query(copyFrom(`COPY pg_temp.${STAGE} (${cols}) FROM STDIN`));
    copy.end(Buffer.from(text));
    await finished(copy);
    await client.query(
      `INSERT INTO ${qualified(this.#table)} (${cols}) SELECT ${cols} FROM pg_temp.${STAGE} ON CONFLICT ("_ppf_id") DO NOTHING`,
    );
    await client.query('COMMIT');
  }

  async #writeInsert(client: pg.Client, batch: Batch): Promise<void> {
    const columns = this.#table.columns;
    const arrays = columns.map((_, i) => batch.rows.map((row) => row[i] ?? null));
    const unnest = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
    const cols = this.#columnList();
    // One statement: its own transaction, committed before the reply.
    await client.query(
      `INSERT INTO ${qualified(this.#table)} (${cols}) SELECT * FROM unnest(${unnest}) ON CONFLICT ("_ppf_id") DO NOTHING`,
      arrays,
    );
  }

  #columnList(): string {
    return this.#table.columns.map((c) => `"${c.name}"`).join(', ');
  }

  /** The connection's client, connecting (after the backoff, when attempts failed) if needed. */
  #connect(conn: Connection): Promise<pg.Client> {
    if (conn.client !== undefined) return Promise.resolve(conn.client);
    conn.connecting ??= (async () => {
      try {
        const s = this.#settings;
        if (this.#failures > 0) {
          await sleep(Math.min(s.retry_max_ms, s.retry_initial_ms * 2 ** (this.#failures - 1)));
          this.stats.reconnects++;
        }
        const client = new pg.Client({
          connectionString: s.url,
          ...(this.#password === undefined ? {} : { password: this.#password }),
          connectionTimeoutMillis: s.connect_timeout_ms,
          statement_timeout: s.statement_timeout_ms,
          query_timeout: s.statement_timeout_ms + 5000,
          keepAlive: true,
          application_name: 'drover postgresql_output',
        });
        // An idle connection that breaks reports here; the next batch makes a new one.
        client.on('error', (err) => {
          this.#logger.warn({ err: err.message }, 'postgresql connection lost');
          if (conn.client === client) this.#drop(conn);
        });
        try {
          await client.connect();
          await client.query("SET TIME ZONE 'UTC'");
          if (s.method === 'copy') {
            const cols = this.#table.columns.map((c) => `"${c.name}" ${c.type}`).join(', ');
            await client.query(`CREATE TEMP TABLE ${STAGE} (${cols}) ON COMMIT DELETE ROWS`);
          }
        } catch (err) {
          void client.end().catch(() => undefined); // the attempt failed: nothing to close cleanly
          throw err;
        }
        if (this.#failures > 0) this.#logger.info({ attempts: this.#failures }, 'postgresql connection back');
        this.#failures = 0;
        conn.client = client;
        return client;
      } catch (err) {
        this.#failures++;
        throw err;
      } finally {
        conn.connecting = undefined;
      }
    })();
    return conn.connecting;
  }

  #drop(conn: Connection): void {
    const client = conn.client;
    conn.client = undefined;
    // A broken connection's end() may fail: it is gone either way.
    if (client !== undefined) void client.end().catch(() => undefined);
  }

  /** Creates the table and its indexes once (serialised across writers by an advisory lock), then checks its columns. */
  #ensureTable(client: pg.Client): Promise<void> {
    this.#tableReady ??= (async () => {
      const name = qualified(this.#table);
      if (this.#settings.create_table) {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`drover:${name}`]);
        for (const sql of createStatements(this.#table)) await client.query(sql);
        await client.query('COMMIT');
      }
      const { rows } = await client.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
        [this.#table.schema, this.#table.table],
      );
      const have = new Set(rows.map((r) => r.column_name));
      const missing = this.#table.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
      if (missing.length > 0) {
        const err = new LogTableError(
          have.size === 0
            ? `table ${name} does not exist (create_table is off)`
            : `table ${name} lacks the columns ${missing.join(', ')}`,
        );
        this.#logger.error({ table: name, missing }, err.message);
        throw err;
      }
    })().catch((err: unknown) => {
      // Checked again with the next batch (the table may be fixed meanwhile).
      this.#tableReady = undefined;
      throw err;
    });
    return this.#tableReady;
  }

  async close(): Promise<void> {
    this.#flush();
    this.#closing = true;
    // Queued batches start as connections free up (#pump); until none is left or running.
    while (this.#running.size > 0) await Promise.all(this.#running);
    await Promise.all(
      this.#connections.map(async (conn) => {
        const client = conn.client;
        conn.client = undefined;
        await client?.end();
      }),
    );
  }
}
