/**
 * Bearer-token hooks, registered per plugin scope (fastify encapsulation does the rest). With a
 * token configured: mutations always need it; reads need it unless they come from loopback;
 * `/healthz` and `/readyz` never do (probes: the health plugin registers no hook), nor do the
 * console's page and session routes (the console plugin registers none). Without a token, the
 * API is open (bind it to loopback, the default).
 *
 * The web console's session cookie (console/session.ts) stands for the token: on reads, and on
 * mutations that also carry the console's header (another site cannot add it: no CORS).
 *
 * Later roles (read-only tokens) and an audit log hook in here: `requireToken` is the one place
 * that decides who may mutate.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { CONSOLE_HEADER, hasSession } from '../console/session.js';
import { ApiProblem } from './errors.js';

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Constant-time comparison of a given token with the configured one. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

type Hook = (request: FastifyRequest) => Promise<void>;

function check(request: FastifyRequest, token: string, mutation: boolean): void {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (match?.[1] !== undefined && sameToken(match[1].trim(), token)) return;
  if (match === null && hasSession(request, token)) {
    if (!mutation || request.headers[CONSOLE_HEADER] !== undefined) return;
    throw new ApiProblem(
      'DRV_UNAUTHORIZED',
      `a console session needs the ${CONSOLE_HEADER} header on mutations`,
    );
  }
  throw new ApiProblem('DRV_UNAUTHORIZED', match === null ? 'missing bearer token' : 'invalid bearer token');
}

/** onRequest hook of mutating scopes: the token (or a console session), always (when one is configured). */
export function requireToken(token: string | undefined): Hook {
  return async (request) => {
    if (token !== undefined) check(request, token, true);
  };
}

/** onRequest hook of reading scopes: the token (or a console session), unless the request comes from loopback. */
export function requireTokenOffLoopback(token: string | undefined): Hook {
  return async (request) => {
    if (token === undefined || isLoopback(request.socket.remoteAddress)) return;
    check(request, token, false);
  };
}
