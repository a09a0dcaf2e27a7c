/**
 * `GET /v1/channels/:tenant/:channel/runtime`: every instance's live RSS and pipeline counters,
 * gathered from the runners that hold them (`GET /v1/instances/:id/metrics` on each, in
 * parallel, RUNNER_TIMEOUT_MS at most). What a runner cannot give is said per instance in
 * `error`, never as a failure of the whole answer. A read: a token (role read) off loopback.
 */
import { instanceId } from '@drover/channel-model';
import {
  type ChannelRuntime,
  channelRuntimeSchema,
  type InstanceRuntime,
  runnerInstanceMetricsSchema,
} from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { type ApiAuth, requireRole } from '../auth.js';
import { channelUnknown } from '../errors.js';
import type { ClusterReader, RunnerFetch } from '../ports.js';
import { type ChannelParams, channelParams, errorResponses, js } from '../schemas.js';
import { requireSynced } from '../sync.js';

export interface RuntimeOptions {
  readonly reader: ClusterReader;
  readonly fetch: RunnerFetch;
  readonly auth: ApiAuth;
}

/** How long the controller waits for a runner's answer about one instance. */
export const RUNNER_TIMEOUT_MS = 2500;

export const runtimeRoutes: FastifyPluginAsync<RuntimeOptions> = async (app, { reader, fetch, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));
  app.addHook('onRequest', requireSynced(reader));

  app.get<{ Params: ChannelParams }>(
    '/channels/:tenant/:channel/runtime',
    {
      schema: {
        description: "Every instance's live RSS and pipeline counters, from the runners that hold them",
        params: channelParams,
        response: { 200: js(channelRuntimeSchema), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request): Promise<ChannelRuntime> => {
      const { tenant, channel } = request.params;
      const view = reader.channel(request.params);
      if (view === undefined) throw channelUnknown(request.params);
      const apis = new Map(reader.runners().map((r) => [r.name, r.api]));
      const jobs = view.applications.flatMap((application) =>
        application.instances.map((i) =>
          instanceRuntime(fetch, apis, {
            ref: { tenant, channel, app: application.name, index: i.index },
            runner: i.runner,
            limit: i.memoryLimitBytes,
          }),
        ),
      );
      return { tenant, channel, at: new Date().toISOString(), instances: await Promise.all(jobs) };
    },
  );
};

interface InstanceAsk {
  readonly ref: { tenant: string; channel: string; app: string; index: number };
  readonly runner: string | null;
  readonly limit: number | null;
}

async function instanceRuntime(
  fetch: RunnerFetch,
  apis: ReadonlyMap<string, string | null>,
  { ref, runner, limit }: InstanceAsk,
): Promise<InstanceRuntime> {
  const base = {
    app: ref.app,
    index: ref.index,
    runner,
    rssBytes: null,
    memoryLimitBytes: limit,
    pipeline: null,
  };
  if (runner === null) return { ...base, error: 'not placed on a runner' };
  const api = apis.get(runner);
  if (api === undefined) return { ...base, error: `runner ${runner} is not live` };
  if (api === null) return { ...base, error: `runner ${runner} gives no API address` };
  let res: Response;
  let body: unknown;
  try {
    res = await fetch(`${api}/v1/instances/${instanceId(ref)}/metrics`, {
      signal: AbortSignal.timeout(RUNNER_TIMEOUT_MS),
    });
    body = await res.json();
  } catch (err) {
    return { ...base, error: `runner ${runner} at ${api} unreachable: ${(err as Error).message}` };
  }
  if (!res.ok) {
    const said = (body as { error?: unknown } | null)?.error;
    return {
      ...base,
      error: typeof said === 'string' ? said : `runner ${runner} answered HTTP ${res.status}`,
    };
  }
  const metrics = runnerInstanceMetricsSchema.safeParse(body);
  if (!metrics.success) {
    const issue = metrics.error.issues[0];
    return {
      ...base,
      error: `runner ${runner}'s answer did not decode: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const m = metrics.data;
  return {
    ...base,
    rssBytes: m.rssBytes,
    memoryLimitBytes: m.memoryLimitBytes ?? limit,
    pipeline: m.pipeline,
    error: m.error,
  };
}
