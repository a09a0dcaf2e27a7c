/** The one place a kafkajs client is made: our defaults, its logs routed to our logger. */
import type { Kafka as KafkaClient, KafkaConfig, LogEntry, RetryOptions, SASLOptions } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { ResourceLogger } from './admin.js';
import type { KafkaConnection, KafkaSasl } from './connection.js';

const { Kafka, logLevel } = kafkajs;

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

function kafkajsSasl(s: KafkaSasl): SASLOptions {
  const { username, password } = s;
  switch (s.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/**
 * The connection part of kafkajs's options: seeds, TLS (`ssl` goes to `tls.connect` for every
 * broker; `servername` verifies and is sent as SNI) and SASL.
 */
export function kafkajsConnectionOptions(c: KafkaConnection): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const tls = c.tls;
  return {
    brokers: [...c.brokers],
    ...(tls === undefined
      ? {}
      : {
          ssl: {
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
            ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
          },
        }),
    ...(c.sasl === undefined ? {} : { sasl: kafkajsSasl(c.sasl) }),
  };
}

export interface ClientOptions {
  readonly connection: KafkaConnection;
  readonly clientId: string;
  /** Receives kafkajs's logs from `level` up; without it only errors are kept (for lastError). */
  readonly logger?: ResourceLogger;
  readonly level: 'info' | 'warn';
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs?: number;
  readonly retry: RetryOptions;
}

export function kafkaClient(options: ClientOptions): {
  kafka: KafkaClient;
  lastError: () => string | undefined;
} {
  const logs = logRouter(options.logger);
  const level: KafkaLogLevel =
    options.logger === undefined ? logLevel.ERROR : options.level === 'info' ? logLevel.INFO : logLevel.WARN;
  const kafka = new Kafka({
    ...kafkajsConnectionOptions(options.connection),
    clientId: options.clientId,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: level,
    logCreator: logs.logCreator,
    retry: options.retry,
  });
  return { kafka, lastError: logs.lastError };
}
