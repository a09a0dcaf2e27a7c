/**
 * Who may do what (auth.ts): every route against every kind of caller, from loopback and from
 * elsewhere. A refusal is 401 DRV_UNAUTHORIZED without a valid token and 403 DRV_FORBIDDEN
 * naming the token, its role and the role needed; a refused mutation calls nothing.
 */
import { type ApiRole, type ApiToken, roleAllows, tokenDigest } from '@drover/channel-model';
import { uploadDigest } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { bearerOf, errorOf, OFF_LOOPBACK, testApi } from './testing/fakes.js';

/** The whole API, the console's plugins included (with a log store that finds nothing). */
const wholeApi = (tokens?: readonly ApiToken[]) =>
  testApi({
    ...(tokens === undefined ? {} : { tokens }),
    console: {
      logStore: {
        table: { schema: 'public', table: 'logs' },
        search: async () => ({ hits: [], next: null }),
        event: async () => undefined,
      },
    },
  });

const files = { 'channel_structure.yaml': 'version: "6.0"\n' };
const upload = { files };

interface Route {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  /** The role it needs; null: none (probes). */
  readonly role: ApiRole | null;
  /** Anonymous reads from loopback pass. */
  readonly loopbackReads: boolean;
  readonly payload?: Record<string, unknown>;
  /** The upload sends the files already uploaded (operate may). */
  readonly sameFiles?: boolean;
}

const routes: Route[] = [
  { method: 'GET', url: '/healthz', role: null, loopbackReads: true },
  { method: 'GET', url: '/readyz', role: null, loopbackReads: true },
  { method: 'GET', url: '/metrics', role: 'read', loopbackReads: true },
  { method: 'GET', url: '/openapi.json', role: 'read', loopbackReads: true },
  { method: 'GET', url: '/v1/runners', role: 'read', loopbackReads: true },
  { method: 'GET', url: '/v1/channels', role: 'read', loopbackReads: true },
  { method: 'GET', url: '/v1/channels/t/c', role: 'read', loopbackReads: true },
  {
    method: 'GET',
    url: '/v1/channels/t/c/applications/receiver/instances/0/logs',
    role: 'read',
    loopbackReads: true,
  },
  { method: 'GET', url: '/v1/channels/t/c/runtime', role: 'read', loopbackReads: true },
  { method: 'GET', url: '/v1/logs/search', role: 'read', loopbackReads: true },
  { method: 'GET', url: '/', role: null, loopbackReads: true },
  { method: 'GET', url: '/v1/console', role: null, loopbackReads: true },
  { method: 'GET', url: '/v1/audit', role: 'operate', loopbackReads: false },
  { method: 'POST', url: '/v1/channels/t/c/start', role: 'operate', loopbackReads: false },
  { method: 'POST', url: '/v1/channels/t/c/stop', role: 'operate', loopbackReads: false },
  { method: 'POST', url: '/v1/channels/t/c/reload', role: 'operate', loopbackReads: false },
  {
    method: 'PUT',
    url: '/v1/channels/t/c',
    role: 'operate',
    loopbackReads: false,
    payload: upload,
    sameFiles: true,
  },
  { method: 'PUT', url: '/v1/channels/t/c', role: 'admin', loopbackReads: false, payload: upload },
];

interface Caller {
  readonly name: string;
  readonly role: ApiRole | null;
  readonly loopback: boolean;
  readonly headers: Record<string, string>;
}

const callers: Caller[] = [
  { name: 'no token, loopback', role: null, loopback: true, headers: {} },
  { name: 'no token, off loopback', role: null, loopback: false, headers: {} },
  { name: 'unknown token', role: null, loopback: true, headers: { authorization: 'Bearer not-a-token' } },
  ...(['read', 'operate', 'admin'] as const).flatMap((role) => [
    { name: `${role} token, loopback`, role, loopback: true, headers: bearerOf(role) },
    { name: `${role} token, off loopback`, role, loopback: false, headers: bearerOf(role) },
  ]),
];

function expected(route: Route, caller: Caller): 200 | 401 | 403 {
  if (route.role === null) return 200;
  if (caller.headers.authorization !== undefined) {
    if (caller.role === null) return 401;
    return roleAllows(caller.role, route.role) ? 200 : 403;
  }
  return route.loopbackReads && caller.loopback && route.role === 'read' ? 200 : 401;
}

