/**
 * The log table: Drover's contract with whoever reads the log store (the web console queries it;
 * README, "The log table"). Pure: the DDL, and events as rows.
 *
 *   _ppf_id      text PRIMARY KEY   the event's id: a replayed event is absorbed (ON CONFLICT DO NOTHING)
 *   ts           timestamptz NOT NULL  the event's time (`columns.ts`), else its reception time
 *   received_at  timestamptz NOT NULL  when the pipeline first saw it (`_ppf_timestamp`)
 *   host, program, device_type  text   (cut to 512 characters: they are indexed)
 *   severity, facility smallint        syslog numbers (0-7, 0-23)
 *   message      text
 *   <extra columns>
 *   fields       jsonb NOT NULL     every other field of the event
 *   message_tsv  tsvector, generated: to_tsvector('simple', the first 65,536 characters of message)
 *
 * Indexes: ts; (host, ts); (program, ts); (severity, ts); (device_type, ts); GIN on message_tsv.
 */
import type { PostgresqlOutputSettings } from '@drover/channel-model';

export type SqlType =
  | 'text'
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'double precision'
  | 'boolean'
  | 'timestamptz'
  | 'jsonb';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  /** The event field it is filled from (dotted path), or how it is derived. */
  readonly field: readonly string[];
  /** Indexed text: values are cut to this many characters. */
  readonly maxChars?: number;
}

export interface LogTable {
  readonly schema: string;
  readonly table: string;
  /** Every column written, in COPY order (`fields` last). */
  readonly columns: readonly Column[];
}

/** Text columns with a btree index: a btree entry must stay under ~2,700 bytes. */
const INDEXED_TEXT_CHARS = 512;
/** to_tsvector refuses more than 1 MB; 65,536 characters is at most 256 KiB of UTF-8. */
export const FULL_TEXT_CHARS = 65_536;

const path = (p: string): string[] => p.split('.');

export function logTable(settings: PostgresqlOutputSettings): LogTable {
  const c = settings.columns;
  const columns: Column[] = [
    { name: '_ppf_id', type: 'text', field: ['_ppf_id'] },
    { name: 'ts', type: 'timestamptz', field: path(c.ts) },
    { name: 'received_at', type: 'timestamptz', field: ['_ppf_timestamp'] },
    { name: 'host', type: 'text', field: path(c.host), maxChars: INDEXED_TEXT_CHARS },
    { name: 'program', type: 'text', field: path(c.program), maxChars: INDEXED_TEXT_CHARS },
    { name: 'severity', type: 'smallint', field: path(c.severity) },
    { name: 'facility', type: 'smallint', field: path(c.facility) },
    { name: 'device_type', type: 'text', field: path(c.device_type), maxChars: INDEXED_TEXT_CHARS },
    { name: 'message', type: 'text', field: path(c.message) },
    ...Object.entries(settings.extra_columns).map(([name, x]) => ({
      name,
      type: x.type,
      field: path(x.field),
    })),
    { name: 'fields', type: 'jsonb', field: [] },
  ];
  return { schema: settings.schema, table: settings.table, columns };
}

const q = (name: string): string => `"${name}"`;

export function qualified(t: LogTable): string {
  return `${q(t.schema)}.${q(t.table)}`;
}

