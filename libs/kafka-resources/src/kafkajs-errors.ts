import { connectionLabel, type KafkaConnection } from './connection.js';
import { describeKafkaError, diagnoseConnection } from './connection-errors.js';
import { KafkaResourceError, type KafkaResourceErrorCode } from './errors.js';

/**
 * kafkajs wraps the broker's answer in retry and aggregate errors (`NonRetriable(cause: Aggregate(
 * errors: [CreateTopicError{type}]))`); the broker's error `type` is the useful part.
 */
export function protocolErrorType(err: unknown, depth = 0): string | undefined {
  if (depth > 8 || typeof err !== 'object' || err === null) return undefined;
  const { type, errors, cause } = err as { type?: unknown; errors?: unknown; cause?: unknown };
  if (typeof type === 'string') return type;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = protocolErrorType(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return protocolErrorType(cause, depth + 1);
}

/** True when the chain holds a connection failure (refused, unresolvable host, socket timeout). */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  if (depth > 8 || typeof err !== 'object' || err === null) return false;
  const { name, cause } = err as { name?: unknown; cause?: unknown };
  if (name === 'KafkaJSConnectionError' || name === 'KafkaJSBrokerNotFound') return true;
  return isConnectionFailure(cause, depth + 1);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const protocolCodes: Readonly<Record<string, KafkaResourceErrorCode>> = {
  INVALID_REPLICATION_FACTOR: 'INVALID_REPLICATION_FACTOR',
  INVALID_PARTITIONS: 'INVALID_PARTITIONS',
  INVALID_CONFIG: 'INVALID_CONFIG',
  INVALID_TOPIC_EXCEPTION: 'INVALID_TOPIC_NAME',
  TOPIC_AUTHORIZATION_FAILED: 'TOPIC_AUTHORIZATION_FAILED',
  TOPIC_ALREADY_EXISTS: 'TOPIC_ALREADY_EXISTS',
};

/** Maps a kafkajs failure of a topic creation to a typed error with an operator-readable message. */
export function createTopicError(
  err: unknown,
  topic: string,
  context: { replicationFactor: number; brokerCount?: number; connection: KafkaConnection },
): KafkaResourceError {
  const type = protocolErrorType(err);
  const code = type === undefined ? undefined : protocolCodes[type];
  const prefix = `cannot create topic ${topic}`;
  switch (code) {
    case 'INVALID_REPLICATION_FACTOR': {
      const { replicationFactor: rf, brokerCount } = context;
      const reason =
        brokerCount !== undefined && rf > brokerCount
          ? `replication factor ${rf} exceeds the ${brokerCount} available broker(s)`
          : `replication factor ${rf} is invalid (${messageOf(err)})`;
      return new KafkaResourceError(code, `${prefix}: ${reason}`, {
        topic,
        cluster: context.connection.cluster,
        cause: err,
      });
    }
    case undefined:
      return requestError(err, prefix, context.connection, topic);
    default:
      return new KafkaResourceError(code, `${prefix}: ${type} (${messageOf(err)})`, {
        topic,
        cluster: context.connection.cluster,
        cause: err,
      });
  }
}

/**
 * Maps any other kafkajs failure: a refused login or certificate (the cluster named, the setting
 * to look at), an unreachable cluster, or the request's own error.
 */
export function requestError(
  err: unknown,
  what: string,
  connection: KafkaConnection,
  topic?: string,
): KafkaResourceError {
  const options = { topic, cluster: connection.cluster, cause: err };
  const problem = diagnoseConnection(connection, describeKafkaError(err));
  if (problem !== undefined && problem.code !== 'KAFKA_UNREACHABLE') {
    return new KafkaResourceError(
      problem.code,
      `${what}: ${connectionLabel(connection)}: ${problem.reason} [${messageOf(err)}]`,
      options,
    );
  }
  if (isConnectionFailure(err)) {
    return new KafkaResourceError(
      'KAFKA_UNREACHABLE',
      `${what}: ${connectionLabel(connection)} unreachable (${messageOf(err)})`,
      options,
    );
  }
  const type = protocolErrorType(err);
  const detail = type === undefined ? messageOf(err) : `${type}: ${messageOf(err)}`;
  return new KafkaResourceError('KAFKA_REQUEST_FAILED', `${what}: ${detail}`, options);
}
