import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createTopicError, protocolErrorType, requestError } from './kafkajs-errors.js';

const { KafkaJSAggregateError, KafkaJSConnectionError } = kafkajs;

// kafkajs's declarations understate these constructors: at runtime a protocol error is built from
// the broker's error entry, and the retrier wraps with a `cause`. These are the classes it throws.
type BrokerErrorEntry = { type: string; code: number; retriable: boolean; message: string };
const KafkaJSCreateTopicError = (kafkajs as unknown as Record<string, unknown>)
  .KafkaJSCreateTopicError as new (
  e: BrokerErrorEntry,
  topic: string,
) => Error;
const KafkaJSNonRetriableError = kafkajs.KafkaJSNonRetriableError as unknown as new (
  e: Error,
  metadata: { cause: Error },
) => Error;

/** What kafkajs's createTopics rejects with when the broker refuses a topic. */
function brokerRejection(type: string, code: number): Error {
  const inner = new KafkaJSCreateTopicError(
    { type, code, retriable: false, message: `${type} message` },
    't',
  );
  const aggregate = new KafkaJSAggregateError('Topic creation errors', [inner]);
  return new KafkaJSNonRetriableError(aggregate, { cause: aggregate });
}

describe('kafkajs error mapping', () => {
  it('finds the broker error type through retry and aggregate wrappers', () => {
    expect(protocolErrorType(brokerRejection('INVALID_REPLICATION_FACTOR', 38))).toBe(
      'INVALID_REPLICATION_FACTOR',
    );
    expect(protocolErrorType(new Error('plain'))).toBeUndefined();
  });

  it('explains a replication factor above the broker count', () => {
    const err = createTopicError(brokerRejection('INVALID_REPLICATION_FACTOR', 38), 'reftenant-apache', {
      replicationFactor: 3,
      brokerCount: 1,
      connection: { brokers: ['127.0.0.1:9092'] },
    });
    expect(err).toMatchObject({ code: 'INVALID_REPLICATION_FACTOR', topic: 'reftenant-apache' });
    expect(err.message).toBe(
      'cannot create topic reftenant-apache: replication factor 3 exceeds the 1 available broker(s)',
    );
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('keeps the broker message when the replication factor is invalid for another reason', () => {
    const err = createTopicError(brokerRejection('INVALID_REPLICATION_FACTOR', 38), 't', {
      replicationFactor: 0,
      brokerCount: 1,
      connection: { brokers: ['b:9092'] },
    });
    expect(err.message).toMatch(/^cannot create topic t: replication factor 0 is invalid \(/);
  });

  it('maps other broker rejections to their own codes', () => {
    const err = createTopicError(brokerRejection('INVALID_CONFIG', 40), 't', {
      replicationFactor: 1,
      connection: { brokers: ['b:9092'] },
    });
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toMatch(/^cannot create topic t: INVALID_CONFIG/);
  });

  it('recognises an unreachable cluster behind the retry wrapper', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const wrapped = new KafkaJSNonRetriableError(refused, { cause: refused });
    const err = requestError(wrapped, 'cannot describe topics a', { brokers: ['127.0.0.1:1'] });
    expect(err.code).toBe('KAFKA_UNREACHABLE');
    expect(err.message).toContain('Kafka brokers 127.0.0.1:1 unreachable');
  });
});
