/** kafkajs's log entries, routed to our logger (never the console). */
import type { LogEntry } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { ResourceLogger } from './admin.js';

const { logLevel } = kafkajs;

export type KafkaLogLevel = (typeof logLevel)[keyof typeof logLevel];

/**
 * Routes kafkajs's log entries to our logger (or nowhere), and keeps the last error it logged: when
 * connecting times out, that line ("connect ECONNREFUSED ...") is the only trace of the reason.
 */
export function logRouter(logger: ResourceLogger | undefined): {
  logCreator: () => (entry: LogEntry) => void;
  lastError: () => string | undefined;
} {
  let lastError: string | undefined;
  const logCreator = () => (entry: LogEntry) => {
    const { namespace, level, log } = entry;
    const { message, timestamp: _timestamp, ...extra } = log;
    const text = String(message);
    if (level === logLevel.ERROR)
      lastError = typeof extra.error === 'string' ? `${text}: ${extra.error}` : text;
    if (logger === undefined) return;
    const obj = { component: 'kafkajs', namespace, ...extra };
    if (level === logLevel.ERROR) logger.error(obj, text);
    else if (level === logLevel.WARN) logger.warn(obj, text);
    else if (level === logLevel.INFO) logger.info(obj, text);
    else logger.debug(obj, text);
  };
  return { logCreator, lastError: () => lastError };
}
