/** `GET /v1/runners`: live runners, their tags, capacity and instance counts. */
import { runnerViewSchema } from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { type ApiAuth, requireRole } from '../auth.js';
import type { ClusterReader } from '../ports.js';
import { errorResponses, js } from '../schemas.js';
import { requireSynced } from '../sync.js';

export interface RunnersOptions {
  readonly reader: ClusterReader;
  readonly auth: ApiAuth;
}

export const runnersRoutes: FastifyPluginAsync<RunnersOptions> = async (app, { reader, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));
  app.addHook('onRequest', requireSynced(reader));

  app.get(
    '/runners',
    {
      schema: {
        response: { 200: js(z.object({ runners: z.array(runnerViewSchema) })), ...errorResponses(401, 503) },
      },
    },
    async () => ({ runners: reader.runners() }),
  );
};
