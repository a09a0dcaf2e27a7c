import { isKafkaAccessRefused } from '@drover/kafka-resources';
import { setLongTimeout } from '@drover/timers';
import type { Logger } from 'pino';
import { AccessRefusedError, ConfigError } from './errors.js';
import { ExitCode } from './exit-codes.js';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits 0 (1 if it failed). A second signal, or a
 * stop that outlasts `timeoutMs`, exits at once with 1: an operator's Ctrl-C always works.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 30_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(ExitCode.FAILURE);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setLongTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(ExitCode.FAILURE);
    }, timeoutMs).unref();
    stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(ExitCode.OK);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exit(ExitCode.FAILURE);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * The exit code of a fatal startup error: USAGE (2) for a configuration error, ACCESS_REFUSED (4)
 * when etcd or Kafka refused our certificate, user or rights, else FAILURE (1).
 */
export function fatalExitCode(err: unknown): ExitCode {
  if (err instanceof ConfigError) return ExitCode.USAGE;
  if (err instanceof AccessRefusedError || isKafkaAccessRefused(err)) return ExitCode.ACCESS_REFUSED;
  return ExitCode.FAILURE;
}

/** Logs a fatal startup error in one readable line and exits with fatalExitCode. */
export function exitOnFatal(logger: Logger, err: unknown): never {
  const code = fatalExitCode(err);
  logger.fatal({ err }, err instanceof Error ? err.message : String(err));
  logger.flush();
  process.exit(code);
}
