import { setLongTimeout } from '@drover/timers';
import type { Logger } from 'pino';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits 0 (1 if it failed). A second signal, or a
 * stop that outlasts `timeoutMs`, exits at once with 1: an operator's Ctrl-C always works.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, timeoutMs = 30_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setLongTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Logs a fatal startup error in one readable line and exits 1 (2 for a configuration error). */
export function exitOnFatal(logger: Logger, err: unknown, code = 1): never {
  logger.fatal({ err }, err instanceof Error ? err.message : String(err));
  logger.flush();
  process.exit(code);
}