/** CREATE TABLE / INDEX IF NOT EXISTS, in order. */
export function createStatements(t: LogTable): string[] {
  const cols = t.columns.map((c) => {
    const notNull =
      c.name === '_ppf_id' || c.name === 'ts' || c.name === 'received_at' || c.name === 'fields';
    return `${q(c.name)} ${c.type}${c.name === '_ppf_id' ? ' PRIMARY KEY' : notNull ? ' NOT NULL' : ''}`;
  });
  cols.push(
    `"message_tsv" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, left(coalesce("message", ''), ${FULL_TEXT_CHARS}))) STORED`,
  );
  const name = qualified(t);
  const idx = (suffix: string, def: string) =>
    `CREATE INDEX IF NOT EXISTS ${q(`${t.table}_${suffix}`)} ON ${name} ${def}`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(t.schema)}`,
    `CREATE TABLE IF NOT EXISTS ${name} (\n  ${cols.join(',\n  ')}\n)`,
    idx('ts_idx', '("ts")'),
    idx('host_ts_idx', '("host", "ts")'),
    idx('program_ts_idx', '("program", "ts")'),
    idx('severity_ts_idx', '("severity", "ts")'),
    idx('device_type_ts_idx', '("device_type", "ts")'),
    idx('message_tsv_idx', 'USING gin ("message_tsv")'),
  ];
}

/** A value for PostgreSQL text: well-formed UTF-16 (no lone surrogates) without NUL, which text cannot hold. */
export function pgText(s: string): string {
  return NOT_TEXT.test(s) ? s.replace(NOT_TEXT_ALL, '\uFFFD') : s;
}

/** NUL, and a surrogate that is not half of a pair. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is looked for.
const NOT_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_TEXT_ALL = new RegExp(NOT_TEXT.source, 'g');

function get(fields: Readonly<Record<string, unknown>>, p: readonly string[]): unknown {
  let v: unknown = fields;
  for (const part of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const LIMITS: Partial<Record<SqlType, number>> = {
  smallint: 32767,
  integer: 2147483647,
  bigint: Number.MAX_SAFE_INTEGER,
};
/** RFC 3339 / ISO 8601 date-times PostgreSQL reads; without an offset they are UTC (the session's zone). */
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** The column's value as text, or null when the field is absent or is not of the column's type. */
export function columnValue(type: SqlType, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'text':
      return pgText(
        typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value),
      );
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && INTEGER_TEXT.test(value)
            ? Number(value)
            : Number.NaN;
      const limit = LIMITS[type] as number;
      return Number.isInteger(n) && Math.abs(n) <= limit ? String(n) : null;
    }
    case 'double precision': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      return Number.isFinite(n) ? String(n) : null;
    }
    case 'boolean':
      return value === true || value === 'true'
        ? 'true'
        : value === false || value === 'false'
          ? 'false'
          : null;
    case 'timestamptz': {
      if (typeof value === 'number') return Number.isFinite(value) ? new Date(value).toISOString() : null;
      if (typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) return value;
      return null;
    }
    case 'jsonb':
      return jsonText(value);
  }
}

/**
 * JSON for jsonb, which refuses \u0000 and lone surrogates: JSON.stringify writes both as
 * escapes (a valid pair stays literal), which become \ufffd.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (!/\\u(?:0000|d[89a-f])/i.test(text)) return text;
  // Only escapes preceded by an even run of backslashes are escapes (`\\u0000` is text).
  return text.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi, '$1\\ufffd');
}

/**
 * One event as the table's row (text values, null for NULL). A field consumed by a column is
 * left out of `fields` when it converted; one that did not convert stays in `fields`, so nothing
 * of the event is lost. `ts` falls back to the reception time.
 */
export function toRow(t: LogTable, fields: Readonly<Record<string, unknown>>): (string | null)[] {
  const rest: Record<string, unknown> = { ...fields };
  delete rest._ppf_id;
  delete rest._ppf_timestamp;
  const row: (string | null)[] = [];
  for (const c of t.columns) {
    if (c.name === 'fields') {
      row.push(jsonText(rest));
      continue;
    }
    let v = columnValue(c.type, get(fields, c.field));
    if (v !== null && c.maxChars !== undefined && v.length > c.maxChars) v = v.slice(0, c.maxChars);
    if (v !== null && c.field.length === 1 && c.name !== '_ppf_id') delete rest[c.field[0] as string];
    if (v === null && c.name === 'ts') v = columnValue('timestamptz', fields._ppf_timestamp);
    if (v === null && (c.name === 'ts' || c.name === 'received_at')) v = new Date().toISOString();
    row.push(v);
  }
  return row;
}

/** A row in COPY's text format (PostgreSQL docs, COPY, "Text Format"): tab-separated, `\N` for NULL. */
export function copyLine(row: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (i > 0) line += '\t';
    line +=
      v === null || v === undefined ? '\\N' : /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, escapeCopy) : v;
  }
  return `${line}\n`;
}

function escapeCopy(ch: string): string {
  return ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r';
}
