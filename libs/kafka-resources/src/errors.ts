export type KafkaResourceErrorCode =
  | 'KAFKA_UNREACHABLE'
  | 'INVALID_REPLICATION_FACTOR'
  | 'INVALID_PARTITIONS'
  | 'INVALID_CONFIG'
  | 'INVALID_TOPIC_NAME'
  | 'TOPIC_AUTHORIZATION_FAILED'
  | 'TOPIC_ALREADY_EXISTS'
  | 'LEADER_WAIT_TIMEOUT'
  | 'KAFKA_REQUEST_FAILED';

/** Every failure this package reports: a stable `code`, the topic when one is concerned, the cause. */
export class KafkaResourceError extends Error {
  override readonly name = 'KafkaResourceError';
  readonly code: KafkaResourceErrorCode;
  readonly topic: string | undefined;

  constructor(
    code: KafkaResourceErrorCode,
    message: string,
    options: { topic?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.topic = options.topic;
  }
}

export function isKafkaResourceError(err: unknown): err is KafkaResourceError {
  return err instanceof KafkaResourceError;
}
