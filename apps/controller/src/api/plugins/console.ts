/**
 * The web console's page and session, open to anyone (no token hook: the page holds no data,
 * and the session route is where the token is entered):
 *
 *   GET    /                     the page (apps/console, built by `npm run build`)
 *   GET    /assets/*             its scripts and styles (content-hashed names, immutable)
 *   GET    /v1/console           what the page needs to know: token, session, log store
 *   POST   /v1/console/session   {token}: opens a console session (HttpOnly cookie, session.ts),
 *                                acting with that token's role; audited (`login`), wrong tokens too
 *   DELETE /v1/console/session   closes it
 *
 * The data the page shows comes from the other plugins (events, runtime, log-search, and the
 * API's reads and channel commands), each behind its own role hook (auth.ts).
 */

import { apiRoleSchema } from '@drover/channel-model';
import type { Logger } from '@drover/platform';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { clearedCookieHeader, cookieHeader, sessionValue } from '../../console/session.js';
import { auditWriter } from '../audit.js';
import { type ApiAuth, actAs, isLoopback } from '../auth.js';
import { ApiProblem } from '../errors.js';
import type { AuditLog, LeaderInfo, LogSearch } from '../ports.js';
import { errorResponses, js } from '../schemas.js';

export interface ConsoleOptions {
  /** The built page (index.html and assets/). */
  readonly assetsDir: string;
  readonly leader: LeaderInfo;
  readonly logStore: LogSearch | undefined;
  readonly auth: ApiAuth;
  /** Where session logins are recorded (with this controller's id). */
  readonly audit: AuditLog;
  readonly logger: Logger;
}

const consoleInfoSchema = z.object({
  self: z.string(),
  tokenRequired: z.boolean(),
  /** This browser has a session (or needs none). */
  authenticated: z.boolean(),
  /** Reads need the token too (the browser is not on loopback). */
  readsNeedToken: z.boolean(),
  /** The token this browser's session acts as, with its role (null: no session). */
  session: z.object({ token: z.string(), role: apiRoleSchema }).nullable(),
  logStore: z.object({ schema: z.string(), table: z.string() }).nullable(),
});

/** Everything comes from this controller; nothing inline runs. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const isSecure = (request: FastifyRequest) => request.protocol === 'https';

export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (
  app,
  { assetsDir, leader, logStore, auth, audit, logger },
) => {
  app.addHook('onSend', auditWriter({ log: audit, controller: leader.id, logger }));

  await app.register(fastifyStatic, {
    root: assetsDir,
    wildcard: false,
    index: ['index.html'],
    schemaHide: true,
    cacheControl: false,
    setHeaders: (res, path) => {
      const page = path.endsWith('index.html');
      res.setHeader('cache-control', page ? 'no-cache' : 'public, max-age=31536000, immutable');
      res.setHeader('x-content-type-options', 'nosniff');
      if (page) {
        res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
        res.setHeader('referrer-policy', 'no-referrer');
      }
    },
  });

  app.get(
    '/v1/console',
    {
      schema: { description: 'What the web console needs to know', response: { 200: js(consoleInfoSchema) } },
    },
    async (request) => {
      const session = auth.sessionOf(request);
      return {
        self: leader.id,
        tokenRequired: !auth.open,
        authenticated: auth.open || session !== undefined,
        readsNeedToken: !auth.open && !isLoopback(request.socket.remoteAddress),
        session: session === undefined ? null : { token: session.name, role: session.role },
        logStore: logStore === undefined ? null : { ...logStore.table },
      };
    },
  );

  app.post<{ Body: { token: string } }>(
    '/v1/console/session',
    {
      schema: {
        description:
          'Opens a console session: the token once, then an HttpOnly cookie for this browser session',
        body: js(z.object({ token: z.string().min(1).max(4096) })),
        response: { 204: { type: 'null' }, ...errorResponses(400, 401) },
      },
      config: { audit: 'login' },
    },
    async (request, reply) => {
      if (auth.open) throw new ApiProblem('DRV_BAD_REQUEST', 'this API has no token: nothing to enter');
      const token = auth.tokenOf(request.body.token.trim());
      if (token === undefined) throw new ApiProblem('DRV_UNAUTHORIZED', 'wrong token');
      actAs(request, { token: token.name, role: token.role, via: 'token' });
      return reply
        .code(204)
        .header('set-cookie', cookieHeader(sessionValue(token), isSecure(request)))
        .send();
    },
  );

  app.delete(
    '/v1/console/session',
    { schema: { description: 'Closes the console session', response: { 204: { type: 'null' } } } },
    async (request, reply) =>
      reply
        .code(204)
        .header('set-cookie', clearedCookieHeader(isSecure(request)))
        .send(),
  );
};
