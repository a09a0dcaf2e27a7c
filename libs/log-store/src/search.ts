/**
 * Log search as SQL: pure functions from a validated query to a parameterised statement. Results
 * are newest first, paginated by keyset on (ts, _ppf_id) — stable while rows arrive, and cheap at
 * any depth (no OFFSET) — and each row's message is cut for the list; the whole stored event is
 * fetched by its `_ppf_id`.
 */
import { z } from 'zod';
import { type LogTableRef, qualifiedName, TEXT_SEARCH_CONFIG } from './contract.js';

export const MAX_LIMIT = 200;
/** Characters of the message a result row carries (the event itself has it whole). */
export const MESSAGE_PREVIEW_CHARS = 2000;

const isoTime = z.iso.datetime({ offset: true });

export const searchQuerySchema = z.strictObject({
  /** Events at or after this time (RFC 3339). */
  from: isoTime.optional(),
  /** Events before this time (RFC 3339). */
  to: isoTime.optional(),
  host: z.string().min(1).max(512).optional(),
  program: z.string().min(1).max(512).optional(),
  /** Events at least this severe: severity number at most this (0 emergency .. 7 debug). */
  severity: z.coerce.number().int().min(0).max(7).optional(),
  /** Full text on the message, web-search syntax: words, "a phrase", or, -word. */
  q: z.string().min(1).max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50),
  /** The `next` cursor of the previous page. */
  cursor: z.string().min(1).max(600).optional(),
});
export type SearchQuery = z.output<typeof searchQuerySchema>;

export const searchHitSchema = z.object({
  id: z.string(),
  ts: z.string(),
  host: z.string().nullable(),
  program: z.string().nullable(),
  severity: z.number().int().nullable(),
  message: z.string().nullable(),
  /** The message was longer than MESSAGE_PREVIEW_CHARS (open the event to read it whole). */
  truncated: z.boolean(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultSchema = z.object({
  hits: z.array(searchHitSchema),
  /** Cursor of the next (older) page; null on the last page. */
  next: z.string().nullable(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export interface Cursor {
  readonly ts: string;
  readonly id: string;
}

export class CursorError extends Error {
  readonly code = 'BAD_CURSOR';
}

/** A cursor is the last row's (ts, _ppf_id), base64url JSON: opaque to clients. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.ts, c.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[1] === 'string') {
      const ts = isoTime.safeParse(value[0]);
      if (ts.success) return { ts: ts.data, id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new CursorError(`cursor: not a cursor this API gave (${text.slice(0, 40)})`);
}

export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The search statement: only the conditions given, each on an indexed column; one row more than
 * the limit tells whether there is a next page.
 */
export function searchStatement(table: LogTableRef, query: SearchQuery): Statement {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (query.from !== undefined) where.push(`"ts" >= ${param(query.from)}::timestamptz`);
  if (query.to !== undefined) where.push(`"ts" < ${param(query.to)}::timestamptz`);
  if (query.host !== undefined) where.push(`"host" = ${param(query.host)}`);
  if (query.program !== undefined) where.push(`"program" = ${param(query.program)}`);
  if (query.severity !== undefined) where.push(`"severity" <= ${param(query.severity)}`);
  if (query.q !== undefined) {
    where.push(`"message_tsv" @@ websearch_to_tsquery('${TEXT_SEARCH_CONFIG}', ${param(query.q)})`);
  }
  if (query.cursor !== undefined) {
    const c = decodeCursor(query.cursor);
    where.push(`("ts", "_ppf_id") < (${param(c.ts)}::timestamptz, ${param(c.id)})`);
  }
  const text = [
    `SELECT "_ppf_id" AS id, "ts", "host", "program", "severity",`,
    `  left("message", ${MESSAGE_PREVIEW_CHARS}) AS message,`,
    `  length("message") > ${MESSAGE_PREVIEW_CHARS} AS truncated`,
    `FROM ${qualifiedName(table)}`,
    where.length > 0 ? `WHERE ${where.join('\n  AND ')}` : '',
    `ORDER BY "ts" DESC, "_ppf_id" DESC`,
    `LIMIT ${param(query.limit + 1)}`,
  ]
    .filter((l) => l !== '')
    .join('\n');
  return { text, values };
}

/** The whole stored event: every column (extra columns included) but the derived tsvector. */
export function eventStatement(table: LogTableRef, id: string): Statement {
  return {
    text: `SELECT to_jsonb(t) - 'message_tsv' AS event FROM ${qualifiedName(table)} t WHERE "_ppf_id" = $1`,
    values: [id],
  };
}

export interface HitRow {
  id: string;
  ts: Date | string;
  host: string | null;
  program: string | null;
  severity: number | null;
  message: string | null;
  truncated: boolean | null;
}

/** Rows (limit + 1 of them at most) as a page. */
export function pageOf(rows: readonly HitRow[], limit: number): SearchResult {
  const page = rows.slice(0, limit).map((r) => ({
    id: r.id,
    ts: r.ts instanceof Date ? r.ts.toISOString() : new Date(r.ts).toISOString(),
    host: r.host,
    program: r.program,
    severity: r.severity,
    message: r.message,
    truncated: r.truncated === true,
  }));
  const last = page.at(-1);
  return {
    hits: page,
    next: rows.length > limit && last !== undefined ? encodeCursor({ ts: last.ts, id: last.id }) : null,
  };
}
