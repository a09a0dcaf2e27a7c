/** `GET /v1/runners`: live runners, their tags, capacity and instance counts. */
import { runnerViewSchema } from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireTokenOffLoopback } from '../auth.js';
import type { ClusterReader } from '../ports.js';
import { errorResponses, js } from '../schemas.js';
import { requireSynced } from '../sync.js';

export interface RunnersOptions {
  readonly reader: ClusterReader;
  readonly token: string | undefined;
}

export const runnersRoutes: FastifyPluginAsync<RunnersOptions> = async (app, { reader, token }) => {
  app.addHook('onRequest', requireTokenOffLoopback(token));
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
