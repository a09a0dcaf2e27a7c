/**
 * The one place @platformatic/kafka's options and errors are translated: our connection defaults,
 * and its errors (often a MultipleErrors of retries, each with causes) into one readable line with
 * our error code. The data path (producer, consumer) runs on @platformatic/kafka; kafkajs stays
 * for topic administration (kafkajs-admin.ts).
 */
import type { BaseOptions } from '@platformatic/kafka';
import { connectionLabel, type KafkaConnection } from './connection.js';
import { describeKafkaError, diagnoseConnection } from './connection-errors.js';
import { KafkaResourceError, type KafkaResourceErrorCode } from './errors.js';

/**
 * The connection part of @platformatic/kafka's options: seeds, TLS (`tls` goes to
 * `tls.connect` for every broker; `servername` verifies and is sent as SNI) and SASL.
 */
export function platformaticConnectionOptions(
  c: KafkaConnection,
): Pick<BaseOptions, 'bootstrapBrokers' | 'tls' | 'sasl'> {
  const tls = c.tls;
  return {
    bootstrapBrokers: [...c.brokers],
    ...(tls === undefined
      ? {}
      : {
          tls: {
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
            ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
          },
        }),
    ...(c.sasl === undefined
      ? {}
      : { sasl: { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } }),
  };
}

export interface ConnectionSettings {
  readonly connection: KafkaConnection;
  readonly clientId: string;
  /** Bound on opening one connection (TCP and Kafka handshake), ms. */
  readonly connectTimeoutMs: number;
  /** Bound on one request's answer, ms. */
  readonly requestTimeoutMs: number;
  /** Attempts after the first, and the pause between them (ms). */
  readonly retries: number;
  readonly retryDelayMs: number;
}

export function baseOptions(s: ConnectionSettings): BaseOptions {
  return {
    ...platformaticConnectionOptions(s.connection),
    clientId: s.clientId,
    connectTimeout: s.connectTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    timeout: s.requestTimeoutMs,
    retries: s.retries,
    retryDelay: s.retryDelayMs,
    // Never create a topic by producing to it or reading it: a typo must fail.
    autocreateTopics: false,
  };
}

/** Whether the error says no broker could be reached (as opposed to a refused request). */
export function isUnreachable(err: unknown): boolean {
  const text = describeKafkaError(err);
  return /Cannot connect to any broker|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection to .* timed out|connection .*closed/i.test(
    text,
  );
}

export function errorCode(err: unknown): KafkaResourceErrorCode {
  return isUnreachable(err) ? 'KAFKA_UNREACHABLE' : 'KAFKA_REQUEST_FAILED';
}

/**
 * A failed connection (connect, first metadata, first fetch) as a KafkaResourceError naming the
 * cluster, then the reason when one is recognised (a refused login, a certificate:
 * connection-errors.ts), then the client's own words; `doing` (`cannot consume from`) leads a
 * failure that is neither a refusal nor an unreachable cluster (an unknown topic).
 */
export function connectionFailure(c: KafkaConnection, err: unknown, doing: string): KafkaResourceError {
  const text = describeKafkaError(err);
  const problem = diagnoseConnection(c, text);
  const code = problem?.code ?? errorCode(err);
  return new KafkaResourceError(
    code,
    problem === undefined
      ? `${code === 'KAFKA_UNREACHABLE' ? 'cannot reach' : doing} ${connectionLabel(c)}: ${text}`
      : `${connectionLabel(c)}: ${problem.reason} [${text}]`,
    { cluster: c.cluster, cause: err },
  );
}

/** A failed request on an established client: the cluster named, and the reason when recognised. */
export function requestFailure(
  c: KafkaConnection,
  err: unknown,
  doing: string,
  topic?: string,
): KafkaResourceError {
  const text = describeKafkaError(err);
  const problem = diagnoseConnection(c, text);
  return new KafkaResourceError(
    problem?.code ?? errorCode(err),
    problem === undefined
      ? `${doing} on ${connectionLabel(c)}: ${text}`
      : `${doing}: ${connectionLabel(c)}: ${problem.reason} [${text}]`,
    { cluster: c.cluster, topic, cause: err },
  );
}
