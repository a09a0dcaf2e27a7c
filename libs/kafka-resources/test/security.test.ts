/**
 * The three clients (topic admin on kafkajs, producer and consumer on @platformatic/kafka) against
 * a broker secured as a real front cluster (test/support/secure-kafka.ts): TLS with client
 * certificates, SASL PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512 over TLS. Each works end to end, and
 * each refusal is reported by all three as what it is, naming the cluster and the setting to look
 * at (connection-errors.ts reads the libraries' words: this is where those words are pinned).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BROKER_NAME,
  KAFKA_USER,
  type SecureKafka,
  startSecureKafka,
} from '../../../test/support/secure-kafka.js';
import {
  connectKafkaAdmin,
  connectKafkaConsumer,
  connectKafkaProducer,
  ensureTopics,
  type KafkaConnection,
  type KafkaResourceErrorCode,
  type KafkaSaslMechanismName,
} from '../src/index.js';

let kafka: SecureKafka;

beforeAll(async () => {
  kafka = await startSecureKafka();
});

afterAll(async () => {
  await kafka?.stop();
});

const CLUSTER = 'kafka_secure';

function mtls(over: Partial<NonNullable<KafkaConnection['tls']>> = {}): KafkaConnection {
  return {
    cluster: CLUSTER,
    brokers: kafka.ssl,
    tls: {
      ca: kafka.ca.cert,
      cert: kafka.client.cert,
      key: kafka.client.key,
      files: { ca: kafka.ca.certFile, cert: kafka.client.certFile, key: kafka.client.keyFile },
      ...over,
    },
  };
}

function sasl(
  mechanism: KafkaSaslMechanismName,
  password: string = KAFKA_USER.password,
  username: string = KAFKA_USER.name,
): KafkaConnection {
  return {
    cluster: CLUSTER,
    brokers: kafka.saslSsl,
    tls: { ca: kafka.ca.cert, files: { ca: kafka.ca.certFile } },
    sasl: { mechanism, username, password, passwordFile: '/etc/drover/kafka-password' },
  };
}

/** Creates a topic, produces three messages, reads them back: all through `c`. */
async function roundTrip(c: KafkaConnection): Promise<string[]> {
  const topic = `secure-${randomBytes(4).toString('hex')}`;
  const admin = await connectKafkaAdmin({ ...c, connectionTimeoutMs: 10_000 });
  try {
    const [report] = await ensureTopics(admin, [
      { cluster: CLUSTER, name: topic, partitions: 1, replicationFactor: 1 },
    ]);
    expect(report?.state).toBe('created');
  } finally {
    await admin.close();
  }
  const producer = await connectKafkaProducer({ ...c, acks: -1 });
  try {
    await producer.send(topic, [{ value: 'one' }, { value: 'two' }, { value: 'three' }]);
  } finally {
    await producer.close();
  }
  const read: string[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await connectKafkaConsumer({
    ...c,
    groupId: `g-${topic}`,
    topics: [topic],
    fromBeginning: true,
    onMessage: async (m) => {
      read.push(m.value?.toString() ?? '');
      if (read.length === 3) done();
    },
  });
  try {
    await all;
  } finally {
    await consumer.close();
  }
  return read;
}

describe('a secured cluster', () => {
  const working: [string, () => KafkaConnection][] = [
    ['TLS with a client certificate', () => mtls()],
    ['TLS verified against tls.server_name', () => mtls({ serverName: BROKER_NAME })],
    ['SASL PLAIN over TLS', () => sasl('PLAIN')],
    ['SASL SCRAM-SHA-256 over TLS', () => sasl('SCRAM-SHA-256')],
    ['SASL SCRAM-SHA-512 over TLS', () => sasl('SCRAM-SHA-512')],
  ];
  it.each(working)('creates a topic, produces and consumes with %s', async (_what, connection) => {
    expect(await roundTrip(connection())).toEqual(['one', 'two', 'three']);
  });

  const refused: [string, () => KafkaConnection, KafkaResourceErrorCode, RegExp][] = [
    [
      'no client certificate where one is required',
      () => ({ cluster: CLUSTER, brokers: kafka.ssl, tls: { ca: kafka.ca.cert } }),
      'KAFKA_TLS_FAILED',
      /require a client certificate and tls\.cert \/ tls\.key give none/,
    ],
    [
      'a client certificate from a CA the brokers do not trust',
      () =>
        mtls({
          cert: kafka.rogueClient.cert,
          key: kafka.rogueClient.key,
          files: { cert: kafka.rogueClient.certFile },
        }),
      'KAFKA_TLS_FAILED',
      /do not accept the client certificate tls\.cert .*rogue-client\.crt/,
    ],
    [
      'a CA that does not verify the brokers',
      () => mtls({ ca: kafka.rogueCa.cert, files: { ca: kafka.rogueCa.certFile } }),
      'KAFKA_TLS_FAILED',
      /certificate does not verify against tls\.ca .*rogue-ca\.crt/,
    ],
    [
      'a server name the certificate does not carry',
      () => mtls({ serverName: 'wrong.test' }),
      'KAFKA_TLS_FAILED',
      /certificate is not for tls\.server_name wrong\.test/,
    ],
    [
      'no TLS settings for a TLS listener',
      () => ({ cluster: CLUSTER, brokers: kafka.ssl }),
      'KAFKA_TLS_FAILED',
      /listener may expect TLS, and this cluster has no tls settings/,
    ],
    [
      'TLS settings for a plaintext listener',
      () => ({ cluster: CLUSTER, brokers: kafka.plaintext, tls: { ca: kafka.ca.cert } }),
      'KAFKA_TLS_FAILED',
      /no TLS on this listener/,
    ],
    [
      'no SASL settings for a SASL listener',
      () => ({ cluster: CLUSTER, brokers: kafka.saslSsl, tls: { ca: kafka.ca.cert } }),
      'KAFKA_AUTHENTICATION_FAILED',
      /its listener requires SASL authentication and this cluster has no sasl settings \(SSL\)/,
    ],
    [
      'SASL without TLS on a SASL_SSL listener',
      () => {
        const { tls: _tls, ...plain } = sasl('SCRAM-SHA-256');
        return plain;
      },
      'KAFKA_TLS_FAILED',
      /its listener may expect TLS, and this cluster has no tls settings \(SASL_PLAINTEXT\)/,
    ],
    [
      'SASL settings for a listener without SASL',
      () => ({ ...sasl('SCRAM-SHA-256'), brokers: kafka.ssl, tls: mtls().tls }),
      'KAFKA_AUTHENTICATION_FAILED',
      /the listener takes no SASL at all/,
    ],
    [
      'a wrong SCRAM password',
      () => sasl('SCRAM-SHA-512', 'not-the-password'),
      'KAFKA_AUTHENTICATION_FAILED',
      /SASL SCRAM-SHA-512 authentication of user "drover" was refused: wrong user name or password \(password from \/etc\/drover\/kafka-password\)/,
    ],
    [
      'a wrong PLAIN password',
      () => sasl('PLAIN', 'not-the-password'),
      'KAFKA_AUTHENTICATION_FAILED',
      /SASL PLAIN authentication of user "drover" was refused/,
    ],
    [
      'a user the cluster does not know',
      () => sasl('SCRAM-SHA-256', 'whatever', 'nobody'),
      'KAFKA_AUTHENTICATION_FAILED',
      /SASL SCRAM-SHA-256 authentication of user "nobody" was refused/,
    ],
  ];

  const clients: [string, (c: KafkaConnection) => Promise<{ close(): Promise<void> }>][] = [
    ['the topic admin', (c) => connectKafkaAdmin({ ...c, connectionTimeoutMs: 8_000 })],
    ['the producer', (c) => connectKafkaProducer({ ...c, acks: 1 })],
    [
      'the consumer',
      (c) =>
        connectKafkaConsumer({
          ...c,
          groupId: 'refused',
          topics: ['refused'],
          fromBeginning: true,
          onMessage: async () => {},
        }),
    ],
  ];
  describe.each(refused)('with %s', (_what, connection, code, reason) => {
    it.each(clients)('%s says so, naming the cluster', async (_client, connect) => {
      const attempt = connect(connection());
      attempt.then((c) => c.close()).catch(() => {});
      await expect(attempt).rejects.toMatchObject({
        code,
        cluster: CLUSTER,
        message: expect.stringMatching(reason),
      });
      await expect(attempt).rejects.toThrow(`Kafka cluster "${CLUSTER}"`);
    });
  });
});