const cases = routes.flatMap((route) =>
  callers.map((caller) => ({ route, caller, status: expected(route, caller) })),
);

describe('roles', () => {
  it.each(cases)('$route.method $route.url, $caller.name: $status', async ({ route, caller, status }) => {
    const { app, commands } = await wholeApi();
    if (route.sameFiles === true) commands.digests.set('t/c', uploadDigest(files, {}));
    const res = await app.inject({
      method: route.method,
      url: route.url,
      headers: caller.headers,
      ...(caller.loopback ? {} : { remoteAddress: OFF_LOOPBACK }),
      ...(route.payload === undefined ? {} : { payload: route.payload }),
    });
    expect(res.statusCode).toBe(status);
    if (status === 200) return;
    expect(errorOf(res).code).toBe(status === 401 ? 'DRV_UNAUTHORIZED' : 'DRV_FORBIDDEN');
    // A refused mutation changes nothing (at most the upload's read of the current digest).
    expect(commands.calls.filter((c) => !c.startsWith('specDigest'))).toEqual([]);
  });

  it('says in a 403 which token, its role, what it asked and the role it needs', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'POST', url: '/v1/channels/t/c/stop', headers: bearerOf('read') });
    expect(res.statusCode).toBe(403);
    expect(errorOf(res)).toEqual({
      code: 'DRV_FORBIDDEN',
      message: 'token "read" has role read: POST /v1/channels/t/c/stop needs role operate or admin',
    });
  });

  it('lets operate re-upload the files already uploaded (nothing written), not change them or add a channel', async () => {
    const { app, commands } = await testApi();
    const digest = uploadDigest(files, {});
    commands.digests.set('t/c', digest);
    const same = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearerOf('operate'),
      payload: upload,
    });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ tenant: 't', channel: 'c', specDigest: digest, changed: false });

    const changed = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearerOf('operate'),
      payload: { files: { ...files, 'extra.yaml': 'x: 1\n' } },
    });
    expect(changed.statusCode).toBe(403);
    expect(errorOf(changed).message).toMatch(
      new RegExp(
        `^token "operate" has role operate: changing the files of channel t/c \\(uploaded ${digest}, these are [0-9a-f]{16}\\) needs role admin$`,
      ),
    );
    const fresh = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/new',
      headers: bearerOf('operate'),
      payload: upload,
    });
    expect(errorOf(fresh)).toEqual({
      code: 'DRV_FORBIDDEN',
      message:
        'token "operate" has role operate: uploading channel t/new (not uploaded yet) needs role admin',
    });
    expect(commands.calls).toEqual(['specDigest t/c', 'specDigest t/c', 'specDigest t/new']);
    expect(commands.uploads).toEqual([]);
  });

  it('lets admin upload changed files', async () => {
    const { app, commands } = await testApi();
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearerOf('admin'),
      payload: upload,
    });
    expect(res.statusCode).toBe(200);
    expect(commands.uploads).toEqual([{ files, binaryFiles: {} }]);
  });

  it('lets everyone do everything on an open API (no token file), from anywhere', async () => {
    const { app } = await testApi({ tokens: undefined, console: {} });
    for (const route of routes.filter((r) => !r.url.startsWith('/v1/logs/search'))) {
      const res = await app.inject({
        method: route.method,
        url: route.url,
        remoteAddress: OFF_LOOPBACK,
        ...(route.payload === undefined ? {} : { payload: route.payload }),
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(200);
    }
  });

  it('compares tokens by digest: a token differing in one character, or a prefix, is unknown', async () => {
    const { app } = await testApi({ tokens: [{ name: 'x', role: 'admin', sha256: tokenDigest('abcdef') }] });
    for (const given of ['abcdeg', 'abcde', 'abcdefg', 'ABCDEF']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/channels/t/c/start',
        headers: { authorization: `Bearer ${given}` },
      });
      expect(errorOf(res)).toEqual({ code: 'DRV_UNAUTHORIZED', message: 'invalid bearer token' });
    }
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/channels/t/c/start',
      headers: { authorization: 'bearer  abcdef ' },
    });
    expect(ok.statusCode).toBe(200);
  });
});
