/**
 * Channel mutations, every one behind a token of role `operate` at least, and each recorded in
 * the audit log (done, refused or failed): `PUT /v1/channels/:tenant/:channel` (upload
 * `{files, binaryFiles?}`, validated again here) and
 * `POST /v1/channels/:tenant/:channel/start|stop|reload`. They write desired state to etcd (any
 * controller may: compare-and-swap, no leadership needed); the leader acts on it. An action
 * answers with the channel's view once this controller's cache has the change.
 *
 * Uploading files that differ from the uploaded ones (or a new channel) needs `admin`: they are
 * the code runners execute. An `operate` token may upload the same files again (what
 * `channelctl start` does), which changes nothing.
 */
import { roleAllows } from '@drover/channel-model';
import { channelViewSchema, uploadDigest } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { auditWriter, noteForAudit } from '../audit.js';
import { type ApiAuth, forbidden, principalOf, requireRole } from '../auth.js';
import { channelUnknown } from '../errors.js';
import type { AuditLog, ChannelCommands, ClusterReader } from '../ports.js';
import { type ChannelParams, channelParams, errorResponses, js } from '../schemas.js';

export interface ChannelCommandsOptions {
  readonly reader: ClusterReader;
  readonly commands: ChannelCommands;
  readonly auth: ApiAuth;
  readonly audit: AuditLog;
  /** This controller's id, in audit entries. */
  readonly controller: string;
  readonly logger: Logger;
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
  { reader, commands, auth, audit, controller, logger },
) => {
  app.addHook('onRequest', requireRole(auth, 'operate'));
  app.addHook('onSend', auditWriter({ log: audit, controller, logger }));

  app.put<{ Params: ChannelParams; Body: z.infer<typeof uploadBody> }>(
    '/channels/:tenant/:channel',
    {
      schema: {
        params: channelParams,
        body: js(uploadBody),
        response: { 200: js(uploadReply), ...errorResponses(400, 401, 403, 409, 413, 415, 500, 503) },
        security: [{ bearer: [] }],
      },
      config: { audit: 'upload' },
    },
    async (request) => {
      const { tenant, channel } = request.params;
      const principal = principalOf(request);
      if (principal !== undefined && !roleAllows(principal.role, 'admin')) {
        // Below admin: the same files again only (nothing to write).
        const digest = uploadDigest(request.body.files, request.body.binaryFiles ?? {});
        const current = await commands.specDigest(request.params);
        if (current !== digest) {
          throw forbidden(
            principal,
            current === undefined
              ? `uploading channel ${tenant}/${channel} (not uploaded yet)`
              : `changing the files of channel ${tenant}/${channel} (uploaded ${current}, these are ${digest})`,
            'admin',
          );
        }
        noteForAudit(request, `unchanged, ${digest}`);
        return { tenant, channel, specDigest: digest, changed: false };
      }
      const result = await commands.upload(
        request.params,
        request.body.files,
        request.body.binaryFiles ?? {},
      );
      // As for the actions: a read right after sees the new files (and what they change).
      if (result.revision > 0) await reader.seen(result.revision);
      noteForAudit(request, `${result.changed ? 'changed' : 'unchanged'}, ${result.specDigest}`);
      return { tenant, channel, specDigest: result.specDigest, changed: result.changed };
    },
  );

  for (const action of actions) {
    app.post<{ Params: ChannelParams }>(
      `/channels/:tenant/:channel/${action}`,
      {
        schema: {
          params: channelParams,
          response: { 200: js(channelViewSchema), ...errorResponses(400, 401, 403, 404, 409, 500, 503) },
          security: [{ bearer: [] }],
        },
        config: { audit: action },
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
