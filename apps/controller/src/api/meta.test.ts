import { describe, expect, it } from 'vitest';
import { bearer, errorOf, OFF_LOOPBACK, testApi } from './testing/fakes.js';

describe('meta plugin', () => {
  it('GET /metrics serves the Prometheus text', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('drover_controller_leader 1\n');
  });

  it('needs the token off loopback (401 DRV_UNAUTHORIZED), not on it', async () => {
    const { app } = await testApi();
    const denied = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: OFF_LOOPBACK });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer');
    expect(errorOf(denied)).toEqual({ code: 'DRV_UNAUTHORIZED', message: 'missing bearer token' });
    const allowed = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: OFF_LOOPBACK,
      headers: bearer,
    });
    expect(allowed.statusCode).toBe(200);
  });

  it('GET /openapi.json documents every route group with its error body', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz',
      '/readyz',
      '/v1/audit',
      '/v1/channels',
      '/v1/channels/{tenant}/{channel}',
      '/v1/channels/{tenant}/{channel}/applications/{app}/instances/{index}/logs',
      '/v1/channels/{tenant}/{channel}/reload',
      '/v1/channels/{tenant}/{channel}/runtime',
      '/v1/channels/{tenant}/{channel}/start',
      '/v1/channels/{tenant}/{channel}/stop',
      '/v1/runners',
    ]);
    expect(Object.keys(doc.paths['/v1/channels/{tenant}/{channel}/start']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '403', '404', '409', '500', '503']),
    );
    expect(Object.keys(doc.paths['/v1/audit']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403']),
    );
  });

  it("documents the console's routes too when it is served (the page and its assets hidden)", async () => {
    const { app } = await testApi({ console: {} });
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/channels'))).toEqual(
      expect.arrayContaining([
        '/v1/console',
        '/v1/console/session',
        '/v1/events',
        '/v1/logs/search',
        '/v1/logs/events/{id}',
      ]),
    );
    expect(Object.keys(doc.paths)).not.toContain('/');
    expect(Object.keys(doc.paths['/v1/logs/search']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '501', '502', '503', '504']),
    );
  });

  it('answers an unknown route 404 DRV_NOT_FOUND', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toEqual({ code: 'DRV_NOT_FOUND', message: 'no route GET /v2/nothing' });
  });
});
