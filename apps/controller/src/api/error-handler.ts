/**
 * One error body for every failure, `{ error: { code, message, issues? } }`, with the status of
 * the code (@drover/cluster-state api-errors.ts). What is not an ApiProblem is classified here:
 *
 * | thrown                                           | code                         |
 * |--------------------------------------------------|------------------------------|
 * | fastify schema validation (params, query, body)  | DRV_BAD_REQUEST (400)        |
 * | fastify body over the limit                      | DRV_BODY_TOO_LARGE (413)     |
 * | fastify unsupported content type                 | DRV_UNSUPPORTED_MEDIA_TYPE   |
 * | any other fastify 4xx (malformed JSON, ...)      | DRV_BAD_REQUEST (400)        |
 * | StoreError UNAVAILABLE or CLOSED (etcd)          | DRV_ETCD_UNAVAILABLE (503)   |
 * | anything else: a bug, a record that does not decode | DRV_INTERNAL (500), logged with its cause |
 */
import { type ApiErrorBody, type ApiErrorCode, apiErrorStatus } from '@drover/cluster-state';
import { isStoreError } from '@drover/store';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from './errors.js';

const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'DRV_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'DRV_UNSUPPORTED_MEDIA_TYPE',
};

/** Any thrown value as an ApiProblem (the original kept as its cause). */
export function toApiProblem(err: unknown): ApiProblem {
  if (err instanceof ApiProblem) return err;
  const fastify = err as Partial<FastifyError> | null;
  if (fastify?.validation !== undefined) {
    return new ApiProblem('DRV_BAD_REQUEST', fastify.message ?? 'invalid request', { cause: err });
  }
  const mapped = typeof fastify?.code === 'string' ? FASTIFY_CODES[fastify.code] : undefined;
  if (mapped !== undefined) return new ApiProblem(mapped, fastify?.message ?? mapped, { cause: err });
  const status = fastify?.statusCode;
  if (
    typeof fastify?.code === 'string' &&
    fastify.code.startsWith('FST_') &&
    status !== undefined &&
    status >= 400 &&
    status < 500
  ) {
    return new ApiProblem('DRV_BAD_REQUEST', fastify.message ?? 'bad request', { cause: err });
  }
  if (isStoreError(err) && (err.code === 'UNAVAILABLE' || err.code === 'CLOSED')) {
    return new ApiProblem('DRV_ETCD_UNAVAILABLE', `etcd is unavailable: ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiProblem('DRV_INTERNAL', `internal error: ${message}`, { cause: err });
}

export function errorBody(problem: ApiProblem): ApiErrorBody {
  return {
    error: {
      code: problem.code,
      message: problem.message,
      ...(problem.issues.length > 0 ? { issues: [...problem.issues] } : {}),
    },
  };
}

export async function errorHandler(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const problem = toApiProblem(err);
  const status = apiErrorStatus[problem.code];
  if (status >= 500) request.log.error({ err, code: problem.code }, 'request failed');
  if (problem.code === 'DRV_ETCD_UNAVAILABLE' || problem.code === 'DRV_NOT_SYNCED')
    reply.header('retry-after', '1');
  if (problem.code === 'DRV_UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
  await reply.code(status).send(errorBody(problem));
}

export async function notFoundHandler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const problem = new ApiProblem('DRV_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  await reply.code(apiErrorStatus.DRV_NOT_FOUND).send(errorBody(problem));
}
