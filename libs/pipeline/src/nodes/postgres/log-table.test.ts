import { postgresqlOutputSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { columnValue, copyLine, createStatements, jsonText, logTable, pgText, toRow } from './log-table.js';

const table = logTable(
  postgresqlOutputSettings.parse({
    url: 'postgres://x@h/db',
    extra_columns: { status: { field: 'http.status', type: 'integer' } },
  }),
);
const names = table.columns.map((c) => c.name);

describe('the log table', () => {
  it('has the contract columns, extra columns before the jsonb rest', () => {
    expect(names).toEqual([
      '_ppf_id',
      'ts',
      'received_at',
      'host',
      'program',
      'severity',
      'facility',
      'device_type',
      'message',
      'status',
      'fields',
    ]);
    const ddl = createStatements(table).join(';\n');
    expect(ddl).toContain('"_ppf_id" text PRIMARY KEY');
    expect(ddl).toContain('"message_tsv" tsvector GENERATED ALWAYS AS');
    expect(ddl).toContain('USING gin ("message_tsv")');
    expect(ddl).toContain('"logs_host_ts_idx" ON "public"."logs" ("host", "ts")');
  });

  it('maps fields to columns, keeps the rest in fields, and what does not convert stays there', () => {
    const row = toRow(table, {
      _ppf_id: 'a-1',
      _ppf_timestamp: 1_764_000_000_000,
      timestamp: '2026-11-23T05:00:00Z',
      host: 'front1',
      program: 'sshd',
      severity: 'high', // not a number: NULL, and kept in fields
      facility: 4,
      message: 'Accepted publickey',
      http: { status: '200' },
      ssh_user: 'deploy',
    });
    const at = (name: string) => row[names.indexOf(name)];
    expect(at('_ppf_id')).toBe('a-1');
    expect(at('ts')).toBe('2026-11-23T05:00:00Z');
    expect(at('received_at')).toBe(new Date(1_764_000_000_000).toISOString());
    expect(at('severity')).toBeNull();
    expect(at('facility')).toBe('4');
    expect(at('status')).toBe('200');
    expect(JSON.parse(at('fields') as string)).toEqual({
      severity: 'high',
      http: { status: '200' },
      ssh_user: 'deploy',
    });
  });

  it('falls back to the reception time when the event time is missing or not RFC 3339', () => {
    const row = toRow(table, { _ppf_id: 'b', _ppf_timestamp: 0, timestamp: 'Nov 23 05:00:00' });
    expect(row[names.indexOf('ts')]).toBe('1970-01-01T00:00:00.000Z');
    expect(JSON.parse(row[names.indexOf('fields')] as string)).toEqual({ timestamp: 'Nov 23 05:00:00' });
  });

  it('converts by column type, refusing what does not fit', () => {
    expect(columnValue('smallint', 7)).toBe('7');
    expect(columnValue('smallint', '7')).toBe('7');
    expect(columnValue('smallint', 70_000)).toBeNull();
    expect(columnValue('smallint', 1.5)).toBeNull();
    expect(columnValue('double precision', '1.5')).toBe('1.5');
    expect(columnValue('boolean', 'true')).toBe('true');
    expect(columnValue('timestamptz', 'yesterday')).toBeNull();
    expect(columnValue('text', { a: 1 })).toBe('{"a":1}');
    expect(columnValue('text', 'x'.repeat(10))).toBe('xxxxxxxxxx');
  });

  it('cuts indexed text columns, and makes text PostgreSQL can hold (no NUL, no lone surrogate)', () => {
    const row = toRow(table, { _ppf_id: 'c', host: 'h'.repeat(2000) });
    expect(row[names.indexOf('host')]).toHaveLength(512);
    expect(pgText('a\u0000b\uD800c\uD83D\uDE00')).toBe('a\uFFFDb\uFFFDc\uD83D\uDE00');
    expect(jsonText({ m: 'a\u0000b\uDC00', ok: '\\u0000 stays text', e: '\uD83D\uDE00' })).toBe(
      '{"m":"a\\ufffdb\\ufffd","ok":"\\\\u0000 stays text","e":"\uD83D\uDE00"}',
    );
    expect(() => JSON.parse(jsonText({ m: '\u0000' }))).not.toThrow();
  });

  it('writes COPY text format: tabs, newlines, carriage returns and backslashes escaped, \\N for NULL', () => {
    expect(copyLine(['a\tb', null, 'c\nd\re\\f'])).toBe('a\\tb\t\\N\tc\\nd\\re\\\\f\n');
  });
});
