/**
 * LogStore on a real PostgreSQL (servicesSetup(['postgres'])), against the log table as main's
 * `postgresql_output` creates it (`createStatements(logTable(...))`) and fills it: the rows are
 * written by the output node itself, from events shaped as the processor channel's `normalize`
 * emits them. So a change of the table contract that the search does not follow fails here.
 */
import { postgresqlOutputSettings } from '@drover/channel-model';
import { PostgresqlOutput } from '@drover/pipeline/postgresql-output';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { droverServices } from '../../../test/support/services.js';
import { decodeCursor, LogStore, LogStoreError, searchQuerySchema } from '../src/index.js';

const TABLE = `logs_store_${process.pid}`;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const BASE = Date.UTC(2026, 10, 30, 10, 0, 0);

/** An event as the processor's normalize emits it (syslog header fields, Beats metadata kept). */
function event(i: number): Record<string, unknown> {
  const sshd = i % 3 !== 0;
  return {
    _ppf_id: `ev-${String(i).padStart(4, '0')}`,
    _ppf_timestamp: BASE + i * 1000 + 5,
    timestamp: new Date(BASE + i * 1000).toISOString(),
    host: i % 2 === 0 ? 'front1' : 'front2',
    program: sshd ? 'sshd' : 'httpd',
    severity: sshd ? 6 : 3,
    facility: sshd ? 4 : 1,
    device_type: sshd ? 'linux' : 'apache',
    message: sshd
      ? `Accepted publickey for deploy from 10.1.2.${i % 250} port ${40000 + i} ssh2`
      : `GET /index.html HTTP/1.1 500 seq=${i}`,
    beat: { hostname: 'collector1' },
  };
}

let url: string;
let store: LogStore;

function query(q: Record<string, unknown>) {
  return store.search(searchQuerySchema.parse(q));
}

beforeAll(async () => {
  url = droverServices('postgres').postgres.url;
  const out = new PostgresqlOutput(
    postgresqlOutputSettings.parse({ url, table: TABLE, batch_size: 50, linger_ms: 5 }),
    quiet,
  );
  const events = Array.from({ length: 120 }, (_, i) => event(i));
  // One whose message is longer than a search row carries.
  events.push({ ...event(500), _ppf_id: 'ev-long', message: `long ${'x'.repeat(5000)} end` });
  await new Promise<void>((resolve, reject) => {
    let left = events.length;
    for (const fields of events) {
      out.write({ component: 'normalize', stream: 'normalized', fields }, (err) => {
        if (err !== undefined) reject(err);
        else if (--left === 0) resolve();
      });
    }
  });
  await out.close();
  store = new LogStore({ url, schema: 'public', table: TABLE, statementTimeoutMs: 5000 });
});

afterAll(async () => {
  await store?.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS "public"."${TABLE}"`);
  await c.end();
});

describe('LogStore on the table postgresql_output writes', () => {
  it('finds by host, program and severity, newest first', async () => {
    const page = await query({ host: 'front1', program: 'httpd', severity: 3, limit: 200 });
    // i % 2 === 0 and i % 3 === 0: every 6th of 0..119.
    expect(page.hits.map((h) => h.id)).toEqual(
      Array.from({ length: 20 }, (_, k) => `ev-${String(114 - 6 * k).padStart(4, '0')}`),
    );
    expect(page.hits[0]).toEqual({
      id: 'ev-0114',
      ts: new Date(BASE + 114_000).toISOString(),
      host: 'front1',
      program: 'httpd',
      severity: 3,
      message: 'GET /index.html HTTP/1.1 500 seq=114',
      truncated: false,
    });
    expect(page.next).toBeNull();
  });

  it('searches the message in full text (web-search syntax) within a time range', async () => {
    const page = await query({
      q: '"accepted publickey" 10.1.2.7',
      from: new Date(BASE).toISOString(),
      to: new Date(BASE + 60_000).toISOString(),
    });
    expect(page.hits.map((h) => h.id)).toEqual(['ev-0007']);
    const none = await query({ q: 'publickey -deploy' });
    expect(none.hits).toEqual([]);
  });

  it('pages by keyset: every row once, in order, across pages', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await query({ limit: 25, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.hits.map((h) => h.id));
      cursor = page.next ?? undefined;
      if (cursor !== undefined) expect(decodeCursor(cursor).id).toBe(page.hits.at(-1)?.id);
    } while (cursor !== undefined);
    expect(seen.length).toBe(121);
    expect(new Set(seen).size).toBe(121);
    expect(seen[0]).toBe('ev-long');
  });

  it('cuts a long message in the list and opens the whole stored event by id', async () => {
    const [hit] = (await query({ q: 'long' })).hits;
    expect(hit?.truncated).toBe(true);
    expect(hit?.message?.length).toBe(2000);
    const whole = await store.event('ev-long');
    expect(whole).toMatchObject({
      _ppf_id: 'ev-long',
      host: 'front1',
      program: 'sshd',
      device_type: 'linux',
      facility: 4,
      fields: { beat: { hostname: 'collector1' } },
    });
    expect(String(whole?.message).endsWith(' end')).toBe(true);
    expect(whole).not.toHaveProperty('message_tsv');
    expect(await store.event('ev-none')).toBeUndefined();
  });

  it('says plainly when the table is missing or the server is unreachable', async () => {
    const missing = new LogStore({ url, schema: 'public', table: 'no_such_logs' });
    await expect(missing.search(searchQuerySchema.parse({}))).rejects.toMatchObject({
      code: 'NO_TABLE',
      message: expect.stringContaining('log table public.no_such_logs does not exist'),
    });
    await missing.close();
    const u = new URL(url);
    u.port = '1';
    const away = new LogStore({ url: u.toString(), schema: 'public', table: TABLE });
    const err = await away.search(searchQuerySchema.parse({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogStoreError);
    expect((err as LogStoreError).code).toBe('UNAVAILABLE');
    await away.close();
  });
});
