/**
 * The web console, as one fastify plugin (registered in one line by the API):
 *
 *   GET  /                                   the page (apps/console, built by `npm run build`)
 *   GET  /assets/*                           its scripts and styles (content-hashed names)
 *   GET  /v1/console                         what the page needs to know: token, session, log store
 *   POST /v1/console/session                 {token}: opens a console session (HttpOnly cookie)
 *   DELETE /v1/console/session               closes it
 *   GET  /v1/events[?channel=T/C]            the live stream (server-sent events, live-hub.ts)
 *   GET  /v1/channels/:tenant/:channel/runtime  live RSS and pipeline counters of every instance,
 *                                            gathered from the runners that hold them
 *   GET  /v1/logs/search                     the log store, searched (libs/log-store)
 *   GET  /v1/logs/events/:id                 one stored event, whole
 */
import { timingSafeEqual } from 'node:crypto';
import {
  type ChannelRuntime,
  channelRuntimeSchema,
  type InstanceRuntime,
  jsonSchemaOf,
  pipelineStatsSchema,
} from '@drover/cluster-state';
import { consoleAssetsDir } from '@drover/console';
import { LogStore, LogStoreError, MAX_LIMIT, searchQuerySchema, searchResultSchema } from '@drover/log-store';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isLoopback } from '../api/auth.js';
import type { ApiContext } from '../api/server.js';
import type { LogStoreConfig } from '../config.js';
import { channelViewOf } from '../views.js';
import { LiveHub, type Subscription } from './live-hub.js';
import { clearedCookieHeader, cookieHeader, hasSession, sessionValue } from './session.js';

