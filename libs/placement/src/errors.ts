export type PlacementErrorCode =
  | 'DUPLICATE_RUNNER'
  | 'DUPLICATE_APPLICATION'
  | 'INVALID_INSTANCES'
  | 'INVALID_MEMORY'
  | 'INVALID_NAME'
  | 'INVALID_ASSIGNMENT';

/** The input itself is inconsistent: a caller bug, never a placement outcome. */
export class PlacementInputError extends Error {
  readonly code: PlacementErrorCode;
  /** The runner or application the problem is about. */
  readonly subject: string;

  constructor(code: PlacementErrorCode, subject: string, message: string) {
    super(message);
    this.name = 'PlacementInputError';
    this.code = code;
    this.subject = subject;
  }
}
