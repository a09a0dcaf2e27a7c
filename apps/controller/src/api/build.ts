/**
 * The HTTP API every controller serves (DESIGN.md, "HTTP API"), assembled from one fastify
 * plugin per route group. `buildApi(deps)` returns the configured instance; controller.ts calls
 * `listen`, tests call `inject()` with fakes behind the ports (ports.ts).
 *
 * | plugin            | routes                                               | role (auth.ts)          |
 * |-------------------|------------------------------------------------------|-------------------------|
 * | health            | GET /healthz, GET /readyz                            | none                    |
 * | meta              | GET /metrics, GET /openapi.json                      | read; none on loopback  |
 * | runners  (/v1)    | GET /v1/runners                                      | read; none on loopback  |
 * | channels (/v1)    | GET /v1/channels, GET /v1/channels/:t/:c             | read; none on loopback  |
 * | logs     (/v1)    | GET /v1/channels/:t/:c/applications/:a/instances/:i/logs | read; none on loopback |
 * | audit    (/v1)    | GET /v1/audit                                        | operate                 |
 * | channel-commands (/v1) | PUT /v1/channels/:t/:c, POST .../start|stop|reload, audited | operate; changed files: admin |
 * | runtime  (/v1)    | GET /v1/channels/:t/:c/runtime (RSS, pipeline counters) | read; none on loopback |
 * | console          | GET /, /assets/*, GET /v1/console, POST|DELETE /v1/console/session | none     |
 * | events   (/v1)    | GET /v1/events (server-sent events)                  | read; none on loopback  |
 * | log-search (/v1)  | GET /v1/logs/search, GET /v1/logs/events/:id         | read; none on loopback  |
 *
 * The web console's plugins (console, events, log-search) are registered when `deps.console` is
 * given (every controller gives it; tests of the other plugins may leave it out). The console's
 * session cookie (console/session.ts) stands for the token it was opened with, role included, in
 * every scope (auth.ts), so @fastify/cookie parses cookies first.
 *
 * Each plugin registers its own hooks (role, cache synced, audit), so encapsulation scopes them; one
 * error handler (error-handler.ts) gives every failure the body `{error: {code, message}}` with
 * the status of its code. A new route group is a new plugin registered here.
 */

import type { ApiToken } from '@drover/channel-model';
import type { Logger } from '@drover/platform';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { LeaseClock } from '../console/heartbeats.js';
import { ApiAuth } from './auth.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { auditRoutes } from './plugins/audit.js';
import { channelCommandsRoutes } from './plugins/channel-commands.js';
import { channelsRoutes } from './plugins/channels.js';
import { consoleRoutes } from './plugins/console.js';
import { eventsRoutes } from './plugins/events.js';
import { healthRoutes } from './plugins/health.js';
import { logSearchRoutes } from './plugins/log-search.js';
import { logsRoutes } from './plugins/logs.js';
import { metaRoutes } from './plugins/meta.js';
import { runnersRoutes } from './plugins/runners.js';
import { runtimeRoutes } from './plugins/runtime.js';
import type {
  AuditLog,
  ChannelCommands,
  ClusterReader,
  LeaderInfo,
  LiveSource,
  LogSearch,
  MetricsSource,
  RunnerFetch,
} from './ports.js';

/** What the web console needs beyond the API's reads. */
export interface ConsoleDeps {
  /** The built page (@drover/console's consoleAssetsDir()). */
  readonly assetsDir: string;
  /** The reader followed live, for the event stream. */
  readonly live: LiveSource;
  /** The log store searched; undefined: none configured (search answers 501). */
  readonly logStore: LogSearch | undefined;
  /** etcd's leases, for the runners' heartbeats on the overview (none without it). */
  readonly leases?: LeaseClock;
}

export interface ApiDeps {
  readonly reader: ClusterReader;
  readonly commands: ChannelCommands;
  readonly leader: LeaderInfo;
  readonly metrics: MetricsSource;
  /** The token file's tokens, with their roles (auth.ts); undefined: an open API. */
  readonly tokens: readonly ApiToken[] | undefined;
  /** Where mutations are recorded, and read back by GET /v1/audit. */
  readonly audit: AuditLog;
  /** Serve HTTPS with this certificate (chain) and key (PEM); undefined: plain HTTP. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  readonly logger: Logger;
  /** How runners' log endpoints are reached (default: fetch). */
  readonly fetch?: RunnerFetch;
  /** Largest accepted request body in bytes (default BODY_LIMIT). */
  readonly bodyLimit?: number;
  /** The web console (page, live events, runtime, log search). */
  readonly console?: ConsoleDeps;
}

/** Largest accepted request: a channel's files (1 MiB at most) as JSON, binary ones in base64. */
export const BODY_LIMIT = 4 * 1024 * 1024;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  // Per-request lines are info; keep warnings and errors only (or less, if the logger says so).
  const level = deps.logger.levelVal > 40 ? deps.logger.level : 'warn';
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }, { level }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? BODY_LIMIT,
    ...(deps.https === undefined ? {} : { https: { cert: deps.https.cert, key: deps.https.key } }),
  }) as unknown as FastifyInstance;
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
  await app.register(cookie);
  const { reader, audit } = deps;
  const auth = new ApiAuth(deps.tokens);
  const runnerFetch: RunnerFetch = deps.fetch ?? ((url, init) => fetch(url, init));
  await app.register(healthRoutes, { reader, leader: deps.leader });
  await app.register(metaRoutes, { metrics: deps.metrics, auth });
  await app.register(runnersRoutes, { prefix: '/v1', reader, auth });
  await app.register(channelsRoutes, { prefix: '/v1', reader, auth });
  await app.register(logsRoutes, {
    prefix: '/v1',
    reader,
    auth,
    fetch: runnerFetch,
  });
  await app.register(auditRoutes, { prefix: '/v1', audit, auth });
  await app.register(channelCommandsRoutes, {
    prefix: '/v1',
    reader,
    commands: deps.commands,
    auth,
    audit,
    controller: deps.leader.id,
    logger: deps.logger.child({ component: 'audit' }),
  });
  await app.register(runtimeRoutes, { prefix: '/v1', reader, fetch: runnerFetch, auth });
  if (deps.console !== undefined) {
    const { assetsDir, live, logStore, leases } = deps.console;
    await app.register(consoleRoutes, {
      assetsDir,
      leader: deps.leader,
      logStore,
      auth,
      audit,
      logger: deps.logger.child({ component: 'audit' }),
    });
    await app.register(eventsRoutes, {
      prefix: '/v1',
      live,
      leader: deps.leader,
      auth,
      logger: deps.logger,
      ...(leases === undefined ? {} : { leases }),
    });
    await app.register(logSearchRoutes, { prefix: '/v1', store: logStore, auth });
  }
  return app;
}
