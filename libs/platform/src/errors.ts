/** A configuration problem: names the file (and line) or the flag, and what to do. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Where: a file path, `--flag`, or an environment variable. */
  readonly source: string;

  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.source = source;
  }
}
