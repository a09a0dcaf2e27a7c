/**
 * The runner's own read-only API, plain node:http (fastify would cost the idle runner ~8 MB):
 *
 *   GET /healthz
 *   GET /v1/instances                       every instance held here, with live RSS
 *   GET /v1/instances/:id/logs?tail=N&follow=1
 *        :id is tenant.channel.app.index; NDJSON pino records, the last N (default 100), then
 *        with follow=1 every new one until the client leaves
 *   GET /v1/instances/:id/metrics           live RSS, limit and the pipeline's counters (JSON,
 *                                           pipelineStatsSchema), from the child's metrics address
 *   GET /metrics                            Prometheus text
 *
 * Bind it to loopback or a private interface: logs may hold anything the pipelines print.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { instanceId } from '@drover/channel-model';
import { type PipelineStats, pipelineStatsSchema, type RunnerInstanceMetrics } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { MemoryEnforcementKind } from '@drover/supervisor';
import type { LiveInstance } from './instances.js';
import { runnerMetrics } from './metrics.js';

export interface RunnerHttpState {
  name(): string;
  registered(): boolean;
  etcd(): 'connected' | 'disconnected';
  memoryEnforcement(): MemoryEnforcementKind;
  instances(): LiveInstance[];
  find(id: string): LiveInstance | undefined;
}

export interface RunnerHttp {
  close(): Promise<void>;
}

const MAX_TAIL = 10_000;
/** A follower this far behind is cut off rather than buffered without bound. */
const MAX_BUFFERED = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function instancesBody(state: RunnerHttpState) {
  return Promise.all(
    state.instances().map(async (i) => ({
      id: instanceId(i.placement),
      runner: state.name(),
      tenant: i.placement.tenant,
      channel: i.placement.channel,
      app: i.placement.app,
      index: i.placement.index,
      command: i.placement.command,
      ...(i.status ?? {}),
      rssBytes: (await i.rssBytes().catch(() => undefined)) ?? null,
    })),
  );
}

/** How long the runner waits for a child's counters. */
const STATS_TIMEOUT_MS = 2000;

/**
 * The child's counters from the address it wrote in its metrics file, if that file is its own
 * (same pid as the running child: a file left by a previous life is ignored).
 */
async function pipelineStats(
  instance: LiveInstance,
): Promise<{ pipeline: PipelineStats | null; error: string | null }> {
  const pid = instance.status?.pid ?? null;
  if (pid === null) return { pipeline: null, error: 'not running' };
  let address: { pid?: unknown; url?: unknown };
  try {
    address = JSON.parse(await readFile(instance.metricsFile, 'utf8')) as typeof address;
  } catch {
    return { pipeline: null, error: 'serves no counters (not a pipeline, or not listening yet)' };
  }
  if (address.pid !== pid || typeof address.url !== 'string') {
    return { pipeline: null, error: 'serves no counters yet (metrics address is from a previous run)' };
  }
  try {
    const res = await fetch(`${address.url}/v1/stats`, { signal: AbortSignal.timeout(STATS_TIMEOUT_MS) });
    if (!res.ok) return { pipeline: null, error: `counters answered HTTP ${res.status}` };
    const stats = pipelineStatsSchema.safeParse(await res.json());
    if (!stats.success) {
      const issue = stats.error.issues[0];
      return {
        pipeline: null,
        error: `counters did not decode: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      };
    }
    return { pipeline: stats.data, error: null };
  } catch (err) {
    return { pipeline: null, error: `counters unreachable: ${(err as Error).message}` };
  }
}

async function instanceMetrics(
  state: RunnerHttpState,
  instance: LiveInstance,
): Promise<RunnerInstanceMetrics> {
  const { pipeline, error } = await pipelineStats(instance);
  return {
    id: instanceId(instance.placement),
    runner: state.name(),
    rssBytes: (await instance.rssBytes().catch(() => undefined)) ?? null,
    memoryLimitBytes: instance.status?.memoryLimitBytes ?? null,
    pipeline,
    error,
  };
}

function logs(req: IncomingMessage, res: ServerResponse, instance: LiveInstance, url: URL): void {
  const log = instance.log;
  if (log === undefined) {
    send(res, 404, { error: 'this instance has no log (it never started)' });
    return;
  }
  const tailParam = url.searchParams.get('tail');
  const tail = tailParam === null ? 100 : Number(tailParam);
  if (!Number.isInteger(tail) || tail < 0 || tail > MAX_TAIL) {
    send(res, 400, { error: `tail must be an integer from 0 to ${MAX_TAIL}` });
    return;
  }
  const follow = url.searchParams.get('follow') === '1' || url.searchParams.get('follow') === 'true';
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  for (const line of log.tail(tail)) res.write(`${line}\n`);
  if (!follow) {
    res.end();
    return;
  }
  const leave = log.follow((record) => {
    if (res.writableLength > MAX_BUFFERED) {
      leave();
      res.end();
      return;
    }
    res.write(record);
  });
  req.on('close', leave);
}

export async function startRunnerHttp(
  state: RunnerHttpState,
  listen: { host: string; port: number },
  logger: Logger,
): Promise<RunnerHttp> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://runner');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'only GET' });
    if (path === '/healthz') {
      return send(res, 200, {
        status: 'ok',
        runner: state.name(),
        registered: state.registered(),
        etcd: state.etcd(),
        memoryEnforcement: state.memoryEnforcement(),
      });
    }
    if (path === '/v1/instances') {
      void instancesBody(state).then((instances) => send(res, 200, { instances }));
      return;
    }
    if (path === '/metrics') {
      void runnerMetrics(state.name(), state.instances()).then((text) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(text);
      });
      return;
    }
    const metrics = /^\/v1\/instances\/([^/]+)\/metrics$/.exec(path);
    if (metrics !== null) {
      const instance = state.find(decodeURIComponent(metrics[1] ?? ''));
      if (instance === undefined)
        return send(res, 404, { error: `no instance ${metrics[1]} on runner ${state.name()}` });
      void instanceMetrics(state, instance).then((body) => send(res, 200, body));
      return;
    }
    const m = /^\/v1\/instances\/([^/]+)\/logs$/.exec(path);
    if (m !== null) {
      const instance = state.find(decodeURIComponent(m[1] ?? ''));
      if (instance === undefined)
        return send(res, 404, { error: `no instance ${m[1]} on runner ${state.name()}` });
      return logs(req, res, instance, url);
    }
    return send(res, 404, { error: `no route ${req.method} ${path}` });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  logger.info({ listen: `${listen.host}:${listen.port}` }, 'runner API listening');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
