/**
 * The HTTP API's errors, defined once for the controller (which answers them) and channelctl
 * (which reads them): a closed list of codes, each with its HTTP status, and one body shape,
 *
 *   { "error": { "code": "DRV_CHANNEL_UNKNOWN", "message": "channel t/c is unknown" } }
 *
 * plus `issues` (file:line:column) when a channel does not validate. The table is a
 * `Record<code, status>`, so a code without a status does not compile (trpc's model); the
 * README's "API errors" table lists every code, and a test keeps the two in step. A retired code
 * is never reused.
 */
import { z } from 'zod';

export const apiErrorStatus = {
  /** The request itself is malformed: params, query or body fail their schema. */
  DRV_BAD_REQUEST: 400,
  /** The uploaded channel does not validate; `issues` says where. */
  DRV_CHANNEL_INVALID: 400,
  /** The uploaded channel is over the size limit. */
  DRV_CHANNEL_TOO_LARGE: 400,
  /** No bearer token, or not one of the token file's. */
  DRV_UNAUTHORIZED: 401,
  /** The token's role does not allow the request; the message names the role and the one needed. */
  DRV_FORBIDDEN: 403,
  /** No such route. */
  DRV_NOT_FOUND: 404,
  /** No channel by that name (never uploaded, or deleted). */
  DRV_CHANNEL_UNKNOWN: 404,
  /** The instance is not placed on a live runner (for its logs). */
  DRV_INSTANCE_NOT_PLACED: 404,
  /** No event with that id in the log store. */
  DRV_LOG_EVENT_UNKNOWN: 404,
  /** Someone else changed the channel at the same time: read again and retry. */
  DRV_CONFLICT: 409,
  /** The action needs a started channel (reload). */
  DRV_CHANNEL_NOT_STARTED: 409,
  /** The request body is over the API's body limit. */
  DRV_BODY_TOO_LARGE: 413,
  /** The request body is not JSON. */
  DRV_UNSUPPORTED_MEDIA_TYPE: 415,
  /** A bug or an unexpected failure: logged by the controller with its cause. */
  DRV_INTERNAL: 500,
  /** This controller has no log store configured (platform file `log_store`, --log-store-url). */
  DRV_LOG_STORE_NOT_CONFIGURED: 501,
  /** The runner holding the instance did not answer (for its logs). */
  DRV_RUNNER_UNREACHABLE: 502,
  /** The log store refused the search (its table is missing, or another SQL error: the message says). */
  DRV_LOG_STORE_FAILED: 502,
  /** etcd did not answer in time, or the connection is down: retry shortly. */
  DRV_ETCD_UNAVAILABLE: 503,
  /** This controller has not listed etcd yet (just started): retry in a moment. */
  DRV_NOT_SYNCED: 503,
  /** The log store cannot be reached (connection refused, authentication, too many clients). */
  DRV_LOG_STORE_UNAVAILABLE: 503,
  /** The search ran past the log store's statement timeout: narrow it (time range, host). */
  DRV_LOG_STORE_TIMEOUT: 504,
} as const satisfies Record<`DRV_${string}`, number>;

export type ApiErrorCode = keyof typeof apiErrorStatus;

export const apiErrorCodes = Object.keys(apiErrorStatus) as ApiErrorCode[];

export const issueSchema = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number(),
  path: z.string(),
  message: z.string(),
});

export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(apiErrorCodes as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    issues: z.array(issueSchema).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;
