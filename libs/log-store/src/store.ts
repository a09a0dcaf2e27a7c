/**
 * The log store adapter: a small pg pool against the PostgreSQL the platform file names
 * (`log_store`). Read-only; every statement has a time limit. Errors are LogStoreError with a
 * code the API maps to a status.
 */
import pg from 'pg';
import type { LogTableRef } from './contract.js';
import {
  eventStatement,
  type HitRow,
  pageOf,
  type SearchQuery,
  type SearchResult,
  searchStatement,
} from './search.js';

export type LogStoreErrorCode = 'UNAVAILABLE' | 'NO_TABLE' | 'TIMEOUT' | 'FAILED';

export class LogStoreError extends Error {
  readonly code: LogStoreErrorCode;
  constructor(code: LogStoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LogStoreError';
    this.code = code;
  }
}

export interface LogStoreOptions extends LogTableRef {
  /** libpq URL: `postgres://user@host:port/db`. */
  readonly url: string;
  /** Overrides the URL's password (read from a file by the caller). */
  readonly password?: string;
  /** Per statement (default 10 s). */
  readonly statementTimeoutMs?: number;
  /** Connections kept at most (default 4). */
  readonly maxConnections?: number;
}

/** Where the URL points, without its password (for messages). */
function target(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the log store';
  }
}

export class LogStore {
  readonly table: LogTableRef;
  readonly #pool: pg.Pool;
  readonly #where: string;

  constructor(options: LogStoreOptions) {
    this.table = { schema: options.schema, table: options.table };
    this.#where = target(options.url);
    const timeout = options.statementTimeoutMs ?? 10_000;
    this.#pool = new pg.Pool({
      connectionString: options.url,
      ...(options.password === undefined ? {} : { password: options.password }),
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: timeout,
      query_timeout: timeout + 2000,
      application_name: 'drover-controller',
    });
    // An idle connection that breaks is dropped by the pool; say nothing louder than the next query will.
    this.#pool.on('error', () => {});
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    const statement = searchStatement(this.table, query);
    const rows = await this.#run<HitRow>(statement.text, statement.values);
    return pageOf(rows, query.limit);
  }

  /** The whole stored event, or undefined when no row has this id. */
  async event(id: string): Promise<Record<string, unknown> | undefined> {
    const statement = eventStatement(this.table, id);
    const rows = await this.#run<{ event: Record<string, unknown> }>(statement.text, statement.values);
    return rows[0]?.event;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #run<T extends pg.QueryResultRow>(text: string, values: readonly unknown[]): Promise<T[]> {
    try {
      return (await this.#pool.query<T>(text, [...values])).rows;
    } catch (err) {
      throw this.#classify(err);
    }
  }

  #classify(err: unknown): LogStoreError {
    const e = err as { code?: string; message?: string };
    const table = `${this.table.schema}.${this.table.table}`;
    if (e.code === '42P01' || e.code === '3F000') {
      return new LogStoreError('NO_TABLE', `log table ${table} does not exist at ${this.#where}`, {
        cause: err,
      });
    }
    if (e.code === '57014' || /timeout/i.test(e.message ?? '')) {
      return new LogStoreError(
        'TIMEOUT',
        `the search took too long at ${this.#where}: narrow it (time range, host)`,
        {
          cause: err,
        },
      );
    }
    if (e.code === undefined || /^(08|28|53|57P)/.test(e.code) || /^E[A-Z]+$/.test(e.code)) {
      return new LogStoreError(
        'UNAVAILABLE',
        `log store ${this.#where} unavailable: ${e.message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    return new LogStoreError('FAILED', `log store ${this.#where}: ${e.message ?? String(err)}`, {
      cause: err,
    });
  }
}
