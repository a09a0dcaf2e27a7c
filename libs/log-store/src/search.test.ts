import { describe, expect, it } from 'vitest';
import {
  CursorError,
  decodeCursor,
  encodeCursor,
  eventStatement,
  pageOf,
  searchQuerySchema,
  searchStatement,
} from './search.js';

const table = { schema: 'public', table: 'logs' };

describe('log search statements', () => {
  it('puts only the given conditions, each as a parameter, newest first with one row more', () => {
    const q = searchQuerySchema.parse({
      from: '2026-11-01T00:00:00Z',
      host: 'web1',
      severity: '3',
      q: '"disk full" -test',
      limit: '20',
    });
    const s = searchStatement(table, q);
    expect(s.text).toContain('FROM "public"."logs"');
    expect(s.text).toContain('"ts" >= $1::timestamptz');
    expect(s.text).toContain('"host" = $2');
    expect(s.text).toContain('"severity" <= $3');
    expect(s.text).toContain(`"message_tsv" @@ websearch_to_tsquery('simple', $4)`);
    expect(s.text).not.toContain('"program" =');
    expect(s.text).toMatch(/ORDER BY "ts" DESC, "_ppf_id" DESC\nLIMIT \$5$/);
    expect(s.values).toEqual(['2026-11-01T00:00:00Z', 'web1', 3, '"disk full" -test', 21]);
  });

  it('continues after the cursor of the last row, by (ts, _ppf_id)', () => {
    const cursor = encodeCursor({ ts: '2026-11-02T10:00:00.000Z', id: 'abc' });
    expect(decodeCursor(cursor)).toEqual({ ts: '2026-11-02T10:00:00.000Z', id: 'abc' });
    const s = searchStatement(table, searchQuerySchema.parse({ cursor }));
    expect(s.text).toContain('("ts", "_ppf_id") < ($1::timestamptz, $2)');
    expect(s.values).toEqual(['2026-11-02T10:00:00.000Z', 'abc', 51]);
  });

  it('refuses a cursor it did not give, and bad names or values', () => {
    expect(() => decodeCursor('not-a-cursor')).toThrow(CursorError);
    expect(() =>
      searchStatement({ schema: 'public', table: 'logs"; drop' }, searchQuerySchema.parse({})),
    ).toThrow();
    expect(searchQuerySchema.safeParse({ severity: 9 }).success).toBe(false);
    expect(searchQuerySchema.safeParse({ from: 'yesterday' }).success).toBe(false);
    expect(searchQuerySchema.safeParse({ limit: 500 }).success).toBe(false);
    expect(searchQuerySchema.safeParse({ other: 1 }).success).toBe(false);
  });

  it('pages: a next cursor only when there was one row more than the limit', () => {
    const row = (i: number) => ({
      id: `id${i}`,
      ts: new Date(Date.UTC(2026, 10, 1, 0, 0, 10 - i)),
      host: 'h',
      program: 'p',
      severity: 6,
      message: 'm',
      truncated: false,
    });
    const full = pageOf([row(0), row(1), row(2)], 2);
    expect(full.hits.map((h) => h.id)).toEqual(['id0', 'id1']);
    expect(decodeCursor(full.next ?? '')).toEqual({ ts: '2026-11-01T00:00:09.000Z', id: 'id1' });
    expect(pageOf([row(0)], 2).next).toBeNull();
  });

  it('fetches the whole event without the derived tsvector', () => {
    const s = eventStatement(table, 'x');
    expect(s.text).toBe(
      `SELECT to_jsonb(t) - 'message_tsv' AS event FROM "public"."logs" t WHERE "_ppf_id" = $1`,
    );
    expect(s.values).toEqual(['x']);
  });
});
