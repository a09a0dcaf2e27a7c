/**
 * The console plugin (page, session) and the session cookie standing for the token (and its
 * role) in every scope, through `inject()` on the whole API.
 */
import { type ApiRole, type ApiToken, tokenDigest } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { CONSOLE_HEADER, cookieHeader, SESSION_COOKIE, sessionValue } from '../console/session.js';
import { bearer, errorOf, OFF_LOOPBACK, roleTokens, SECRETS, TOKEN, testApi } from './testing/fakes.js';

const tokenOf = (role: ApiRole): ApiToken => {
  const found = roleTokens.find((t) => t.role === role);
  if (found === undefined) throw new Error(`no ${role} token`);
  return found;
};
const admin = tokenOf('admin');
const sessionOf = (role: ApiRole) => `${SESSION_COOKIE}=${sessionValue(tokenOf(role))}`;
const session = sessionOf('admin');
const forged = { name: 'admin', role: 'admin' as const, sha256: tokenDigest('guess') };

describe('the console session stands for the token', () => {
  it('is an HttpOnly, SameSite=Strict session cookie holding an HMAC of the token, not the token', () => {
    const header = cookieHeader(sessionValue(admin), false);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).not.toMatch(/Max-Age|Expires/);
    expect(header).not.toContain(TOKEN);
    expect(sessionValue({ ...admin, sha256: tokenDigest('another') })).not.toBe(sessionValue(admin));
    // A token whose role changed opens another session: the old cookie no longer matches.
    expect(sessionValue({ ...admin, role: 'read' })).not.toBe(sessionValue(admin));
  });

  it('is opened with the right token only, and closed', async () => {
    const { app } = await testApi({ console: {} });
    const open = (token: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/console/session',
        payload: { token },
        remoteAddress: OFF_LOOPBACK,
      });
    const wrong = await open('guess');
    expect(wrong.statusCode).toBe(401);
    expect(errorOf(wrong)).toEqual({ code: 'DRV_UNAUTHORIZED', message: 'wrong token' });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const right = await open(TOKEN);
    expect(right.statusCode).toBe(204);
    expect(right.headers['set-cookie']).toBe(cookieHeader(sessionValue(admin), false));
    const closed = await app.inject({ method: 'DELETE', url: '/v1/console/session' });
    expect(closed.statusCode).toBe(204);
    expect(closed.headers['set-cookie']).toMatch(/^drover_session=; .*Max-Age=0/);
  });

  it('has nothing to open on an API without a token', async () => {
    const { app } = await testApi({ tokens: undefined, console: {} });
    const res = await app.inject({ method: 'POST', url: '/v1/console/session', payload: { token: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('DRV_BAD_REQUEST');
  });

  it('lets remote reads through with the cookie, and refuses them without (or with a forged one)', async () => {
    const { app } = await testApi({ console: {} });
    const read = (cookie?: string) =>
      app.inject({
        url: '/v1/channels',
        remoteAddress: OFF_LOOPBACK,
        headers: cookie === undefined ? {} : { cookie },
      });
    expect((await read()).statusCode).toBe(401);
    expect((await read(session)).statusCode).toBe(200);
    expect((await read(`${SESSION_COOKIE}=${sessionValue(forged)}`)).statusCode).toBe(401);
  });

  it('takes mutations with the cookie only with the console header (no cross-site forgery)', async () => {
    const { app, commands } = await testApi({ console: {} });
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/v1/channels/t/c/reload', headers });
    expect((await post({})).statusCode).toBe(401);
    const noHeader = await post({ cookie: session });
    expect(noHeader.statusCode).toBe(401);
    expect(errorOf(noHeader)).toEqual({
      code: 'DRV_UNAUTHORIZED',
      message: `a console session needs the ${CONSOLE_HEADER} header on mutations`,
    });
    expect(commands.calls).toEqual([]);
    expect((await post({ cookie: session, [CONSOLE_HEADER]: '1' })).statusCode).toBe(200);
    expect((await post(bearer)).statusCode).toBe(200);
    expect(commands.calls).toEqual(['reload t/c', 'reload t/c']);
  });
});

describe("the console session acts with its token's role", () => {
  it("refuses a read session's mutations (403) and the audit log; lets an operate session act", async () => {
    const { app, commands, audit } = await testApi({ console: {} });
    const reload = (cookie: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/channels/t/c/reload',
        headers: { cookie, [CONSOLE_HEADER]: '1' },
        remoteAddress: OFF_LOOPBACK,
      });
    const refused = await reload(sessionOf('read'));
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toEqual({
      code: 'DRV_FORBIDDEN',
      message: 'token "read" has role read: POST /v1/channels/t/c/reload needs role operate or admin',
    });
    const auditLog = await app.inject({ url: '/v1/audit', headers: { cookie: sessionOf('read') } });
    expect(auditLog.statusCode).toBe(403);
    expect((await reload(sessionOf('operate'))).statusCode).toBe(200);
    expect(commands.calls).toEqual(['reload t/c']);
    expect(audit.entries.map((e) => [e.token, e.role, e.via, e.status])).toEqual([
      ['read', 'read', 'session', 403],
      ['operate', 'operate', 'session', 200],
    ]);
  });

  it('records logins, done and refused, in the audit log, and says whose session it is', async () => {
    const { app, audit } = await testApi({ console: {} });
    const login = (token: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/console/session',
        payload: { token },
        remoteAddress: OFF_LOOPBACK,
      });
    const ok = await login(SECRETS.operate);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['set-cookie']).toBe(cookieHeader(sessionValue(tokenOf('operate')), false));
    expect((await login('guess')).statusCode).toBe(401);
    expect(audit.entries.map(({ time: _, ...e }) => e)).toEqual([
      {
        controller: 'controller-a',
        token: 'operate',
        role: 'operate',
        via: 'token',
        source: OFF_LOOPBACK,
        method: 'POST',
        path: '/v1/console/session',
        action: 'login',
        channel: null,
        status: 204,
        result: 'ok',
        code: null,
        message: null,
      },
      expect.objectContaining({
        token: null,
        action: 'login',
        status: 401,
        result: 'refused',
        message: 'wrong token',
      }),
    ]);
    const info = await app.inject({ url: '/v1/console', headers: { cookie: sessionOf('operate') } });
    expect(info.json()).toMatchObject({
      authenticated: true,
      session: { token: 'operate', role: 'operate' },
    });
  });
});

