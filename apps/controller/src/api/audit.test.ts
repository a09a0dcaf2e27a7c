/**
 * The audit log through the API (audit.ts, plugins/audit.ts): one entry per mutation, done,
 * refused or failed, with who, from where, what, on which channel and how it ended; none for
 * reads; GET /v1/audit for operate and admin.
 */
import { StoreError } from '@drover/store';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiProblem } from './errors.js';
import { bearerOf, capturingLogger, errorOf, OFF_LOOPBACK, testApi } from './testing/fakes.js';

const upload = { files: { 'channel_structure.yaml': 'version: "6.0"\n' } };

afterEach(() => {
  vi.useRealTimers();
});

describe('audit entries', () => {
  it('records each mutation: token, role, source, method, path, action, channel, status, result', async () => {
    const { app, audit } = await testApi();
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearerOf('admin'),
      payload: upload,
      remoteAddress: OFF_LOOPBACK,
    });
    expect(put.statusCode).toBe(200);
    for (const action of ['start', 'reload', 'stop']) {
      const res = await app.inject({
        method: 'POST',
        url: `/v1/channels/t/c/${action}?why=test`,
        headers: bearerOf('operate'),
      });
      expect(res.statusCode).toBe(200);
    }
    expect(audit.entries).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        controller: 'controller-a',
        token: 'admin',
        role: 'admin',
        via: 'token',
        source: OFF_LOOPBACK,
        method: 'PUT',
        path: '/v1/channels/t/c',
        action: 'upload',
        channel: 't/c',
        status: 200,
        result: 'ok',
        code: null,
        message: 'changed, digest1',
      },
      ...['start', 'reload', 'stop'].map((action) => ({
        time: expect.any(String),
        controller: 'controller-a',
        token: 'operate',
        role: 'operate',
        via: 'token',
        source: '127.0.0.1',
        method: 'POST',
        path: `/v1/channels/t/c/${action}`,
        action,
        channel: 't/c',
        status: 200,
        result: 'ok',
        code: null,
        message: null,
      })),
    ]);
  });

  it('records refusals: a role that may not (403, with the token) and no valid token (401)', async () => {
    const { app, audit } = await testApi();
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/stop', headers: bearerOf('read') });
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/start', remoteAddress: OFF_LOOPBACK });
    await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: { authorization: 'Bearer guessed' },
      payload: upload,
    });
    expect(audit.entries.map(({ time: _, controller: __, ...e }) => e)).toEqual([
      {
        token: 'read',
        role: 'read',
        via: 'token',
        source: '127.0.0.1',
        method: 'POST',
        path: '/v1/channels/t/c/stop',
        action: 'stop',
        channel: 't/c',
        status: 403,
        result: 'refused',
        code: 'DRV_FORBIDDEN',
        message: 'token "read" has role read: POST /v1/channels/t/c/stop needs role operate or admin',
      },
      {
        token: null,
        role: null,
        via: null,
        source: OFF_LOOPBACK,
        method: 'POST',
        path: '/v1/channels/t/c/start',
        action: 'start',
        channel: 't/c',
        status: 401,
        result: 'refused',
        code: 'DRV_UNAUTHORIZED',
        message: 'missing bearer token: this needs a token of role operate or admin',
      },
      {
        token: null,
        role: null,
        via: null,
        source: '127.0.0.1',
        method: 'PUT',
        path: '/v1/channels/t/c',
        action: 'upload',
        channel: 't/c',
        status: 401,
        result: 'refused',
        code: 'DRV_UNAUTHORIZED',
        message: 'invalid bearer token',
      },
    ]);
  });

  it('records failures with their code, and what an operate re-upload did', async () => {
    const { app, audit, commands } = await testApi();
    commands.fail = new ApiProblem(
      'DRV_CHANNEL_NOT_STARTED',
      'channel t/c is not started: nothing to reload',
    );
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/reload', headers: bearerOf('admin') });
    commands.fail = new StoreError('UNAVAILABLE', 'deadline exceeded');
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/start', headers: bearerOf('admin') });
    await app.inject({ method: 'PUT', url: '/v1/channels/t/c', headers: bearerOf('admin'), payload: {} });
    const { uploadDigest } = await import('@drover/cluster-state');
    const digest = uploadDigest(upload.files, {});
    commands.digests.set('t/c', digest);
    await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearerOf('operate'),
      payload: upload,
    });
    expect(audit.entries.map((e) => [e.action, e.status, e.result, e.code, e.message])).toEqual([
      ['reload', 409, 'failed', 'DRV_CHANNEL_NOT_STARTED', 'channel t/c is not started: nothing to reload'],
      ['start', 503, 'failed', 'DRV_ETCD_UNAVAILABLE', 'etcd is unavailable: deadline exceeded'],
      ['upload', 400, 'failed', 'DRV_BAD_REQUEST', expect.stringMatching(/files/)],
      ['upload', 200, 'ok', null, `unchanged, ${digest}`],
    ]);
  });

  it('records nothing for reads', async () => {
    const { app, audit } = await testApi();
    for (const url of ['/v1/channels', '/v1/channels/t/c', '/v1/runners', '/metrics', '/v1/audit']) {
      await app.inject({ method: 'GET', url, headers: bearerOf('admin') });
    }
    await app.inject({ method: 'GET', url: '/v1/audit', headers: bearerOf('read') });
    expect(audit.entries).toEqual([]);
  });

  it('answers the mutation when the entry cannot be written, and logs the whole entry as an error', async () => {
    const { logger, lines } = capturingLogger();
    const { app, audit } = await testApi({ logger });
    audit.fail = new StoreError('UNAVAILABLE', 'etcd down');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/channels/t/c/stop',
      headers: bearerOf('operate'),
    });
    expect(res.statusCode).toBe(200);
    const error = lines.find((l) => l.msg === 'audit entry not written to etcd');
    expect(error).toMatchObject({
      level: 50,
      audit: { token: 'operate', action: 'stop', channel: 't/c', result: 'ok' },
    });
    // Every entry is in the controller's log as well.
    expect(lines.filter((l) => l.msg === 'audit')).toHaveLength(1);
  });

  it('records requests without a valid token 60 at once, then one a second, and says how many it only counted', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-23T03:00:00.000Z'));
    const { logger, lines } = capturingLogger();
    const { app, audit } = await testApi({ logger });
    const refused = () =>
      app.inject({ method: 'POST', url: '/v1/channels/t/c/stop', remoteAddress: OFF_LOOPBACK });
    for (let i = 0; i < 75; i++) expect((await refused()).statusCode).toBe(401);
    expect(audit.entries).toHaveLength(60);
    // A token's requests are not limited.
    for (let i = 0; i < 5; i++) {
      await app.inject({ method: 'POST', url: '/v1/channels/t/c/stop', headers: bearerOf('read') });
    }
    expect(audit.entries).toHaveLength(65);
    vi.setSystemTime(new Date('2026-11-23T03:00:01.000Z'));
    await refused();
    expect(audit.entries).toHaveLength(66);
    expect(audit.entries.at(-1)?.message).toBe(
      'missing bearer token: this needs a token of role operate or admin (and 15 earlier request(s) without a valid token, over 60 at once, not recorded)',
    );
    expect(
      lines.find((l) => l.msg === 'audit: requests without a valid token were counted, not recorded'),
    ).toMatchObject({
      unrecorded: 15,
    });
  });
});

