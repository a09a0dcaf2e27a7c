/**
 * Exactly once in the index, end to end: 200,000 events in Kafka, a punchlinectl process running
 * kafka_input -> elasticsearch_output (_ppf_errors -> kafka_output) into a real OpenSearch node of
 * the test's own. Mid-stream the processor is killed with SIGKILL (and started again: it resumes
 * from the last committed offsets, replaying what was not confirmed), then the search node is
 * stopped and started again on its data. Every `_ppf_id` must be in the index exactly once
 * (`_count` of documents whose `_id` is the `_ppf_id`), and every event whose field conflicts with
 * the mapping must be in the errors topic with the engine's reason.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SearchHandle, startSearch } from '@drover/dev-services';
import { connectKafkaProducer } from '@drover/kafka-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { createTopics, readTopics, uniqueSuffix } from '../support/kafka.js';
import { type PunchlineProcess, startPunchline, stopPunchline } from '../support/punchline.js';
import { countDocuments, searchRequest } from '../support/search.js';
import { droverServices } from '../support/services.js';

const TOTAL = 200_000;
/** Every CONFLICT_EVERY-th event carries a string where the mapping wants a long. */
const CONFLICT_EVERY = 1000;
const CONFLICTS = TOTAL / CONFLICT_EVERY;

let dir: string;
let search: SearchHandle | undefined;
let processor: PunchlineProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'drover-es-'));
  chmodSync(dir, 0o755); // the search node runs as nobody under root
  // A node of its own: this test restarts it.
  search = await startSearch({ dir: join(dir, 'search') });
});

afterAll(async () => {
  await stopPunchline(processor?.proc);
  await search?.stop();
  // The node's data is a few hundred MB; its log and the shipper's stay when the test failed.
  if (passed) rmSync(dir, { recursive: true, force: true });
});

let passed = false;

function pipelineFile(
  topic: string,
  errorsTopic: string,
  node: string,
  prefix: string,
  group: string,
): string {
  const file = join(dir, 'es_shipper.yaml');
  writeFileSync(
    file,
    `version: "6.0"
tenant: reftenant
channel: es
name: es_shipper
dag:
  - type: kafka_input
    component: kafka_in
    settings:
      cluster: kafka_front
      topic: ${topic}
      group_id: ${group}
      start_offset_strategy: earliest
    publish:
      - stream: logs
        fields: [log, device_type, n, _ppf_id, _ppf_timestamp]
  - type: elasticsearch_output
    component: es
    settings:
      hosts: ["${node}"]
      index: "${prefix}-{device_type}-%Y.%m.%d"
      batch_size: 1000
      max_in_flight: 2
      retry_max_ms: 2000
    subscribe:
      - {component: kafka_in, stream: logs}
    publish:
      - stream: _ppf_errors
        fields: [_ppf_id, _ppf_error_message, _ppf_error_document]
  - type: kafka_output
    component: errors_out
    settings:
      cluster: kafka_front
      topic: ${errorsTopic}
    subscribe:
      - {component: es, stream: _ppf_errors}
settings:
  max.spout.pending: 5000
  message_timeout: 30s
`,
  );
  return file;
}

