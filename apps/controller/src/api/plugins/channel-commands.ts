/**
 * Channel mutations, every one behind the bearer token: `PUT /v1/channels/:tenant/:channel`
 * (upload `{files, binaryFiles?}`, validated again here) and
 * `POST /v1/channels/:tenant/:channel/start|stop|reload`. They write desired state to etcd (any
 * controller may: compare-and-swap, no leadership needed); the leader acts on it. An action
 * answers with the channel's view once this controller's cache has the change.
 */
import { channelViewSchema } from '@drover/cluster-state';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { requireToken } from '../auth.js';
import { channelUnknown } from '../errors.js';
import type { ChannelCommands, ClusterReader } from '../ports.js';
import { type ChannelParams, channelParams, errorResponses, js } from '../schemas.js';

export interface ChannelCommandsOptions {
  readonly reader: ClusterReader;
  readonly commands: ChannelCommands;
  readonly token: string | undefined;
}

const uploadBody = z.object({
  /** Text files by path relative to the channel directory. */
  files: z.record(z.string(), z.string()),
  /** Other files, base64. */
  binaryFiles: z.record(z.string(), z.string()).optional(),
});
const uploadReply = z.object({
  tenant: z.string(),
  channel: z.string(),
  specDigest: z.string(),
  changed: z.boolean(),
});

const actions = ['start', 'stop', 'reload'] as const;

export const channelCommandsRoutes: FastifyPluginAsync<ChannelCommandsOptions> = async (
  app,
  { reader, commands, token },
) => {
  app.addHook('onRequest', requireToken(token));

  app.put<{ Params: ChannelParams; Body: z.infer<typeof uploadBody> }>(
    '/channels/:tenant/:channel',
    {
      schema: {
        params: channelParams,
        body: js(uploadBody),
        response: { 200: js(uploadReply), ...errorResponses(400, 401, 409, 413, 415, 500, 503) },
        security: [{ bearer: [] }],
      },
    },
    async (request) => {
      const { tenant, channel } = request.params;
      const result = await commands.upload(
        request.params,
        request.body.files,
        request.body.binaryFiles ?? {},
      );
      // As for the actions: a read right after sees the new files (and what they change).
      if (result.revision > 0) await reader.seen(result.revision);
      return { tenant, channel, specDigest: result.specDigest, changed: result.changed };
    },
  );

  for (const action of actions) {
    app.post<{ Params: ChannelParams }>(
      `/channels/:tenant/:channel/${action}`,
      {
        schema: {
          params: channelParams,
          response: { 200: js(channelViewSchema), ...errorResponses(400, 401, 404, 409, 500, 503) },
          security: [{ bearer: [] }],
        },
      },
      async (request) => {
        const { revision } = await commands[action](request.params);
        // Answer once this controller's cache has the change, so a read right after sees it.
        if (revision > 0) await reader.seen(revision);
        const view = reader.channel(request.params);
        if (view === undefined) throw channelUnknown(request.params);
        return view;
      },
    );
  }
};
