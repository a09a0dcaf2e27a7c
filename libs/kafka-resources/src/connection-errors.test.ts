/**
 * The diagnosis on the words the clients produce (@platformatic/kafka's copied from runs against
 * the secured dev broker, test/security.test.ts, where the same cases run for real; kafkajs's from
 * its saslAuthenticator); here also what that broker cannot show (a mechanism it does not offer)
 * and what must stay undiagnosed.
 */
import { describe, expect, it } from 'vitest';
import type { KafkaConnection } from './connection.js';
import { describeKafkaError, diagnoseConnection, SASL_EXPECTED } from './connection-errors.js';

const tls: KafkaConnection = {
  cluster: 'kafka_front',
  brokers: ['k1:9093'],
  tls: { files: { ca: '/etc/drover/ca.pem', cert: '/etc/drover/client.pem' } },
};
const scram: KafkaConnection = {
  ...tls,
  sasl: {
    mechanism: 'SCRAM-SHA-512',
    username: 'drover',
    password: 'x',
    passwordFile: '/etc/drover/kafka-password',
  },
};
const plain: KafkaConnection = { cluster: 'kafka_front', brokers: ['k1:9092'] };

const cases: [string, KafkaConnection, string, string | undefined, RegExp?][] = [
  [
    'a refused SCRAM login (@platformatic/kafka)',
    scram,
    'k1:9093: Connection to k1:9093 failed: SASL authentication failed: Received response with error while executing API SaslAuthenticate(v2)',
    'KAFKA_AUTHENTICATION_FAILED',
    /SASL SCRAM-SHA-512 authentication of user "drover" was refused: .*password from \/etc\/drover\/kafka-password/,
  ],
  [
    'a refused SCRAM login (kafkajs)',
    scram,
    'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    'KAFKA_AUTHENTICATION_FAILED',
    /was refused/,
  ],
  [
    'a mechanism the listener does not offer',
    scram,
    'Connection to k1:9093 failed: Cannot find a suitable SASL mechanism',
    'KAFKA_AUTHENTICATION_FAILED',
    /do not offer SASL SCRAM-SHA-512 on this listener/,
  ],
  [
    'a TLS alert for a missing client certificate',
    tls,
    'Connection closed: Connection error: 40:error:0A000412:SSL routines:ssl3_read_bytes:ssl/tls alert bad certificate:SSL alert number 42',
    'KAFKA_TLS_FAILED',
    /alert "bad certificate".*do not accept the client certificate tls\.cert \/etc\/drover\/client\.pem/,
  ],
  [
    'a broker certificate the CA does not verify',
    tls,
    'Connection to k1:9093 failed: unable to verify the first certificate',
    'KAFKA_TLS_FAILED',
    /does not verify against tls\.ca \/etc\/drover\/ca\.pem: unable to verify the first certificate/,
  ],
  [
    'TLS towards a plaintext port',
    tls,
    'TLS handshake failed. Please verify the broker supports TLS: Client network socket disconnected before secure TLS connection was established',
    'KAFKA_TLS_FAILED',
    /no TLS on this listener/,
  ],
  [
    'plaintext towards a TLS port',
    plain,
    'k1:9092: Broker requires TLS.',
    'KAFKA_TLS_FAILED',
    /may expect TLS/,
  ],
  [
    'a SASL listener reached without SASL',
    { ...tls, sasl: undefined } as KafkaConnection,
    `k1:9093: ${SASL_EXPECTED}`,
    'KAFKA_AUTHENTICATION_FAILED',
    /requires SASL authentication and this cluster has no sasl settings \(SSL\)/,
  ],
  ['a refused TCP connection', scram, 'connect ECONNREFUSED 127.0.0.1:9093', undefined],
  ['a timeout', tls, 'Connection to k1:9093 timed out.', undefined],
];

describe('diagnoseConnection', () => {
  it.each(cases)('%s', (_what, connection, text, code, reason) => {
    const problem = diagnoseConnection(connection, text);
    expect(problem?.code).toBe(code);
    if (reason !== undefined) expect(problem?.reason).toMatch(reason);
  });
});

describe('describeKafkaError', () => {
  it('gives every message of an error, its aggregated errors and causes, once, outermost first', () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const attempt = new Error('Connection to 127.0.0.1:1 failed.', { cause: refused });
    const all = Object.assign(new Error('metadata failed 2 times.'), { errors: [attempt, attempt] });
    expect(describeKafkaError(all)).toBe(
      'metadata failed 2 times: Connection to 127.0.0.1:1 failed: connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});