describe('Kafka -> elasticsearch_output -> OpenSearch', () => {
  // ~1 min alone on 2 cores; the timeout is a safety net for a machine shared with other work.
  it('stores 200,000 events exactly once across a processor SIGKILL and a search node restart', {
    timeout: 900_000,
  }, async () => {
    const { brokers } = droverServices('kafka').kafka;
    const node = search?.endpoints[0] as string;
    const suffix = uniqueSuffix();
    const topic = `es-in-${suffix}`;
    const errorsTopic = `es-errors-${suffix}`;
    const prefix = `e2e-${suffix}`;
    await createTopics(brokers, [topic], 3);
    await createTopics(brokers, [errorsTopic]);
    const template = await searchRequest(node, 'PUT', `/_index_template/${prefix}`, {
      index_patterns: [`${prefix}-*`],
      template: {
        settings: { refresh_interval: '5s' },
        mappings: { properties: { n: { type: 'long' }, device_type: { type: 'keyword' } } },
      },
    });
    expect(template.status).toBe(200);

    const day = Date.UTC(2026, 10, 29, 10);
    const producer = await connectKafkaProducer({ brokers, acks: -1 });
    const conflicting = new Set<string>();
    for (let start = 0; start < TOTAL; start += 5000) {
      const messages = [];
      for (let i = start; i < start + 5000; i++) {
        const id = `ev-${i}`;
        const conflict = i % CONFLICT_EVERY === 500;
        if (conflict) conflicting.add(id);
        messages.push({
          value: JSON.stringify({
            log: `<86>Nov 29 10:00:00 host sshd[42]: event ${i}`,
            device_type: ['linux', 'apache', 'windows'][i % 3],
            n: conflict ? `not a number ${i}` : i,
            _ppf_id: id,
            _ppf_timestamp: day + (i % 2) * 86_400_000,
          }),
        });
      }
      await producer.send(topic, messages);
    }
    await producer.close();

    const file = pipelineFile(topic, errorsTopic, node, prefix, `es-${suffix}`);
    const start = () =>
      startPunchline({ name: 'es-shipper', file, brokers, logFile: join(dir, 'es-shipper.log') });
    const indexed = () => countDocuments(node, `${prefix}-*`);
    /** A progress poll: at most twice a second, without forcing a refresh. */
    const reached = (count: number) => async () => {
      await sleep(500);
      return (
        (await countDocuments(node, `${prefix}-*`, undefined, { refresh: false }).catch(() => 0)) >= count
      );
    };
    processor = await start();

    await eventually(reached(50_000), 600_000, '50,000 documents indexed');
    processor.proc.child.kill('SIGKILL');
    await processor.proc.exited;
    processor = await start();

    await eventually(reached(110_000), 600_000, '110,000 documents indexed');
    const { port, transportPort } = search as SearchHandle;
    await search?.stop();
    // Recovering the indices from the translog takes a while on a busy machine.
    search = await startSearch({
      dir: join(dir, 'search'),
      httpPort: port,
      transportPort,
      keepData: true,
      startTimeoutMs: 600_000,
    });

    const expected = TOTAL - CONFLICTS;
    await eventually(reached(expected), 600_000, `${expected} documents indexed`);
    const errors = await readTopics(brokers, [errorsTopic]);
    try {
      await eventually(
        () => new Set(errors.json(errorsTopic).map((e) => e._ppf_id)).size >= CONFLICTS,
        60_000,
        `${CONFLICTS} conflicts in the errors topic`,
      );
      expect(await stopPunchline(processor.proc)).toBe(0);
      processor = undefined;

      // Ids are _ids: the count is of distinct ids; all of them there means each exactly once.
      expect(await indexed()).toBe(expected);
      const ids = await searchRequest(node, 'POST', `/${prefix}-*/_search`, {
        size: 0,
        query: { ids: { values: ['ev-0', 'ev-1', 'ev-99999', 'ev-199999', 'ev-500'] } },
      });
      expect((ids.body.hits as { total: { value: number } }).total.value).toBe(4); // ev-500 conflicts
      for (const day of ['2026.11.29', '2026.11.30']) {
        expect(await countDocuments(node, `${prefix}-linux-${day}`)).toBeGreaterThan(30_000);
      }

      const reported = errors.json(errorsTopic);
      expect(new Set(reported.map((e) => e._ppf_id))).toEqual(conflicting);
      const one = reported.find((e) => e._ppf_id === 'ev-500') as Record<string, unknown>;
      expect(one._ppf_error_message).toMatch(
        /^elasticsearch_output: 400 mapper_parsing_exception: failed to parse field \[n\] of type \[long\]/,
      );
      expect(JSON.parse(one._ppf_error_document as string)).toMatchObject({ n: 'not a number 500' });
      passed = true;
    } finally {
      await errors.close();
    }
  });
});
