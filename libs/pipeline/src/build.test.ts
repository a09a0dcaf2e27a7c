import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipeline, unwrap } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { quiet } from '../test/support/nodes.js';
import { buildPipeline } from './build.js';
import type { KafkaInput } from './nodes/kafka-input.js';

describe('buildPipeline', () => {
  const text = `version: "6.0"
dag:
  - type: kafka_input
    component: kin
    settings: { cluster: kafka_back, topic: t }
    publish: [{ stream: logs, fields: [log] }]
  - type: kafka_output
    component: kout
    settings: { cluster: kafka_back, topic: u }
    subscribe: [{ component: kin, stream: logs }]
`;

  it('names the default consumer group after the instance and resolves clusters by name', async () => {
    const pipeline = unwrap(parsePipeline(text, { file: 'p.yaml' }));
    const nodes = await buildPipeline(pipeline, {
      baseDir: '.',
      kafkaClusters: { kafka_back: { cluster: 'kafka_back', brokers: ['127.0.0.1:9092'] } },
      logger: quiet,
      identity: { tenant: 'reftenant', channel: 'processor', app: 'p1' },
    });
    expect((nodes[0]?.impl as KafkaInput | undefined)?.groupId).toBe('reftenant.processor.p1.kin');
    expect(nodes.map((n) => n.impl.kind)).toEqual(['input', 'output']);
  });

  it('names an unknown Kafka cluster and the component', async () => {
    const pipeline = unwrap(parsePipeline(text, { file: 'p.yaml' }));
    await expect(buildPipeline(pipeline, { baseDir: '.', kafkaClusters: {}, logger: quiet })).rejects.toThrow(
      'kin: unknown Kafka cluster "kafka_back": declare it under kafka.clusters in the platform file, give --kafka-cluster kafka_back=HOST:PORT, or brokers',
    );
  });

  it('reads certificate files from the channel directory when their paths are relative', async () => {
    const sender = unwrap(
      parsePipeline(
        `version: "6.0"
dag:
  - type: generator_input
    component: gen
    publish: [{ stream: logs, fields: [log] }]
  - type: lumberjack_output
    component: out
    settings:
      destinations: [{ host: 127.0.0.1, port: 2002, ssl: true, ssl_trusted_certificate: certs/ca.pem }]
    subscribe: [{ component: gen, stream: logs }]
`,
        { file: 'p.yaml' },
      ),
    );
    const channelDir = mkdtempSync(join(tmpdir(), 'drover-build-'));
    await expect(
      buildPipeline(sender, { baseDir: channelDir, kafkaClusters: {}, logger: quiet }),
    ).rejects.toThrow(join(channelDir, 'certs', 'ca.pem'));
    mkdirSync(join(channelDir, 'certs'));
    writeFileSync(join(channelDir, 'certs', 'ca.pem'), 'not checked until connecting');
    const nodes = await buildPipeline(sender, { baseDir: channelDir, kafkaClusters: {}, logger: quiet });
    expect(nodes.map((n) => n.impl.kind)).toEqual(['input', 'output']);
  });

  it("checks an elasticsearch_output template file as an index template resource's file is checked", async () => {
    const shipper = unwrap(
      parsePipeline(
        `version: "6.0"
dag:
  - type: generator_input
    component: gen
    publish: [{ stream: logs, fields: [log] }]
  - type: elasticsearch_output
    component: search
    settings:
      hosts: ["http://127.0.0.1:9"]
      index: logs-%Y.%m.%d
      template: { name: logs, file: templates/logs.json }
    subscribe: [{ component: gen, stream: logs }]
    publish: [{ stream: _ppf_errors, fields: [_ppf_error_message, _ppf_error_document] }]
`,
        { file: 'p.yaml' },
      ),
    );
    const channelDir = mkdtempSync(join(tmpdir(), 'drover-build-'));
    mkdirSync(join(channelDir, 'templates'));
    const file = join(channelDir, 'templates', 'logs.json');
    writeFileSync(file, '{\n  "index_pattern": ["logs-*"]\n}\n');
    await expect(
      buildPipeline(shipper, { baseDir: channelDir, kafkaClusters: {}, logger: quiet }),
    ).rejects.toThrow(
      `search: ${file}:1:1: index_patterns: required field is missing; ${file}:2:3: index_pattern: unknown field "index_pattern"`,
    );
    writeFileSync(file, '{"index_patterns": ["logs-*"]}');
    const nodes = await buildPipeline(shipper, { baseDir: channelDir, kafkaClusters: {}, logger: quiet });
    expect(nodes.map((n) => n.impl.kind)).toEqual(['input', 'output']);
    await Promise.all(nodes.map((n) => (n.impl.kind === 'output' ? n.impl.close() : undefined)));
  });
});
