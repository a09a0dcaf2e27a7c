import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenGuard } from '../api/auth.js';
import { CONSOLE_HEADER, cookieHeader, SESSION_COOKIE, sessionValue } from './session.js';

const TOKEN = 'secret-token';
const app = Fastify();
const session = `${SESSION_COOKIE}=${sessionValue(TOKEN)}`;
const remote = '10.0.0.7';

beforeAll(async () => {
  await app.register(cookie);
  app.addHook('onRequest', tokenGuard(TOKEN));
  app.get('/v1/channels', async () => ({ ok: true }));
  app.post('/v1/channels/t/c/reload', async () => ({ ok: true }));
  app.get('/v1/console', async () => ({ open: true }));
  app.post('/v1/console/session', async () => ({ open: true }));
  await app.ready();
});
afterAll(() => app.close());

describe('the console session stands for the token', () => {
  it('is an HttpOnly, SameSite=Strict session cookie holding an HMAC of the token, not the token', () => {
    const header = cookieHeader(sessionValue(TOKEN), false);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).not.toMatch(/Max-Age|Expires/);
    expect(header).not.toContain(TOKEN);
    expect(sessionValue('another')).not.toBe(sessionValue(TOKEN));
  });

  it('lets remote reads through with the cookie, and refuses them without', async () => {
    expect((await app.inject({ url: '/v1/channels', remoteAddress: remote })).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/v1/channels', remoteAddress: remote, headers: { cookie: session } }))
        .statusCode,
    ).toBe(200);
    const forged = `${SESSION_COOKIE}=${sessionValue('guess')}`;
    expect(
      (await app.inject({ url: '/v1/channels', remoteAddress: remote, headers: { cookie: forged } }))
        .statusCode,
    ).toBe(401);
  });

  it('takes mutations with the cookie only with the console header (no cross-site forgery)', async () => {
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/v1/channels/t/c/reload', headers });
    expect((await post({})).statusCode).toBe(401);
    const noHeader = await post({ cookie: session });
    expect(noHeader.statusCode).toBe(401);
    expect(noHeader.json().error).toContain(CONSOLE_HEADER);
    expect((await post({ cookie: session, [CONSOLE_HEADER]: '1' })).statusCode).toBe(200);
    expect((await post({ authorization: `Bearer ${TOKEN}` })).statusCode).toBe(200);
  });

  it('leaves the page shell and the session routes open, so the token can be entered', async () => {
    expect((await app.inject({ url: '/v1/console', remoteAddress: remote })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/console/session', remoteAddress: remote })).statusCode,
    ).toBe(200);
  });
});
