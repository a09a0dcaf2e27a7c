/**
 * The HTTP API every controller serves (DESIGN.md, "HTTP API"), assembled from one fastify
 * plugin per route group. `buildApi(deps)` returns the configured instance; controller.ts calls
 * `listen`, tests call `inject()` with fakes behind the ports (ports.ts).
 *
 * | plugin            | routes                                               | token                 |
 * |-------------------|------------------------------------------------------|-----------------------|
 * | health            | GET /healthz, GET /readyz                            | never                 |
 * | meta              | GET /metrics, GET /openapi.json                      | off loopback          |
 * | runners  (/v1)    | GET /v1/runners                                      | off loopback          |
 * | channels (/v1)    | GET /v1/channels, GET /v1/channels/:t/:c             | off loopback          |
 * | logs     (/v1)    | GET /v1/channels/:t/:c/applications/:a/instances/:i/logs | off loopback      |
 * | channel-commands (/v1) | PUT /v1/channels/:t/:c, POST .../start|stop|reload | always              |
 *
 * Each plugin registers its own hooks (token, cache synced), so encapsulation scopes them; one
 * error handler (error-handler.ts) gives every failure the body `{error: {code, message}}` with
 * the status of its code. A new route group is a new plugin registered here.
 */

import type { Logger } from '@drover/platform';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { channelCommandsRoutes } from './plugins/channel-commands.js';
import { channelsRoutes } from './plugins/channels.js';
import { healthRoutes } from './plugins/health.js';
import { logsRoutes } from './plugins/logs.js';
import { metaRoutes } from './plugins/meta.js';
import { runnersRoutes } from './plugins/runners.js';
import type { ChannelCommands, ClusterReader, LeaderInfo, MetricsSource, RunnerFetch } from './ports.js';

export interface ApiDeps {
  readonly reader: ClusterReader;
  readonly commands: ChannelCommands;
  readonly leader: LeaderInfo;
  readonly metrics: MetricsSource;
  /** Bearer token for mutations (and reads off loopback); undefined: an open API. */
  readonly token: string | undefined;
  readonly logger: Logger;
  /** How runners' log endpoints are reached (default: fetch). */
  readonly fetch?: RunnerFetch;
  /** Largest accepted request body in bytes (default BODY_LIMIT). */
  readonly bodyLimit?: number;
}

/** Largest accepted request: a channel's files (1 MiB at most) as JSON, binary ones in base64. */
export const BODY_LIMIT = 4 * 1024 * 1024;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Per-request lines are info; keep warnings and errors only (or less, if the logger says so).
  const level = deps.logger.levelVal > 40 ? deps.logger.level : 'warn';
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }, { level }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? BODY_LIMIT,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Drover API',
        version: '1',
        description: 'Channels, runners and instances of a Drover cluster',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  const { reader, token } = deps;
  await app.register(healthRoutes, { reader, leader: deps.leader });
  await app.register(metaRoutes, { metrics: deps.metrics, token });
  await app.register(runnersRoutes, { prefix: '/v1', reader, token });
  await app.register(channelsRoutes, { prefix: '/v1', reader, token });
  await app.register(logsRoutes, {
    prefix: '/v1',
    reader,
    token,
    fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
  });
  await app.register(channelCommandsRoutes, { prefix: '/v1', reader, commands: deps.commands, token });
  return app;
}
