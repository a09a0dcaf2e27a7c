/**
 * `GET /v1/audit?since=24h&limit=1000`: the audit log of mutations (who did what to which channel,
 * from where, and what came of it), oldest first. Needs role `operate` or `admin`, from loopback
 * too: the log names tokens and client addresses, and an operator on call needs it to see who
 * else acted. `since` is a duration back from now (`90m`, `24h`, `7d`) or an ISO 8601 time
 * (default 24h); at most `limit` entries, the newest, with `truncated` when there were more.
 */
import { auditListSchema, parseSince } from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { type ApiAuth, requireRole } from '../auth.js';
import { ApiProblem } from '../errors.js';
import type { AuditLog } from '../ports.js';
import { errorResponses, js } from '../schemas.js';

export interface AuditOptions {
  readonly audit: AuditLog;
  readonly auth: ApiAuth;
}

/** Default and largest `limit`. */
export const AUDIT_LIMIT = { default: 1000, max: 10_000 } as const;

interface AuditRequest {
  Querystring: { since?: string; limit?: number };
}

export const auditRoutes: FastifyPluginAsync<AuditOptions> = async (app, { audit, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'operate'));

  app.get<AuditRequest>(
    '/audit',
    {
      schema: {
        description: 'The audit log of API mutations (role operate or admin)',
        querystring: {
          type: 'object',
          properties: {
            since: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: AUDIT_LIMIT.max },
          },
        },
        response: { 200: js(auditListSchema), ...errorResponses(400, 401, 403, 500, 503) },
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const parsed = parseSince(request.query.since ?? '24h', new Date());
      if ('error' in parsed) throw new ApiProblem('DRV_BAD_REQUEST', `since: ${parsed.error}`);
      const { entries, truncated } = await audit.list({
        since: parsed.time,
        limit: request.query.limit ?? AUDIT_LIMIT.default,
      });
      return { since: parsed.time.toISOString(), truncated, entries };
    },
  );
};
