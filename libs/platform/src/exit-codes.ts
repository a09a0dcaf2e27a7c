/**
 * Exit codes of every Drover binary, defined once (DESIGN.md, "HTTP API and CLI": 0 success, 1
 * failure, 2 bad usage), and how a command-line parser's error maps onto them.
 *
 * | code | name          | meaning                                                         |
 * |------|---------------|-----------------------------------------------------------------|
 * | 0    | OK            | done (also `--help` and `--version` asked for)                  |
 * | 1    | FAILURE       | the command ran and failed; the reason is on stderr / in the log |
 * | 2    | USAGE         | bad usage: unknown flag, missing argument, invalid configuration |
 * | 3    | DRAIN_TIMEOUT | punchlinectl: SIGTERM's drain timed out (events failed back)     |
 * | 4    | ACCESS_REFUSED | etcd or Kafka refused us at start (certificate, user, rights): |
 * |      |               | no retry fixes it; the systemd units do not restart on it (nor on 2) |
 */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  DRAIN_TIMEOUT: 3,
  ACCESS_REFUSED: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit code for an error a commander program threw (with `exitOverride`), or undefined when
 * it is not one. Commander gives help and version exit code 0; everything else it throws
 * (unknown option, missing argument, help shown because no command was given) is bad usage.
 */
export function commanderExitCode(err: unknown): ExitCode | undefined {
  const e = err as { code?: unknown; exitCode?: unknown } | null;
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string' || !e.code.startsWith('commander.')) {
    return undefined;
  }
  return e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
}
