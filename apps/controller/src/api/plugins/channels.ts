/**
 * Channel reads: `GET /v1/channels` (every channel, instances by state) and
 * `GET /v1/channels/:tenant/:channel` (applications, instances, runners, states, reasons,
 * resources, the rollout).
 */
import { channelSummarySchema, channelViewSchema, summarise } from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { type ApiAuth, requireRole } from '../auth.js';
import { channelUnknown } from '../errors.js';
import type { ClusterReader } from '../ports.js';
import { type ChannelParams, channelParams, errorResponses, js } from '../schemas.js';
import { requireSynced } from '../sync.js';

export interface ChannelsOptions {
  readonly reader: ClusterReader;
  readonly auth: ApiAuth;
}

export const channelsRoutes: FastifyPluginAsync<ChannelsOptions> = async (app, { reader, auth }) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));
  app.addHook('onRequest', requireSynced(reader));

  app.get(
    '/channels',
    {
      schema: {
        response: {
          200: js(z.object({ channels: z.array(channelSummarySchema) })),
          ...errorResponses(401, 503),
        },
      },
    },
    async () => ({ channels: reader.channels().map(summarise) }),
  );

  app.get<{ Params: ChannelParams }>(
    '/channels/:tenant/:channel',
    {
      schema: {
        params: channelParams,
        response: { 200: js(channelViewSchema), ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const view = reader.channel(request.params);
      if (view === undefined) throw channelUnknown(request.params);
      return view;
    },
  );
};
