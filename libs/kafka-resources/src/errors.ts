export type KafkaResourceErrorCode =
  | 'KAFKA_UNREACHABLE'
  /** The cluster refused the SASL login (user, password, mechanism). */
  | 'KAFKA_AUTHENTICATION_FAILED'
  /** TLS could not be set up: a certificate refused on either side, TLS against a plaintext listener or the reverse. */
  | 'KAFKA_TLS_FAILED'
  | 'INVALID_REPLICATION_FACTOR'
  | 'INVALID_PARTITIONS'
  | 'INVALID_CONFIG'
  | 'INVALID_TOPIC_NAME'
  | 'TOPIC_AUTHORIZATION_FAILED'
  | 'TOPIC_ALREADY_EXISTS'
  | 'LEADER_WAIT_TIMEOUT'
  | 'KAFKA_REQUEST_FAILED';

/**
 * Every failure this package reports: a stable `code`, the cluster (its platform-file name) and
 * the topic when one is concerned, the cause.
 */
export class KafkaResourceError extends Error {
  override readonly name = 'KafkaResourceError';
  readonly code: KafkaResourceErrorCode;
  readonly topic: string | undefined;
  readonly cluster: string | undefined;

  constructor(
    code: KafkaResourceErrorCode,
    message: string,
    options: { topic?: string | undefined; cluster?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.topic = options.topic;
    this.cluster = options.cluster;
  }
}

export function isKafkaResourceError(err: unknown): err is KafkaResourceError {
  return err instanceof KafkaResourceError;
}

/**
 * Whether the cluster refused us for good: a SASL login or a certificate it turned down, TLS
 * where the listener has none. Waiting never fixes these (the platform file or the cluster's
 * users must change), unlike an unreachable broker: processes stop at start on them.
 */
export function isKafkaAccessRefused(err: unknown): err is KafkaResourceError {
  return (
    err instanceof KafkaResourceError &&
    (err.code === 'KAFKA_AUTHENTICATION_FAILED' || err.code === 'KAFKA_TLS_FAILED')
  );
}
