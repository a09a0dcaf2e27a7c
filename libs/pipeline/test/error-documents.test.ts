/**
 * An error loses nothing, for every input type: a processing node two steps downstream throws,
 * and the error event's `_ppf_error_document` holds the event as its input produced it, with the
 * fields the input's `publish` does not declare (Kafka JSON fields, constant fields of the line
 * inputs). Real inputs (Kafka against the dev broker, a real file), real engine.
 * (lumberjack_input: test/e2e/processing-errors.test.ts, through a punchlinectl process.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileInputSettings, generatorInputSettings, kafkaInputSettings } from '@drover/channel-model';
import { connectKafkaAdmin, connectKafkaProducer, ensureTopics } from '@drover/kafka-resources';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { droverServices } from '../../../test/support/services.js';
import type { Engine } from '../src/engine.js';
import { FileInput } from '../src/nodes/file-input.js';
import { GeneratorInput } from '../src/nodes/generator-input.js';
import { KafkaInput } from '../src/nodes/kafka-input.js';
import type { Fields, InputNode } from '../src/types.js';
import { TestOutput, testEngine } from './support/nodes.js';

/** input -(only `log` declared)-> normalise -> reject (throws) -> _ppf_errors -> errors */
function errorPipeline(input: InputNode, errors: TestOutput): Engine {
  return testEngine(
    [
      {
        component: 'in',
        impl: input,
        publish: [{ stream: 'logs', fields: ['log', '_ppf_id'] }],
        subscribe: [],
      },
      {
        component: 'normalise',
        impl: {
          kind: 'processing',
          process: (e, emit) => emit('logs', { log: String(e.fields.log).trim() }),
        },
        publish: [{ stream: 'logs', fields: ['log'] }],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      {
        component: 'reject',
        impl: {
          kind: 'processing',
          process: (e) => {
            throw new Error(`cannot parse ${String(e.fields.log)}`);
          },
        },
        publish: [
          { stream: '_ppf_errors', fields: ['_ppf_id', '_ppf_error_message', '_ppf_error_document'] },
        ],
        subscribe: [{ component: 'normalise', stream: 'logs' }],
      },
      {
        component: 'errors',
        impl: errors,
        publish: [],
        subscribe: [{ component: 'reject', stream: '_ppf_errors' }],
      },
    ],
    { maxPending: 100, messageTimeoutMs: 30_000 },
  );
}

const documents = (errors: TestOutput) =>
  errors.fields().map((f) => JSON.parse(String(f._ppf_error_document)) as Fields);

describe('_ppf_error_document holds the whole input event, for every input type', () => {
  it('kafka_input: every field of the JSON message, declared or not, and its original _ppf_id', async () => {
    const { brokers } = droverServices('kafka').kafka;
    const topic = `t-errdoc-${Date.now().toString(36)}`;
    const admin = await connectKafkaAdmin({ brokers });
    await ensureTopics(admin, [{ cluster: 'k', name: topic, partitions: 1, replicationFactor: 1 }]);
    await admin.close();
    const message = {
      log: ' <13>Sep 11 13:56:05 host1 sshd[1]: hello ',
      host: { name: 'host1' },
      log_file: { path: '/var/log/auth.log', offset: 7 },
      _ppf_id: 'from-the-receiver-1',
    };
    const producer = await connectKafkaProducer({ brokers, acks: -1 });
    await producer.send(topic, [{ value: JSON.stringify(message) }]);
    await producer.close();

    const errors = new TestOutput();
    const input = new KafkaInput(
      kafkaInputSettings.parse({ brokers, topic, group_id: `g-${topic}`, start_offset_strategy: 'earliest' }),
      { brokers },
      `g-${topic}`,
      'logs',
    );
    const engine = errorPipeline(input, errors);
    await engine.start();
    await eventually(() => errors.received.length === 1, 30_000, 'the error event');
    await engine.drain(5000);
    expect(errors.fields()[0]?._ppf_error_message).toBe(
      'cannot parse <13>Sep 11 13:56:05 host1 sshd[1]: hello',
    );
    expect(documents(errors)[0]).toEqual({ ...message, _ppf_timestamp: expect.any(Number) });
  });

  it('file_input and generator_input: the constant fields the publish does not declare', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-errdoc-'));
    writeFileSync(join(dir, 'in.log'), 'one\n');
    const fromFile = new TestOutput();
    const file = errorPipeline(
      new FileInput(fileInputSettings.parse({ path: 'in.log', fields: { subsystem: 'files' } }), 'logs', {
        file: join(dir, 'in.log'),
        offsetFile: join(dir, 'in.offset'),
      }),
      fromFile,
    );
    await file.start();
    const generated = new TestOutput();
    const generator = errorPipeline(
      new GeneratorInput(
        generatorInputSettings.parse({ messages: ['line %{seq}'], count: 1, fields: { subsystem: 'gen' } }),
        'logs',
      ),
      generated,
    );
    await generator.start();
    await eventually(() => fromFile.received.length === 1 && generated.received.length === 1, 5000);
    await file.drain(1000);
    await generator.drain(1000);
    expect(documents(fromFile)[0]).toEqual({
      log: 'one',
      subsystem: 'files',
      _ppf_id: expect.any(String),
      _ppf_timestamp: expect.any(Number),
    });
    expect(documents(generated)[0]).toMatchObject({ log: 'line 0', subsystem: 'gen' });
  });
});
