/**
 * Bearer-token hooks, registered per plugin scope (fastify encapsulation does the rest). With a
 * token configured: mutations always need it; reads need it unless they come from loopback;
 * `/healthz` and `/readyz` never do (probes: the health plugin registers no hook). Without a
 * token, the API is open (bind it to loopback, the default).
 *
 * Later roles (read-only tokens) and an audit log hook in here: `requireToken` is the one place
 * that decides who may mutate.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from './errors.js';

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

type Hook = (request: FastifyRequest) => Promise<void>;

function check(request: FastifyRequest, token: string): void {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (match?.[1] !== undefined && sameToken(match[1].trim(), token)) return;
  throw new ApiProblem('DRV_UNAUTHORIZED', match === null ? 'missing bearer token' : 'invalid bearer token');
}

/** onRequest hook of mutating scopes: the token, always (when one is configured). */
export function requireToken(token: string | undefined): Hook {
  return async (request) => {
    if (token !== undefined) check(request, token);
  };
}

/** onRequest hook of reading scopes: the token, unless the request comes from loopback. */
export function requireTokenOffLoopback(token: string | undefined): Hook {
  return async (request) => {
    if (token === undefined || isLoopback(request.socket.remoteAddress)) return;
    check(request, token);
  };
}
