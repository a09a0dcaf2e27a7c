/** The runner's own small API: liveness and the instances it supervises (read-only). */
import { jsonSchemaOf, statusRecordSchema } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';

export interface RunnerHttpState {
  name(): string;
  registered(): boolean;
  etcd(): 'connected' | 'disconnected';
  instances(): readonly z.infer<typeof statusRecordSchema>[];
}

const healthSchema = z.object({
  status: z.literal('ok'),
  runner: z.string(),
  registered: z.boolean(),
  etcd: z.enum(['connected', 'disconnected']),
});

export async function startRunnerHttp(
  state: RunnerHttpState,
  listen: { host: string; port: number },
  logger: Logger,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
  });
  app.get('/healthz', { schema: { response: { 200: jsonSchemaOf(healthSchema) } } }, async () => ({
    status: 'ok' as const,
    runner: state.name(),
    registered: state.registered(),
    etcd: state.etcd(),
  }));
  app.get(
    '/v1/instances',
    { schema: { response: { 200: jsonSchemaOf(z.object({ instances: z.array(statusRecordSchema) })) } } },
    async () => ({ instances: state.instances() }),
  );
  await app.listen({ host: listen.host, port: listen.port });
  return app;
}
