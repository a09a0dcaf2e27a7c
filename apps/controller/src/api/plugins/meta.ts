/**
 * About the API and the process: `GET /metrics` (Prometheus) and `GET /openapi.json` (every
 * route with its schemas). Reads: a token off loopback.
 */
import type { FastifyPluginAsync } from 'fastify';
import { type ApiAuth, requireRole } from '../auth.js';
import type { MetricsSource } from '../ports.js';

export interface MetaOptions {
  readonly metrics: MetricsSource;
  readonly auth: ApiAuth;
}

export const metaRoutes: FastifyPluginAsync<MetaOptions> = async (app, { metrics, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.metrics();
    return reply.type(metrics.contentType).send(text);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
