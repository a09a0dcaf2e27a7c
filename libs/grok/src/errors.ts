/** What can go wrong building a grok: `code` is stable, the message names the pattern and where it comes from. */
export type GrokErrorCode =
  | 'MALFORMED_DEFINITION'
  | 'UNKNOWN_PATTERN'
  | 'RECURSIVE_PATTERN'
  | 'BAD_CAPTURE'
  | 'BAD_REGEX';

export class GrokError extends Error {
  override readonly name = 'GrokError';
  readonly code: GrokErrorCode;
  /** The expression or definition at fault, and its file:line when it comes from a file. */
  readonly at: string;

  constructor(code: GrokErrorCode, at: string, message: string, options?: { cause?: unknown }) {
    super(`${at}: ${message}`, options);
    this.code = code;
    this.at = at;
  }
}
