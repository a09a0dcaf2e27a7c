import type { KafkaAdmin, KafkaAdminOptions, KafkaConnection } from '@drover/kafka-resources';
import { KafkaResourceError } from '@drover/kafka-resources';
import { describe, expect, it } from 'vitest';
import { checkKafkaAccess } from './topics.js';

/** A logger that keeps its records. */
function recordingLogger() {
  const records: { level: string; msg: string; cluster?: string }[] = [];
  const keep = (level: string) => (obj: object, msg: string) => records.push({ level, msg, ...obj });
  return { logger: { info: keep('info'), warn: keep('warn') }, records };
}

const admin: KafkaAdmin = {
  describeTopics: async () => new Map(),
  createTopic: async () => {},
  close: async () => {},
} as unknown as KafkaAdmin;

const clusters: Record<string, KafkaConnection> = {
  plain: { cluster: 'plain', brokers: ['p:9092'] },
  secure: {
    cluster: 'secure',
    brokers: ['s:9093'],
    tls: {},
    sasl: { mechanism: 'SCRAM-SHA-512', username: 'drover', password: 'x' },
  },
};

describe('checkKafkaAccess', () => {
  it('connects once to each cluster with TLS or SASL, and to no plaintext one', async () => {
    const asked: string[] = [];
    const { logger } = recordingLogger();
    await checkKafkaAccess(clusters, logger, async (o: KafkaAdminOptions) => {
      asked.push(o.cluster ?? '?');
      return admin;
    });
    expect(asked).toEqual(['secure']);
  });

  it('throws what the cluster refused: the controller stops at start', async () => {
    const refused = new KafkaResourceError('KAFKA_AUTHENTICATION_FAILED', 'Kafka cluster "secure": refused', {
      cluster: 'secure',
    });
    const { logger } = recordingLogger();
    await expect(
      checkKafkaAccess(clusters, logger, async () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
  });

  it('only logs a cluster that does not answer', async () => {
    const { logger, records } = recordingLogger();
    await checkKafkaAccess(clusters, logger, async () => {
      throw new KafkaResourceError('KAFKA_UNREACHABLE', 'cannot reach Kafka cluster "secure"', {
        cluster: 'secure',
      });
    });
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        cluster: 'secure',
        msg: expect.stringMatching(/did not answer at start/),
      }),
    );
  });
});
