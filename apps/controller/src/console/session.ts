/**
 * The console's browser session: the operator types the API token once; the controller answers
 * with a session cookie that scripts cannot read (HttpOnly), sent only to this site
 * (SameSite=Strict) and forgotten when the browser closes (no expiry). Its value is an HMAC of
 * the token, so every controller sharing the token accepts it (a standby, a restarted leader),
 * the token itself never sits in the browser, and changing the token ends every session.
 *
 * A mutation authenticated by the cookie must also carry the `x-drover-console` header: a page
 * of another site cannot add a custom header without a CORS preflight, which we never grant.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'drover_session';
export const CONSOLE_HEADER = 'x-drover-console';

export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('drover-console-session-v1').digest('base64url');
}

export function cookieHeader(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedCookieHeader(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** Whether the request carries a valid console session for `token`. */
export function hasSession(request: FastifyRequest, token: string): boolean {
  const given = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[
    SESSION_COOKIE
  ];
  if (given === undefined || given === '') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(sessionValue(token));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Paths anyone may fetch: the page shell and its assets (no data), and the session routes. */
export function isConsoleOpenPath(path: string): boolean {
  return (
    path === '/' ||
    path === '/index.html' ||
    path.startsWith('/assets/') ||
    path === '/v1/console' ||
    path === '/v1/console/session'
  );
}
