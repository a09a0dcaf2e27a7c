import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureKafkaJars, type KafkaHandle, kafkaReady, startKafka } from '../src/index.js';
import { cacheDir } from '../src/paths.js';

describe('startKafka', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'drover-kafka-'));
  let kafka: KafkaHandle | undefined;

  afterAll(async () => {
    await kafka?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('reuses a complete jar cache without running Maven', async () => {
    await ensureKafkaJars(cacheDir());
    const again = await ensureKafkaJars(cacheDir());
    expect(again.resolved).toBe(false);
    expect(again.jars).toContain('kafka_2.13-3.9.1.jar');
  });

  it('answers metadata, creates topics on request only, and keeps them across a restart', async () => {
    kafka = await startKafka({ dir: root });
    const before = await kafkaReady(kafka.brokers);
    expect(before.brokerIds).toEqual([1]);

    const client = new Kafka({ clientId: 't', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'kept', numPartitions: 2 }] });
      // auto.create.topics.enable=false: asking for an unknown topic must not create it.
      await expect(admin.fetchTopicMetadata({ topics: ['never-created'] })).rejects.toThrow();
      expect(await admin.listTopics()).not.toContain('never-created');
    } finally {
      await admin.disconnect();
    }

    await kafka.stop();
    kafka = await startKafka({ dir: root, port: kafka.port, controllerPort: kafka.controllerPort });
    const after = await kafkaReady(kafka.brokers);
    expect(after.clusterId).toBe(before.clusterId);
    expect(after.topics).toContain('kept');
  });
});
