import type { KafkaAdmin, KafkaAdminOptions, KafkaConnection } from '@drover/kafka-resources';
import { KafkaResourceError } from '@drover/kafka-resources';
import { describe, expect, it } from 'vitest';
import type { ResourceWork } from './plan.js';
import { checkKafkaAccess, kafkaEnsurer } from './topics.js';

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

describe('kafkaEnsurer', () => {
  const work: ResourceWork[] = [
    {
      key: 'resources/reftenant/receiver/logs',
      tenant: 'reftenant',
      channel: 'receiver',
      resource: { type: 'kafka_topic', cluster: 'plain', name: 'logs', partitions: 2, replication_factor: 1 },
      declaration: 'd',
      current: undefined,
    },
  ];
  const logger = {
    info: () => {},
    warn: () => {},
    error: () => {},
    debug: () => {},
    child: () => logger,
  } as unknown as Parameters<typeof kafkaEnsurer>[1];

  /** An admin whose topic "logs" is there as declared; counts its closes. */
  function fakeAdmin(describe?: () => Promise<void>) {
    const state = { closes: 0 };
    const a: KafkaAdmin = {
      describeTopics: async () => {
        await describe?.();
        return new Map([
          ['logs', { name: 'logs', partitions: 2, replicationFactor: 1, leaderlessPartitions: [] }],
        ]);
      },
      createTopic: async () => {},
      close: async () => {
        state.closes++;
      },
    };
    return { admin: a, state };
  }

  it('connects for each pass and closes its client after it, whether the pass worked or failed', async () => {
    const made: ReturnType<typeof fakeAdmin>[] = [];
    const ensurer = kafkaEnsurer(clusters, logger, async () => {
      const f =
        made.length < 2
          ? fakeAdmin()
          : fakeAdmin(async () => {
              throw new KafkaResourceError('KAFKA_UNREACHABLE', 'cannot reach Kafka cluster "plain"', {
                cluster: 'plain',
              });
            });
      made.push(f);
      return f.admin;
    });
    expect(await ensurer.ensure('plain', work)).toEqual([{ state: 'present', error: undefined }]);
    expect(await ensurer.ensure('plain', work)).toEqual([{ state: 'present', error: undefined }]);
    expect(await ensurer.ensure('plain', work)).toEqual([
      { state: 'error', error: 'cannot reach Kafka cluster "plain"' },
    ]);
    expect(made.map((f) => f.state.closes)).toEqual([1, 1, 1]);
  });

  it('close() closes the client of a pass in flight, and the pass does not close it again', async () => {
    let release: () => void = () => {};
    const f = fakeAdmin(() => new Promise<void>((r) => (release = r)));
    const ensurer = kafkaEnsurer(clusters, logger, async () => f.admin);
    const pass = ensurer.ensure('plain', work);
    await new Promise((r) => setImmediate(r));
    await ensurer.close?.();
    expect(f.state.closes).toBe(1);
    release();
    await pass;
    expect(f.state.closes).toBe(1);
  });

  it('names an unknown cluster and connects to nothing', async () => {
    let connects = 0;
    const ensurer = kafkaEnsurer(clusters, logger, async () => {
      connects++;
      return fakeAdmin().admin;
    });
    await expect(ensurer.ensure('nowhere', work)).rejects.toThrow(/unknown Kafka cluster "nowhere"/);
    expect(connects).toBe(0);
  });
});
