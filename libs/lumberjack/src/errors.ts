export type LumberjackErrorCode =
  | 'BAD_VERSION'
  | 'BAD_TYPE'
  | 'WINDOW_TOO_LARGE'
  | 'FRAME_TOO_LARGE'
  | 'DATA_OUTSIDE_WINDOW'
  | 'NESTED_TOO_DEEP'
  | 'INFLATE_FAILED'
  | 'INFLATED_TOO_LARGE'
  | 'TRUNCATED_COMPRESSED'
  | 'BAD_JSON'
  | 'BAD_DATA_FRAME'
  | 'WINDOW_INTERRUPTED';

/**
 * A peer sent something the protocol does not allow. The connection it came on is closed (as
 * Logstash and go-lumber do); nothing acknowledged before is affected. `offset` is the byte
 * offset in the connection's stream where the offending frame starts.
 */
export class LumberjackProtocolError extends Error {
  override readonly name = 'LumberjackProtocolError';
  readonly code: LumberjackErrorCode;
  readonly offset: number;

  constructor(code: LumberjackErrorCode, message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}
