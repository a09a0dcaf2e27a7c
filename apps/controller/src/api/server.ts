/**
 * The HTTP API every controller serves (DESIGN.md, "HTTP API"): versioned JSON routes with
 * schemas (from the same zod schemas that type them), the OpenAPI document at /openapi.json,
 * health, readiness and Prometheus metrics. Reads come from the cache (a mirror of etcd);
 * mutations write desired state to etcd for the leader to act on.
 */
import { Readable } from 'node:stream';
import {
  channelSummarySchema,
  channelViewSchema,
  controllerIdentitySchema,
  jsonSchemaOf,
  runnerViewSchema,
  summarise,
} from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { Store } from '@drover/store';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ChannelCommandError,
  reloadChannel,
  startChannel,
  stopChannel,
  uploadChannel,
} from '../channel-commands.js';
import type { ClusterCache } from '../cluster-cache.js';
import type { LogStoreConfig } from '../config.js';
import { consolePlugin } from '../console/plugin.js';
import type { ControllerMetrics } from '../metrics.js';
import { channelViewOf, channelViews, runnerOf, runnerViews } from '../views.js';
import { tokenGuard } from './auth.js';

export interface ApiContext {
  readonly store: Store;
  readonly cache: ClusterCache;
  readonly metrics: ControllerMetrics;
  readonly token: string | undefined;
  readonly logger: Logger;
  /** This controller's identity and whether it leads. */
  readonly self: { id: string; isLeader(): boolean };
  /** The current leader's identity, if any (read from etcd). */
  leader(): Promise<z.infer<typeof controllerIdentitySchema> | undefined>;
  /** The PostgreSQL log store the console searches, if configured. */
  readonly logStore?: LogStoreConfig | undefined;
}

const NAME = '^[A-Za-z0-9][A-Za-z0-9_-]*$';
const channelParams = {
  type: 'object',
  required: ['tenant', 'channel'],
  properties: { tenant: { type: 'string', pattern: NAME }, channel: { type: 'string', pattern: NAME } },
} as const;

const errorSchema = z.object({
  error: z.string(),
  issues: z
    .array(
      z.object({
        file: z.string(),
        line: z.number(),
        column: z.number(),
        path: z.string(),
        message: z.string(),
      }),
    )
    .optional(),
});
const uploadBody = z.object({ files: z.record(z.string(), z.string()) });
const uploadReply = z.object({
  tenant: z.string(),
  channel: z.string(),
  specDigest: z.string(),
  changed: z.boolean(),
});
const readySchema = z.object({
  ready: z.boolean(),
  etcd: z.boolean(),
  leader: controllerIdentitySchema.nullable(),
  self: z.object({ id: z.string(), leader: z.boolean() }),
});

const js = jsonSchemaOf;
const errors = { 400: js(errorSchema), 401: js(errorSchema), 404: js(errorSchema), 409: js(errorSchema) };

interface ChannelParams {
  tenant: string;
  channel: string;
}

/** Largest accepted upload (a channel and its files). */
const BODY_LIMIT = 16 * 1024 * 1024;