describe('the console page', () => {
  it('is served to anyone, with a strict content security policy; assets are immutable', async () => {
    const { app } = await testApi({ console: {} });
    const page = await app.inject({ url: '/', remoteAddress: OFF_LOOPBACK });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/assets/main-abc123.js', remoteAddress: OFF_LOOPBACK });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await app.inject({ url: '/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing).code).toBe('DRV_NOT_FOUND');
  });

  it('GET /v1/console says whether a token is needed and whether this browser has a session', async () => {
    const { app } = await testApi({
      console: {
        logStore: {
          table: { schema: 'public', table: 'logs' },
          search: async () => ({ hits: [], next: null }),
          event: async () => undefined,
        },
      },
    });
    const remote = await app.inject({ url: '/v1/console', remoteAddress: OFF_LOOPBACK });
    expect(remote.json()).toEqual({
      self: 'controller-a',
      tokenRequired: true,
      authenticated: false,
      readsNeedToken: true,
      session: null,
      logStore: { schema: 'public', table: 'logs' },
    });
    const local = await app.inject({ url: '/v1/console', headers: { cookie: session } });
    expect(local.json()).toMatchObject({ authenticated: true, readsNeedToken: false });
  });

  it('is not served when the console is left out (the other plugins stand alone)', async () => {
    const { app } = await testApi();
    expect((await app.inject({ url: '/' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/console' })).statusCode).toBe(404);
  });
});
