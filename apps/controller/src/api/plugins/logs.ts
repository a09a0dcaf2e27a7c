/**
 * `GET /v1/channels/:tenant/:channel/applications/:app/instances/:index/logs?tail=N&follow=true`:
 * an instance's log records (NDJSON), proxied from the runner that holds it.
 */
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { instanceId } from '@drover/channel-model';
import type { FastifyPluginAsync } from 'fastify';
import { type ApiAuth, requireRole } from '../auth.js';
import { ApiProblem } from '../errors.js';
import type { ClusterReader, RunnerFetch } from '../ports.js';
import { errorResponses, instanceParams } from '../schemas.js';
import { requireSynced } from '../sync.js';

export interface LogsOptions {
  readonly reader: ClusterReader;
  readonly fetch: RunnerFetch;
  readonly auth: ApiAuth;
}

interface LogsRequest {
  Params: { tenant: string; channel: string; app: string; index: string };
  Querystring: { tail?: number; follow?: boolean };
}

export const logsRoutes: FastifyPluginAsync<LogsOptions> = async (app, { reader, fetch, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));
  app.addHook('onRequest', requireSynced(reader));

  app.get<LogsRequest>(
    '/channels/:tenant/:channel/applications/:app/instances/:index/logs',
    {
      schema: {
        description: "An instance's log records (NDJSON), proxied from the runner that holds it",
        params: instanceParams,
        querystring: {
          type: 'object',
          properties: { tail: { type: 'integer', minimum: 0, maximum: 10000 }, follow: { type: 'boolean' } },
        },
        response: errorResponses(400, 401, 404, 502, 503),
      },
    },
    async (request, reply) => {
      const ref = { ...request.params, index: Number(request.params.index) };
      const runner = reader.instanceRunner(ref);
      if (runner?.api === undefined) {
        throw new ApiProblem(
          'DRV_INSTANCE_NOT_PLACED',
          `${ref.tenant}/${ref.channel}/${ref.app}[${ref.index}] is not on any live runner`,
        );
      }
      const query = new URLSearchParams();
      if (request.query.tail !== undefined) query.set('tail', String(request.query.tail));
      if (request.query.follow === true) query.set('follow', '1');
      const abort = new AbortController();
      request.raw.on('close', () => abort.abort());
      let upstream: Response;
      try {
        upstream = await fetch(`${runner.api}/v1/instances/${instanceId(ref)}/logs?${query}`, {
          signal: abort.signal,
        });
      } catch (err) {
        throw new ApiProblem(
          'DRV_RUNNER_UNREACHABLE',
          `runner ${runner.name} at ${runner.api} unreachable: ${(err as Error).message}`,
          { cause: err },
        );
      }
      reply
        .code(upstream.status)
        .header('content-type', upstream.headers.get('content-type') ?? 'application/x-ndjson');
      if (upstream.body === null) return reply.send('');
      return reply.send(Readable.fromWeb(upstream.body as ReadableStream));
    },
  );
};
