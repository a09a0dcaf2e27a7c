/**
 * `GET /v1/events[?channel=T/C]`: the console's live stream, server-sent events fed by this
 * controller's etcd watch (console/live-hub.ts; the events are libs/cluster-state/src/live.ts).
 * Event ids are etcd revisions: a client that reconnects sends the last one as `Last-Event-ID`
 * and this controller first waits (at most RESUME_WAIT_MS) until its cache has reached it, so
 * a page never steps back in time across a controller restart or a leader change. A read: the
 * token (role read) off loopback (or a console session).
 */
import type { Logger } from '@drover/platform';
import type { FastifyPluginAsync } from 'fastify';
import type { LeaseClock } from '../../console/heartbeats.js';
import { LiveHub, type Subscription } from '../../console/live-hub.js';
import { type ApiAuth, requireRole } from '../auth.js';
import type { LeaderInfo, LiveSource } from '../ports.js';
import { errorResponses } from '../schemas.js';

export interface EventsOptions {
  readonly live: LiveSource;
  readonly leader: LeaderInfo;
  readonly auth: ApiAuth;
  readonly logger: Logger;
  /** etcd's leases, for the runners' heartbeats. */
  readonly leases?: LeaseClock;
}

/** How long a reconnecting client may wait for this controller's cache to reach its last event. */
export const RESUME_WAIT_MS = 5000;

const CHANNEL_KEY = '^[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9][A-Za-z0-9_-]*$';

interface EventsRequest {
  Querystring: { channel?: string; lastEventId?: string };
}

export const eventsRoutes: FastifyPluginAsync<EventsOptions> = async (
  app,
  { live, leader, auth, logger, leases },
) => {
  app.addHook('onRequest', requireRole(auth, 'read', { loopbackReads: true }));

  const hub = new LiveHub({ source: live, leader, logger, ...(leases === undefined ? {} : { leases }) });
  hub.start();
  app.addHook('onClose', async () => hub.stop());

  app.get<EventsRequest>(
    '/events',
    {
      schema: {
        description:
          'Live state as server-sent events (cluster, runners, channels; or channel with ?channel=T/C); ids are etcd revisions: send Last-Event-ID to resume',
        querystring: {
          type: 'object',
          properties: {
            channel: { type: 'string', pattern: CHANNEL_KEY },
            lastEventId: { type: 'string', pattern: '^[0-9]{1,15}$' },
          },
          additionalProperties: false,
        },
        response: errorResponses(400, 401),
      },
    },
    async (request, reply) => {
      const subscription: Subscription =
        request.query.channel === undefined
          ? { kind: 'overview' }
          : { kind: 'channel', key: request.query.channel };
      const lastId = Number(request.headers['last-event-id'] ?? request.query.lastEventId);
      if (Number.isInteger(lastId) && lastId > 0) await live.seenWithin(lastId, RESUME_WAIT_MS);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.socket?.setNoDelay(true);
      let closed = false;
      const remove = hub.subscribe(
        {
          write: (text) => {
            if (!closed) res.write(text);
            return res.writableLength;
          },
          close: () => {
            closed = true;
            res.end();
          },
        },
        subscription,
      );
      request.raw.on('close', () => {
        closed = true;
        remove();
      });
    },
  );
};
