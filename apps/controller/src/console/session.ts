/**
 * The console's browser session: the operator types an API token once; the controller answers
 * with a session cookie that scripts cannot read (HttpOnly), sent only to this site
 * (SameSite=Strict) and forgotten when the browser closes (no expiry). Its value is an HMAC keyed
 * by the token's SHA-256, over its name and role, so every controller with the same token file
 * accepts it (a standby, a restarted leader), the token itself never sits in the browser, the
 * session acts with that token's role (auth.ts), and changing the token or its role ends the
 * sessions opened with it.
 *
 * A mutation authenticated by the cookie must also carry the `x-drover-console` header: a page
 * of another site cannot add a custom header without a CORS preflight, which we never grant.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '@drover/channel-model';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'drover_session';
export const CONSOLE_HEADER = 'x-drover-console';

export function sessionValue(token: ApiToken): string {
  return createHmac('sha256', Buffer.from(token.sha256, 'hex'))
    .update(`drover-console-session-v2:${token.name}:${token.role}`)
    .digest('base64url');
}

export function cookieHeader(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedCookieHeader(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The token whose console session the request carries, if any (every token compared). */
export function sessionToken(request: FastifyRequest, tokens: readonly ApiToken[]): ApiToken | undefined {
  const given = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[
    SESSION_COOKIE
  ];
  if (given === undefined || given === '') return undefined;
  const a = Buffer.from(given);
  let found: ApiToken | undefined;
  for (const token of tokens) {
    const b = Buffer.from(sessionValue(token));
    if (a.length === b.length && timingSafeEqual(a, b)) found = token;
  }
  return found;
}
