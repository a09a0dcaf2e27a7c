/**
 * Probes, open to anyone (no token): `GET /healthz` (the process answers) and `GET /readyz`
 * (etcd connected and listed, and a leader exists; 503 otherwise).
 */
import { readinessSchema } from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ClusterReader, LeaderInfo } from '../ports.js';
import { js } from '../schemas.js';

export interface HealthOptions {
  readonly reader: ClusterReader;
  readonly leader: LeaderInfo;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { reader, leader }) => {
  app.get(
    '/healthz',
    { schema: { response: { 200: js(z.object({ status: z.literal('ok'), id: z.string() })) } } },
    async () => ({ status: 'ok' as const, id: leader.id }),
  );

  app.get(
    '/readyz',
    { schema: { response: { 200: js(readinessSchema), 503: js(readinessSchema) } } },
    async (_request, reply) => {
      const etcd = reader.connected && reader.synced;
      // A leader that cannot be read is no leader as far as readiness goes: the 503 body says so
      // (leader: null); the cause is the store's, logged by the cache that lost etcd.
      const current = etcd ? ((await leader.leader().catch(() => undefined)) ?? null) : null;
      const body = {
        ready: etcd && current !== null,
        etcd,
        leader: current,
        self: { id: leader.id, leader: leader.isLeader() },
      };
      return reply.code(body.ready ? 200 : 503).send(body);
    },
  );
};
