import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON lines on stdout (what journald and log shippers want); human-readable when stdout is a
 * terminal. `DROVER_LOG_LEVEL` sets the level (default info). `destination`: JSON lines there
 * instead (tests read what was logged).
 */
export function createLogger(
  name: string,
  options: { level?: string; pretty?: boolean; destination?: DestinationStream } = {},
): Logger {
  const level = options.level ?? process.env.DROVER_LOG_LEVEL ?? 'info';
  if (options.destination !== undefined) return pino({ name, level }, options.destination);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({
      name,
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ name, level });
}
