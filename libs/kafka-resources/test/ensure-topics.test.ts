import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { droverServices } from '../../../test/support/services.js';
import { connectKafkaAdmin, ensureTopics, type KafkaAdmin, type TopicSpec } from '../src/index.js';

const { Kafka, logLevel, Partitioners, ConfigResourceTypes } = kafkajs;

const run = randomBytes(4).toString('hex');
const unique = (name: string): string => `${name}-${run}-${randomBytes(2).toString('hex')}`;
const spec = (name: string, extra: Partial<TopicSpec> = {}): TopicSpec => ({
  cluster: 'kafka_front',
  name,
  partitions: 3,
  replicationFactor: 1,
  ...extra,
});

let brokers: string[];
let admin: KafkaAdmin;
/** The raw client: test-side setup and an independent look at what the adapter did. */
let kafka: InstanceType<typeof Kafka>;
let raw: Admin;

beforeAll(async () => {
  brokers = droverServices('kafka').kafka.brokers;
  admin = await connectKafkaAdmin({ brokers, clientId: 'kafka-resources-test' });
  kafka = new Kafka({ clientId: 'kafka-resources-test-raw', brokers, logLevel: logLevel.NOTHING });
  raw = kafka.admin();
  await raw.connect();
});

afterAll(async () => {
  await admin?.close();
  await raw?.disconnect();
});

async function partitionCount(topic: string): Promise<number> {
  const { topics } = await raw.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.length ?? 0;
}

async function createRaw(
  topic: string,
  numPartitions: number,
  configEntries: { name: string; value: string }[] = [],
) {
  await raw.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions, replicationFactor: 1, configEntries }],
  });
}

describe('ensureTopics against a real broker', () => {
  it('creates missing topics with the declared partitions and replication factor', async () => {
    const specs = [
      spec(unique('reftenant-receiver-apache')),
      spec(unique('reftenant-receiver-unknown'), { partitions: 1 }),
    ];
    const reports = await ensureTopics(admin, specs);

    // The error, if any, is in the comparison: a failure says why.
    expect(
      reports.map((r) => [r.state, r.observed?.partitions, r.observed?.replicationFactor, r.error]),
    ).toEqual([
      ['created', 3, 1, undefined],
      ['created', 1, 1, undefined],
    ]);
    const described = await admin.describeTopics(specs.map((s) => ({ name: s.name })));
    expect(described.get(specs[0]?.name ?? '')).toMatchObject({
      partitions: 3,
      replicationFactor: 1,
      leaderlessPartitions: [],
    });

    // A created partition takes writes straight away: its leader is up.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const [ack] = await producer.send({
        topic: specs[0]?.name ?? '',
        acks: -1,
        messages: [{ partition: 2, value: 'hello' }],
      });
      expect(ack).toMatchObject({ partition: 2, errorCode: 0, baseOffset: '0' });
    } finally {
      await producer.disconnect();
    }
  });

  it('reports present and creates nothing when run a second time', async () => {
    const specs = [
      spec(unique('idem-a')),
      spec(unique('idem-b'), {
        partitions: 1,
        config: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' },
      }),
    ];
    expect((await ensureTopics(admin, specs)).map((r) => r.state)).toEqual(['created', 'created']);
    const before = await raw.listTopics();

    const second = await ensureTopics(admin, specs);
    expect(second.map((r) => [r.state, r.error])).toEqual([
      ['present', undefined],
      ['present', undefined],
    ]);
    expect(second[1]?.observed?.config).toEqual({ 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
    expect((await raw.listTopics()).sort()).toEqual(before.sort());
  });

  it('passes the declared config at creation', async () => {
    const name = unique('with-config');
    await ensureTopics(admin, [spec(name, { partitions: 1, config: { 'retention.ms': '3600000' } })]);
    const { resources } = await raw.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
    });
    expect(resources[0]?.configEntries.map((e) => [e.configName, e.configValue])).toEqual([
      ['retention.ms', '3600000'],
    ]);
  });

  it('reports an existing topic with fewer partitions as a mismatch and leaves it alone', async () => {
    const name = unique('fewer');
    await createRaw(name, 1);
    const [report] = await ensureTopics(admin, [spec(name)]);
    expect(report?.state).toBe('mismatch');
    expect(report?.error).toBe(
      `topic ${name}: 3 partitions declared, 1 found (Drover never deletes or shrinks topics; alter or delete it by hand)`,
    );
    expect(await partitionCount(name)).toBe(1);
  });

  it('reports replication factor 2 declared on an existing factor-1 topic as a mismatch', async () => {
    const name = unique('rf');
    await createRaw(name, 3);
    const [report] = await ensureTopics(admin, [spec(name, { replicationFactor: 2 })]);
    expect(report).toMatchObject({ state: 'mismatch', observed: { partitions: 3, replicationFactor: 1 } });
    expect(report?.error).toContain('replication factor 2 declared, 1 found');
  });

  it('reports a declared config value that differs from the topic as a mismatch', async () => {
    const name = unique('retention');
    await createRaw(name, 1, [{ name: 'retention.ms', value: '604800000' }]);
    const [report] = await ensureTopics(admin, [
      spec(name, { partitions: 1, config: { 'retention.ms': '3600000' } }),
    ]);
    expect(report?.state).toBe('mismatch');
    expect(report?.error).toContain('retention.ms=3600000 declared, retention.ms=604800000 found');
    const { resources } = await raw.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
    });
    expect(resources[0]?.configEntries[0]?.configValue).toBe('604800000');
  });

  it('reports replication factor 3 on one broker as an error and still creates the other topics', async () => {
    const [before, bad, after] = [unique('ok-1'), unique('rf3'), unique('ok-2')];
    const reports = await ensureTopics(admin, [
      spec(before),
      spec(bad, { replicationFactor: 3 }),
      spec(after, { partitions: 1 }),
    ]);
    expect(reports.map((r) => r.state)).toEqual(['created', 'error', 'created']);
    expect(reports[1]?.error).toBe(
      `cannot create topic ${bad}: replication factor 3 exceeds the 1 available broker(s)`,
    );
    const topics = await raw.listTopics();
    expect(topics).toEqual(expect.arrayContaining([before, after]));
    expect(topics).not.toContain(bad);
  });
});
