/**
 * The API's coded errors. Routes and the channel commands throw an ApiProblem with a code of
 * the table in @drover/cluster-state (api-errors.ts), which fixes its HTTP status; the error
 * handler (error-handler.ts) turns it, and anything else thrown, into the one error body.
 */
import type { Issue } from '@drover/channel-model';
import { type ApiErrorCode, apiErrorStatus } from '@drover/cluster-state';

export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  readonly code: ApiErrorCode;
  readonly issues: readonly Issue[];

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { issues?: readonly Issue[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }

  get statusCode(): number {
    return apiErrorStatus[this.code];
  }
}

export const channelUnknown = (ref: { tenant: string; channel: string }) =>
  new ApiProblem('DRV_CHANNEL_UNKNOWN', `channel ${ref.tenant}/${ref.channel} is unknown`);