export async function buildApi(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request lines are info; keep warnings and errors only.
    loggerInstance: ctx.logger.child({ component: 'api' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
  });
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
  // Parses cookies before the guard reads the console's session cookie.
  await app.register(cookie);
  app.addHook('onRequest', tokenGuard(ctx.token));
  // Reads come from the cache: until its first listing from etcd is in, say so rather than
  // answer "unknown channel" for channels that exist.
  app.addHook('onRequest', async (request, reply) => {
    if (ctx.cache.synced || request.method !== 'GET' || !request.url.startsWith('/v1/')) return;
    await reply
      .code(503)
      .header('retry-after', '1')
      .send({ error: 'not synced with etcd yet: retry in a moment' });
  });
  app.setErrorHandler(async (err, request, reply) => {
    if (err instanceof ChannelCommandError) {
      return reply
        .code(err.status)
        .send({ error: err.message, ...(err.issues.length > 0 ? { issues: err.issues } : {}) });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: (err as Error).message });
    }
    request.log.error({ err }, 'request failed');
    return reply
      .code(503)
      .send({ error: `etcd or the controller is unavailable: ${(err as Error).message}` });
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/healthz',
    { schema: { response: { 200: js(z.object({ status: z.literal('ok'), id: z.string() })) } } },
    async () => ({
      status: 'ok' as const,
      id: ctx.self.id,
    }),
  );

  app.get(
    '/readyz',
    { schema: { response: { 200: js(readySchema), 503: js(readySchema) } } },
    async (_req, reply) => {
      const etcd = ctx.cache.connected && ctx.cache.synced;
      const leader = etcd ? ((await ctx.leader().catch(() => undefined)) ?? null) : null;
      const body = {
        ready: etcd && leader !== null,
        etcd,
        leader,
        self: { id: ctx.self.id, leader: ctx.self.isLeader() },
      };
      return reply.code(body.ready ? 200 : 503).send(body);
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });

  app.get(
    '/v1/runners',
    { schema: { response: { 200: js(z.object({ runners: z.array(runnerViewSchema) })) } } },
    async () => ({
      runners: runnerViews(ctx.cache),
    }),
  );

  app.get(
    '/v1/channels',
    { schema: { response: { 200: js(z.object({ channels: z.array(channelSummarySchema) })) } } },
    async () => ({
      channels: channelViews(ctx.cache).map(summarise),
    }),
  );

  app.get<{ Params: ChannelParams }>(
    '/v1/channels/:tenant/:channel',
    { schema: { params: channelParams, response: { 200: js(channelViewSchema), ...errors } } },
    async (request) => {
      const { tenant, channel } = request.params;
      const view = channelViewOf(ctx.cache, tenant, channel);
      if (view === undefined) throw new ChannelCommandError(404, `channel ${tenant}/${channel} is unknown`);
      return view;
    },
  );

  app.put<{ Params: ChannelParams; Body: z.infer<typeof uploadBody> }>(
    '/v1/channels/:tenant/:channel',
    {
      schema: {
        params: channelParams,
        body: js(uploadBody),
        response: { 200: js(uploadReply), ...errors },
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenant, channel } = request.params;
      const result = await uploadChannel(ctx.store, tenant, channel, request.body.files);
      return { tenant, channel, ...result };
    },
  );

  const action = (path: string, run: typeof startChannel) =>
    app.post<{ Params: ChannelParams }>(
      `/v1/channels/:tenant/:channel/${path}`,
      {
        schema: {
          params: channelParams,
          response: { 200: js(channelViewSchema), ...errors },
          security: [{ bearer: [] }],
        },
      },
      async (request) => {
        const { tenant, channel } = request.params;
        await run(ctx.store, tenant, channel);
        // Answer once this controller's cache has the change, so a read right after sees it.
        await ctx.cache.seen(await ctx.store.currentRevision());
        const view = channelViewOf(ctx.cache, tenant, channel);
        if (view === undefined) throw new ChannelCommandError(404, `channel ${tenant}/${channel} is unknown`);
        return view;
      },
    );
  action('start', startChannel);
  action('stop', stopChannel);
  action('reload', reloadChannel);

  app.get<{
    Params: ChannelParams & { app: string; index: string };
    Querystring: { tail?: number; follow?: boolean };
  }>(
    '/v1/channels/:tenant/:channel/applications/:app/instances/:index/logs',
    {
      schema: {
        description: "An instance's log records (NDJSON), proxied from the runner that holds it",
        params: {
          type: 'object',
          required: ['tenant', 'channel', 'app', 'index'],
          properties: {
            ...channelParams.properties,
            app: { type: 'string', pattern: NAME },
            index: { type: 'string', pattern: '^(0|[1-9][0-9]{0,8})$' },
          },
        },
        querystring: {
          type: 'object',
          properties: { tail: { type: 'integer', minimum: 0, maximum: 10000 }, follow: { type: 'boolean' } },
        },
      },
    },
    async (request, reply) => {
      const { tenant, channel, app: application, index } = request.params;
      const runnerName = runnerOf(ctx.cache, tenant, channel, application, Number(index));
      const api = runnerName === undefined ? undefined : ctx.cache.runners.get(runnerName)?.api;
      if (runnerName === undefined || api === undefined) {
        throw new ChannelCommandError(
          404,
          `${tenant}/${channel}/${application}[${index}] is not on any live runner`,
        );
      }
      const query = new URLSearchParams();
      if (request.query.tail !== undefined) query.set('tail', String(request.query.tail));
      if (request.query.follow === true) query.set('follow', '1');
      const abort = new AbortController();
      request.raw.on('close', () => abort.abort());
      let upstream: Response;
      try {
        upstream = await fetch(
          `${api}/v1/instances/${tenant}.${channel}.${application}.${index}/logs?${query}`,
          {
            signal: abort.signal,
          },
        );
      } catch (err) {
        return reply
          .code(502)
          .send({ error: `runner ${runnerName} at ${api} unreachable: ${(err as Error).message}` });
      }
      reply
        .code(upstream.status)
        .header('content-type', upstream.headers.get('content-type') ?? 'application/x-ndjson');
      if (upstream.body === null) return reply.send('');
      return reply.send(Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream));
    },
  );

  await app.register(consolePlugin, { ctx, logStore: ctx.logStore });

  return app;
}
