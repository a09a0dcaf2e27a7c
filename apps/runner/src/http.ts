/**
 * The runner's own small read-only API: liveness and the instances it supervises. Plain
 * node:http (two routes, no body parsing): fastify would cost the idle runner about 4 MB RSS.
 */
import { createServer, type Server } from 'node:http';
import type { StatusRecord } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';

export interface RunnerHttpState {
  name(): string;
  registered(): boolean;
  etcd(): 'connected' | 'disconnected';
  instances(): readonly StatusRecord[];
}

export interface RunnerHttp {
  close(): Promise<void>;
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export async function startRunnerHttp(
  state: RunnerHttpState,
  listen: { host: string; port: number },
  logger: Logger,
): Promise<RunnerHttp> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'only GET' });
    if (path === '/healthz') {
      return send(res, 200, {
        status: 'ok',
        runner: state.name(),
        registered: state.registered(),
        etcd: state.etcd(),
      });
    }
    if (path === '/v1/instances') return send(res, 200, { instances: state.instances() });
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
