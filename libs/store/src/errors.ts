export type StoreErrorCode =
  | 'UNAVAILABLE'
  | 'DECODE'
  | 'BAD_KEY'
  | 'NOT_LEADER'
  | 'LEASE_LOST'
  | 'CLOSED'
  /** etcd refused the user or password (or requires authentication). */
  | 'AUTH'
  /** The user has no right to this key. */
  | 'PERMISSION'
  | 'ETCD';

/** Every failure of the store carries a code and, where there is one, the key. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly key: string | undefined;

  constructor(code: StoreErrorCode, message: string, options: { key?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.key = options.key;
  }
}

/** A fenced write was refused: this candidate is no longer (or never was) the leader. */
export class NotLeaderError extends StoreError {
  constructor(key: string) {
    super('NOT_LEADER', `not the leader any more: election key ${key} is gone or was replaced`, { key });
    this.name = 'NotLeaderError';
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError;
}
