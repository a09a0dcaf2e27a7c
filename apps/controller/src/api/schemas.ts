/**
 * Route schemas shared by the plugins, from the zod schemas of @drover/cluster-state and the
 * name rules of @drover/channel-model (fastify validates with them, OpenAPI documents them).
 */
import { IDENTIFIER, INSTANCE_INDEX } from '@drover/channel-model';
import { apiErrorBodySchema, jsonSchemaOf } from '@drover/cluster-state';

export const js = jsonSchemaOf;

const name = { type: 'string', pattern: IDENTIFIER.source } as const;

export const channelParams = {
  type: 'object',
  required: ['tenant', 'channel'],
  properties: { tenant: name, channel: name },
} as const;

export const instanceParams = {
  type: 'object',
  required: ['tenant', 'channel', 'app', 'index'],
  properties: {
    tenant: name,
    channel: name,
    app: name,
    index: { type: 'string', pattern: INSTANCE_INDEX.source },
  },
} as const;

export interface ChannelParams {
  tenant: string;
  channel: string;
}

const errorBody = js(apiErrorBodySchema);

/** The error responses a route documents, by status. */
export function errorResponses(...statuses: number[]): Record<number, Record<string, unknown>> {
  return Object.fromEntries(statuses.map((s) => [s, errorBody]));
}
