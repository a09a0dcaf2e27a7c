/**
 * Bearer-token guard. With a token configured: mutations always need it; reads need it unless
 * they come from loopback; `/healthz` and `/readyz` never do (probes). Without a token, the API
 * is open (bind it to loopback, the default).
 *
 * The web console's session cookie (console/session.ts) stands for the token: on reads, and on
 * mutations that also carry the console's header (so another site cannot forge them).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_HEADER, hasSession, isConsoleOpenPath } from '../console/session.js';

const OPEN = new Set(['/healthz', '/readyz']);

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function tokenGuard(token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (token === undefined) return;
    const path = request.url.split('?')[0] ?? '';
    if (OPEN.has(path) || isConsoleOpenPath(path)) return;
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    if (isRead && isLoopback(request.socket.remoteAddress)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match?.[1] !== undefined && sameToken(match[1].trim(), token)) return;
    if (match === null && hasSession(request, token)) {
      if (isRead || request.headers[CONSOLE_HEADER] !== undefined) return;
      await reply
        .code(401)
        .send({ error: `a console session needs the ${CONSOLE_HEADER} header on mutations` });
      return;
    }
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: match === null ? 'missing bearer token' : 'invalid bearer token' });
  };
}
