/** The log-search plugin over a fake store: queries validated, store failures as coded errors. */
import { CursorError, LogStoreError, type SearchQuery } from '@drover/log-store';
import { describe, expect, it } from 'vitest';
import type { LogSearch } from './ports.js';
import { bearer, errorOf, OFF_LOOPBACK, testApi } from './testing/fakes.js';

const hit = {
  id: 'id-1',
  ts: '2026-11-30T10:00:00.000Z',
  host: 'front1',
  program: 'sshd',
  severity: 6,
  message: 'Accepted publickey for deploy',
  truncated: false,
};

class FakeStore implements LogSearch {
  readonly table = { schema: 'public', table: 'logs' };
  queries: SearchQuery[] = [];
  fail: unknown;
  async search(query: SearchQuery) {
    this.queries.push(query);
    if (this.fail !== undefined) throw this.fail;
    return { hits: [hit], next: null };
  }
  async event(id: string) {
    if (this.fail !== undefined) throw this.fail;
    return id === 'id-1' ? { _ppf_id: 'id-1', message: hit.message, fields: { a: 1 } } : undefined;
  }
}

describe('log-search plugin', () => {
  it('searches with the validated query (numbers coerced, defaults applied)', async () => {
    const store = new FakeStore();
    const { app } = await testApi({ console: { logStore: store } });
    const res = await app.inject({
      url: '/v1/logs/search?host=front1&severity=4&q=%22publickey%22&from=2026-11-30T00:00:00Z',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ hits: [hit], next: null });
    expect(store.queries).toEqual([
      { host: 'front1', severity: 4, q: '"publickey"', from: '2026-11-30T00:00:00Z', limit: 50 },
    ]);
  });

  it('refuses a bad query before the store sees it', async () => {
    const store = new FakeStore();
    const { app } = await testApi({ console: { logStore: store } });
    for (const qs of ['severity=9', 'from=yesterday', 'limit=1000', 'other=1']) {
      const res = await app.inject({ url: `/v1/logs/search?${qs}` });
      expect(res.statusCode, qs).toBe(400);
      expect(errorOf(res).code).toBe('DRV_BAD_REQUEST');
    }
    expect(store.queries).toEqual([]);
  });

  it('maps the store failures to their codes', async () => {
    const store = new FakeStore();
    const { app } = await testApi({ console: { logStore: store } });
    const cases: [unknown, number, string][] = [
      [
        new LogStoreError('UNAVAILABLE', 'log store 127.0.0.1:5432/drover unavailable'),
        503,
        'DRV_LOG_STORE_UNAVAILABLE',
      ],
      [new LogStoreError('TIMEOUT', 'the search took too long'), 504, 'DRV_LOG_STORE_TIMEOUT'],
      [new LogStoreError('NO_TABLE', 'log table public.logs does not exist'), 502, 'DRV_LOG_STORE_FAILED'],
      [new LogStoreError('FAILED', 'syntax error'), 502, 'DRV_LOG_STORE_FAILED'],
      [new CursorError('cursor: not a cursor this API gave'), 400, 'DRV_BAD_REQUEST'],
      [new Error('a bug'), 500, 'DRV_INTERNAL'],
    ];
    for (const [err, status, code] of cases) {
      store.fail = err;
      const res = await app.inject({ url: '/v1/logs/search' });
      expect(res.statusCode, code).toBe(status);
      expect(errorOf(res).code).toBe(code);
      if (err instanceof LogStoreError) expect(errorOf(res).message).toBe(err.message);
    }
  });

  it('opens one stored event whole, 404 DRV_LOG_EVENT_UNKNOWN for an id it does not hold', async () => {
    const { app } = await testApi({ console: { logStore: new FakeStore() } });
    const found = await app.inject({ url: '/v1/logs/events/id-1' });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ _ppf_id: 'id-1', message: hit.message, fields: { a: 1 } });
    const missing = await app.inject({ url: '/v1/logs/events/id-2' });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 'DRV_LOG_EVENT_UNKNOWN', message: 'no stored event id-2' });
  });

  it('answers 501 DRV_LOG_STORE_NOT_CONFIGURED without a store', async () => {
    const { app } = await testApi({ console: {} });
    for (const url of ['/v1/logs/search', '/v1/logs/events/id-1']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(501);
      expect(errorOf(res).code).toBe('DRV_LOG_STORE_NOT_CONFIGURED');
    }
  });

  it('needs the token off loopback', async () => {
    const { app } = await testApi({ console: { logStore: new FakeStore() } });
    const denied = await app.inject({ url: '/v1/logs/search', remoteAddress: OFF_LOOPBACK });
    expect(errorOf(denied).code).toBe('DRV_UNAUTHORIZED');
    const allowed = await app.inject({
      url: '/v1/logs/search',
      remoteAddress: OFF_LOOPBACK,
      headers: bearer,
    });
    expect(allowed.statusCode).toBe(200);
  });
});
