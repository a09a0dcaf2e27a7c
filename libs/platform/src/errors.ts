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

/**
 * A service refused us for good at start: a certificate it rejects or cannot be verified, a wrong
 * user or password, missing rights. Only a change of configuration (or of the service's users)
 * fixes it; daemons exit with ExitCode.ACCESS_REFUSED.
 */
export class AccessRefusedError extends Error {}
