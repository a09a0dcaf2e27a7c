/**
 * Search of the PostgreSQL log store (the table `postgresql_output` writes; libs/log-store):
 *
 *   GET /v1/logs/search?from&to&host&program&severity&q&limit&cursor   newest first, keyset pages
 *   GET /v1/logs/events/:id                                            one stored event, whole
 *
 * Reads: a token (role read) off loopback. Without a configured store: 501 DRV_LOG_STORE_NOT_CONFIGURED.
 * The store's failures map to codes (LogStoreError): unreachable 503, too slow 504, refused
 * (no table, SQL error) 502.
 */
import {
  CursorError,
  LogStoreError,
  MAX_LIMIT,
  searchQuerySchema,
  searchResultSchema,
} from '@drover/log-store';
import type { FastifyPluginAsync } from 'fastify';
import { type ApiAuth, requireRole } from '../auth.js';
import { ApiProblem } from '../errors.js';
import type { LogSearch } from '../ports.js';
import { errorResponses, js } from '../schemas.js';

export interface LogSearchOptions {
  readonly store: LogSearch | undefined;
  readonly auth: ApiAuth;
}

const NOT_CONFIGURED = 'no log store configured: set log_store.url in the platform file (or --log-store-url)';

/** A store failure as the API's problem; anything else is thrown on (a bug: DRV_INTERNAL). */
function storeProblem(err: unknown): unknown {
  if (err instanceof CursorError) return new ApiProblem('DRV_BAD_REQUEST', err.message, { cause: err });
  if (!(err instanceof LogStoreError)) return err;
  const code =
    err.code === 'TIMEOUT'
      ? 'DRV_LOG_STORE_TIMEOUT'
      : err.code === 'UNAVAILABLE'
        ? 'DRV_LOG_STORE_UNAVAILABLE'
        : 'DRV_LOG_STORE_FAILED';
  return new ApiProblem(code, err.message, { cause: err });
}

const storeErrors = [400, 401, 501, 502, 503, 504] as const;

export const logSearchRoutes: FastifyPluginAsync<LogSearchOptions> = async (app, { store, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));

  const configured = (): LogSearch => {
    if (store === undefined) throw new ApiProblem('DRV_LOG_STORE_NOT_CONFIGURED', NOT_CONFIGURED);
    return store;
  };

  app.get<{ Querystring: Record<string, string> }>(
    '/logs/search',
    {
      schema: {
        description:
          'Search the log store, newest first: from/to (RFC 3339), host, program, severity (at most), q (full text, web-search syntax), limit, cursor (the previous page’s next)',
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            host: { type: 'string' },
            program: { type: 'string' },
            severity: { type: 'integer', minimum: 0, maximum: 7 },
            q: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
            cursor: { type: 'string' },
          },
          // No additionalProperties: false here (fastify would drop an unknown parameter
          // silently): the strict zod schema refuses it by name.
        },
        response: { 200: js(searchResultSchema), ...errorResponses(...storeErrors) },
      },
    },
    async (request) => {
      const search = configured();
      const query = searchQuerySchema.safeParse(request.query);
      if (!query.success) {
        const issue = query.error.issues[0];
        throw new ApiProblem(
          'DRV_BAD_REQUEST',
          `querystring/${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        );
      }
      try {
        return await search.search(query.data);
      } catch (err) {
        throw storeProblem(err);
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/logs/events/:id',
    {
      schema: {
        description: 'One stored event, every column (fields included)',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: {
          200: { type: 'object', additionalProperties: true },
          ...errorResponses(404, ...storeErrors),
        },
      },
    },
    async (request) => {
      const search = configured();
      let event: Record<string, unknown> | undefined;
      try {
        event = await search.event(request.params.id);
      } catch (err) {
        throw storeProblem(err);
      }
      if (event === undefined)
        throw new ApiProblem('DRV_LOG_EVENT_UNKNOWN', `no stored event ${request.params.id}`);
      return event;
    },
  );
};