describe('GET /v1/audit', () => {
  it('gives operate and admin the entries since a time, oldest first, at most limit (the newest)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { app } = await testApi();
    const at = (iso: string) => vi.setSystemTime(new Date(iso));
    at('2026-11-20T10:00:00.000Z');
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/start', headers: bearerOf('admin') });
    at('2026-11-23T02:00:00.000Z');
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/stop', headers: bearerOf('operate') });
    at('2026-11-23T02:30:00.000Z');
    await app.inject({ method: 'POST', url: '/v1/channels/t/c/reload', headers: bearerOf('operate') });
    at('2026-11-23T03:00:00.000Z');

    const day = await app.inject({ method: 'GET', url: '/v1/audit', headers: bearerOf('operate') });
    expect(day.statusCode).toBe(200);
    expect(day.json()).toMatchObject({ since: '2026-11-22T03:00:00.000Z', truncated: false });
    expect((day.json() as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual([
      'stop',
      'reload',
    ]);

    const week = await app.inject({
      method: 'GET',
      url: '/v1/audit?since=7d&limit=2',
      headers: bearerOf('admin'),
    });
    expect(week.json()).toMatchObject({ truncated: true });
    expect((week.json() as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual([
      'stop',
      'reload',
    ]);

    const fromTime = await app.inject({
      method: 'GET',
      url: '/v1/audit?since=2026-11-20T00:00:00Z',
      headers: bearerOf('admin'),
    });
    expect((fromTime.json() as { entries: unknown[] }).entries).toHaveLength(3);
  });

  it('refuses read tokens (403) and tokenless requests even from loopback (401); a bad since is 400', async () => {
    const { app } = await testApi();
    const read = await app.inject({ method: 'GET', url: '/v1/audit', headers: bearerOf('read') });
    expect(errorOf(read)).toEqual({
      code: 'DRV_FORBIDDEN',
      message: 'token "read" has role read: GET /v1/audit needs role operate or admin',
    });
    const none = await app.inject({ method: 'GET', url: '/v1/audit' });
    expect(none.statusCode).toBe(401);
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/audit?since=yesterday',
      headers: bearerOf('admin'),
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toEqual({
      code: 'DRV_BAD_REQUEST',
      message:
        'since: invalid time "yesterday": expected a duration back from now (90m, 24h, 7d) or an ISO 8601 time (2026-11-23T03:00:00Z)',
    });
    const tooMany = await app.inject({
      method: 'GET',
      url: '/v1/audit?limit=100000',
      headers: bearerOf('admin'),
    });
    expect(tooMany.statusCode).toBe(400);
  });
});
