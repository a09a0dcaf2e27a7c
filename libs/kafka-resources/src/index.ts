export {
  connectKafkaAdmin,
  type KafkaAdmin,
  type KafkaAdminOptions,
  type ResourceLogger,
  type TopicDescription,
  type TopicQuery,
} from './admin.js';
export { type BatchProducer, startBatchProducer } from './batch-producer.js';
export { BufferPool } from './buffer-pool.js';
export { compareTopic, describeDifferences, type TopicDifference } from './compare.js';
export {
  connectionLabel,
  connectionOf,
  type KafkaConnection,
  type KafkaSasl,
  type KafkaSaslMechanismName,
  type KafkaTls,
  securityProtocol,
} from './connection.js';
export { type ConnectionProblem, diagnoseConnection } from './connection-errors.js';
export {
  type ConsumedMessage,
  connectKafkaConsumer,
  type KafkaConsumer,
  type KafkaConsumerOptions,
} from './consumer.js';
export { type EnsureTopicsOptions, ensureTopics } from './ensure.js';
export {
  isKafkaAccessRefused,
  isKafkaResourceError,
  KafkaResourceError,
  type KafkaResourceErrorCode,
} from './errors.js';
export { MessageBatch, type PackedMessages } from './message-batch.js';
export {
  COMPRESSIONS,
  type Compression,
  connectKafkaProducer,
  type KafkaProducer,
  type KafkaProducerOptions,
  type ProducerMessage,
} from './producer.js';
export type { ObservedTopic, TopicReport, TopicSpec, TopicState } from './types.js';