export interface ConsoleOptions {
  readonly ctx: ApiContext;
  readonly logStore: LogStoreConfig | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** How long the controller waits for a runner's answer about its instances. */
const RUNNER_TIMEOUT_MS = 2500;
/** How long a reconnecting client may wait for this controller's cache to reach its last event. */
const RESUME_WAIT_MS = 5000;

const js = jsonSchemaOf;
const errorSchema = z.object({ error: z.string() });
/** Log store answers: none configured (501), broken (500), unreachable (503), too slow (504). */
const storeErrors = {
  500: jsonSchemaOf(errorSchema),
  501: jsonSchemaOf(errorSchema),
  503: jsonSchemaOf(errorSchema),
  504: jsonSchemaOf(errorSchema),
};
const consoleInfoSchema = z.object({
  self: z.string(),
  tokenRequired: z.boolean(),
  /** This browser has a session (or needs none). */
  authenticated: z.boolean(),
  /** Reads need the token too (the browser is not on loopback). */
  readsNeedToken: z.boolean(),
  logStore: z.object({ schema: z.string(), table: z.string() }).nullable(),
});

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function consolePlugin(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { ctx } = options;
  const token = ctx.token;

  // The page and its assets; names are content-hashed, so everything but the page is immutable.
  await app.register(fastifyStatic, {
    root: consoleAssetsDir(),
    wildcard: false,
    index: ['index.html'],
    schemaHide: true,
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
      res.setHeader('x-content-type-options', 'nosniff');
      if (path.endsWith('index.html')) {
        // Everything comes from this controller; nothing inline runs but our own style.
        res.setHeader(
          'content-security-policy',
          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        );
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
      const loopback = isLoopback(request.socket.remoteAddress);
      return {
        self: ctx.self.id,
        tokenRequired: token !== undefined,
        authenticated: token === undefined || hasSession(request, token),
        readsNeedToken: token !== undefined && !loopback,
        logStore:
          options.logStore === undefined
            ? null
            : { schema: options.logStore.schema, table: options.logStore.table },
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
        response: { 204: { type: 'null' }, 400: js(errorSchema), 401: js(errorSchema) },
      },
    },
    async (request, reply) => {
      if (token === undefined)
        return reply.code(400).send({ error: 'this API has no token: nothing to enter' });
      if (!sameToken(request.body.token.trim(), token)) return reply.code(401).send({ error: 'wrong token' });
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

  // The live stream.
  const hub = new LiveHub({ cache: ctx.cache, self: ctx.self, leader: ctx.leader, logger: ctx.logger });
  hub.start();
  app.addHook('onClose', async () => hub.stop());

  app.get<{ Querystring: { channel?: string; lastEventId?: string } }>(
    '/v1/events',
    {
      schema: {
        description:
          'Live state as server-sent events (cluster, runners, channels; or channel with ?channel=T/C); ids are etcd revisions: send Last-Event-ID to resume',
        querystring: {
          type: 'object',
          properties: {
            channel: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*$' },
            lastEventId: { type: 'string', pattern: '^[0-9]{1,15}$' },
          },
        },
      },
    },
    async (request, reply) => {
      const subscription: Subscription =
        request.query.channel === undefined
          ? { kind: 'overview' }
          : { kind: 'channel', key: request.query.channel };
      const lastId = Number(request.headers['last-event-id'] ?? request.query.lastEventId);
      // A page coming back from another controller (or this one before a restart) has seen up to
      // lastId: wait until this cache has too, so the page never steps back in time.
      if (Number.isInteger(lastId) && lastId > 0) await ctx.cache.seen(lastId, RESUME_WAIT_MS);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.socket?.setNoDelay(true);
      let closed = false;
      const remove = hub.subscribe(
        {
          write: (text) => {
            if (!closed) res.write(text);
            return res.writableLength;
          },
          close: () => {
            closed = true;
            res.end();
          },
        },
        subscription,
      );
      request.raw.on('close', () => {
        closed = true;
        remove();
      });
    },
  );

  app.get<{ Params: { tenant: string; channel: string } }>(
    '/v1/channels/:tenant/:channel/runtime',
    {
      schema: {
        description: "Every instance's live RSS and pipeline counters, from the runners that hold them",
        params: {
          type: 'object',
          required: ['tenant', 'channel'],
          properties: {
            tenant: { type: 'string', pattern: NAME.source },
            channel: { type: 'string', pattern: NAME.source },
          },
        },
        response: { 200: js(channelRuntimeSchema), 404: js(errorSchema) },
      },
    },
    async (request, reply) => {
      const { tenant, channel } = request.params;
      const view = channelViewOf(ctx.cache, tenant, channel);
      if (view === undefined)
        return reply.code(404).send({ error: `channel ${tenant}/${channel} is unknown` });
      const jobs = view.applications.flatMap((app) =>
        app.instances.map((i) =>
          instanceRuntime(ctx, tenant, channel, app.name, i.index, i.runner, i.memoryLimitBytes),
        ),
      );
      const body: ChannelRuntime = {
        tenant,
        channel,
        at: new Date().toISOString(),
        instances: await Promise.all(jobs),
      };
      return body;
    },
  );

  // Log search.
  const store =
    options.logStore === undefined
      ? undefined
      : new LogStore({
          url: options.logStore.url,
          password: options.logStore.password,
          schema: options.logStore.schema,
          table: options.logStore.table,
        });
  if (store !== undefined) app.addHook('onClose', async () => store.close());
  const noStore = 'no log store configured: set log_store.url in the platform file (or --log-store-url)';
  const storeStatus = (err: unknown): { status: number; error: string } => {
    if (err instanceof LogStoreError) {
      return { status: err.code === 'TIMEOUT' ? 504 : err.code === 'FAILED' ? 500 : 503, error: err.message };
    }
    if ((err as { code?: string }).code === 'BAD_CURSOR')
      return { status: 400, error: (err as Error).message };
    throw err;
  };

  app.get(
    '/v1/logs/search',
    {
      schema: {
        description:
          'Search the log store: newest first; from/to (RFC 3339), host, program, severity (at most), q (full text), limit, cursor',
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
          additionalProperties: false,
        },
        response: { 200: js(searchResultSchema), 400: js(errorSchema), ...storeErrors },
      },
    },
    async (request, reply) => {
      if (store === undefined) return reply.code(501).send({ error: noStore });
      const query = searchQuerySchema.safeParse(request.query);
      if (!query.success) {
        const issue = query.error.issues[0];
        return reply
          .code(400)
          .send({ error: `${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'invalid'}` });
      }
      try {
        return await store.search(query.data);
      } catch (err) {
        const { status, error } = storeStatus(err);
        return reply.code(status).send({ error });
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/logs/events/:id',
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
          404: js(errorSchema),
          ...storeErrors,
        },
      },
    },
    async (request, reply) => {
      if (store === undefined) return reply.code(501).send({ error: noStore });
      try {
        const event = await store.event(request.params.id);
        if (event === undefined)
          return reply.code(404).send({ error: `no stored event ${request.params.id}` });
        return event;
      } catch (err) {
        const { status, error } = storeStatus(err);
        return reply.code(status).send({ error });
      }
    },
  );
}

async function instanceRuntime(
  ctx: ApiContext,
  tenant: string,
  channel: string,
  app: string,
  index: number,
  runner: string | null,
  limit: number | null,
): Promise<InstanceRuntime> {
  const base = { app, index, runner, rssBytes: null, memoryLimitBytes: limit, pipeline: null };
  if (runner === null) return { ...base, error: 'not placed on a runner' };
  const api = ctx.cache.runners.get(runner)?.api;
  if (api === undefined) return { ...base, error: `runner ${runner} is not live` };
  try {
    const res = await fetch(`${api}/v1/instances/${tenant}.${channel}.${app}.${index}/metrics`, {
      signal: AbortSignal.timeout(RUNNER_TIMEOUT_MS),
    });
    const body = (await res.json()) as {
      rssBytes?: number | null;
      memoryLimitBytes?: number | null;
      pipeline?: unknown;
      error?: string | null;
    };
    if (!res.ok) return { ...base, error: body.error ?? `runner ${runner} answered HTTP ${res.status}` };
    const pipeline = body.pipeline == null ? null : pipelineStatsSchema.safeParse(body.pipeline);
    return {
      ...base,
      rssBytes: typeof body.rssBytes === 'number' ? body.rssBytes : null,
      memoryLimitBytes: typeof body.memoryLimitBytes === 'number' ? body.memoryLimitBytes : limit,
      pipeline: pipeline?.success === true ? pipeline.data : null,
      error:
        pipeline !== null && pipeline.success === false
          ? 'the pipeline counters did not decode'
          : (body.error ?? null),
    };
  } catch (err) {
    return { ...base, error: `runner ${runner} at ${api} unreachable: ${(err as Error).message}` };
  }
}
