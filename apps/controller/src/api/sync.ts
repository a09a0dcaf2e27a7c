/**
 * onRequest hook of the reading scopes: reads come from the cache; until its first listing from
 * etcd is in, say so (503 DRV_NOT_SYNCED) rather than answer "unknown channel" for channels
 * that exist.
 */
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from './errors.js';
import type { ClusterReader } from './ports.js';

export function requireSynced(reader: ClusterReader): (request: FastifyRequest) => Promise<void> {
  return async () => {
    if (!reader.synced) throw new ApiProblem('DRV_NOT_SYNCED', 'not synced with etcd yet: retry in a moment');
  };
}
