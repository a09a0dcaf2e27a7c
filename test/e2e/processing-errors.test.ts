/**
 * Processing errors, end to end (a punchlinectl process, real Kafka):
 *
 *   lumberjack_input -> function (check.mjs, shipped in the channel dir) -+-> good -------> kafka_output
 *                                                                          +-> _ppf_errors -^
 *
 * The function throws for the events marked bad. Those events are still confirmed (the window is
 * ACKed): they reach the errors topic with `_ppf_error_message` naming the error and
 * `_ppf_error_document` equal to the whole event as the input received it (fields its publish
 * does not declare included); the good ones reach the good topic; none crosses over.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import { LumberjackConnection } from '@drover/lumberjack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import { type PunchlineProcess, startPunchline, stopPunchline } from '../support/punchline.js';
import { droverServices } from '../support/services.js';

const WINDOWS = 3;
const PER_WINDOW = 300;

let brokers: readonly string[];
let dir: string;
let ljPort: number;
let pipeline: PunchlineProcess | undefined;
let reader: TopicReader | undefined;
const suffix = uniqueSuffix();
const goodTopic = `e2e-errors-good-${suffix}`;
const errorsTopic = `e2e-errors-errors-${suffix}`;

/** The user's function, as a channel ships it. */
const CHECK_MODULE = `// Throws for bad events; good ones go on, marked.
export default (event, emit) => {
  const id = event.id;
  if (event.fields.log.includes('BAD')) throw new Error('bad event ' + id);
  if (event.fields.log.includes('HALF')) {
    // Normalises the event, then finds it bad after all.
    event.fields.log = event.fields.log.toLowerCase();
    event.fields.normalised = true;
    throw new Error('bad after normalising ' + id);
  }
  emit('good', { ...event, checked: true });
};
`;

const DOC_FIELDS = ['id', 'message', 'fields', 'host', 'tags'];

function pipelineText(port: number): string {
  return `version: "6.0"
name: processing_errors
dag:
  - type: lumberjack_input
    component: lumberjack_in
    settings:
      listen:
        host: 127.0.0.1
        port: ${port}
    publish:
      - stream: logs
        fields: [${DOC_FIELDS.join(', ')}, _ppf_id, _ppf_timestamp]
  - type: function
    component: check
    settings:
      module: check.mjs
    subscribe:
      - component: lumberjack_in
        stream: logs
    publish:
      - stream: good
        fields: [${DOC_FIELDS.join(', ')}, checked, _ppf_id, _ppf_timestamp]
      - stream: _ppf_errors
        fields: [id, _ppf_id, _ppf_timestamp, _ppf_error_message, _ppf_error_document]
  - type: kafka_output
    component: out
    settings:
      cluster: kafka_front
      topics:
        - stream: good
          topic: ${goodTopic}
        - stream: _ppf_errors
          topic: ${errorsTopic}
    subscribe:
      - component: check
        stream: good
      - component: check
        stream: _ppf_errors
settings:
  max.spout.pending: 5000
  message_timeout: 30s
`;
}

type Kind = 'ok' | 'BAD' | 'HALF';
interface Sent {
  readonly kind: Kind;
  readonly doc: {
    id: string;
    message: string;
    fields: { log: string; env: string };
    host: { name: string };
    tags: string[];
    /** Not declared by the input's publish: it travels only in error documents. */
    agent: { type: string; version: string };
  };
}

/** What the pipeline carries of a sent document: its declared fields. */
function declared(doc: Sent['doc']): Record<string, unknown> {
  return Object.fromEntries(DOC_FIELDS.map((f) => [f, doc[f as keyof Sent['doc']]]));
}

const KINDS: readonly Kind[] = ['ok', 'BAD', 'ok', 'HALF'];
const sent: Sent[] = Array.from({ length: WINDOWS * PER_WINDOW }, (_, i) => {
  const kind = KINDS[i % KINDS.length] as Kind;
  const id = `pe-${suffix}-${i}`;
  return {
    kind,
    doc: {
      id,
      message: `event ${i}`,
      fields: { log: `Line ${i} ${kind === 'ok' ? 'fine' : kind}`, env: 'e2e' },
      host: { name: 'collector-1' },
      tags: ['e2e', kind],
      agent: { type: 'filebeat', version: '8.15.0' },
    },
  };
});
const idsOf = (kinds: readonly Kind[]) => sent.filter((s) => kinds.includes(s.kind)).map((s) => s.doc.id);

/** The whole event as lumberjack_input produced it: the document plus the engine's and the peer's fields. */
function asReceived(doc: Sent['doc'], error: Record<string, unknown>): Record<string, unknown> {
  return {
    ...doc,
    _ppf_id: error._ppf_id,
    _ppf_timestamp: error._ppf_timestamp,
    _ppf_local_host: '127.0.0.1',
    _ppf_local_port: ljPort,
    _ppf_remote_host: '127.0.0.1',
    _ppf_remote_port: expect.any(Number),
  };
}

/** The errors-topic messages of the HALF events, for the known-bug check below. */
const halfErrors: Record<string, unknown>[] = [];

beforeAll(async () => {
  brokers = droverServices('kafka').kafka.brokers;
  dir = mkdtempSync(join(tmpdir(), 'drover-errors-'));
  [ljPort = 0] = await freePorts(1);
  writeFileSync(join(dir, 'check.mjs'), CHECK_MODULE);
  writeFileSync(join(dir, 'pipeline.yaml'), pipelineText(ljPort));
  await createTopics(brokers, [goodTopic, errorsTopic]);
  reader = await readTopics(brokers, [goodTopic, errorsTopic]);
  pipeline = await startPunchline({
    name: 'pipeline',
    file: join(dir, 'pipeline.yaml'),
    brokers,
    logFile: join(dir, 'pipeline.log'),
  });
});

afterAll(async () => {
  await stopPunchline(pipeline?.proc);
  await reader?.close();
});

describe('function node errors to _ppf_errors (real process, real Kafka)', () => {
  it('ACKs the windows; good events reach the good topic, failing ones the errors topic with their document', async () => {
    const conn = await LumberjackConnection.connect({
      host: '127.0.0.1',
      port: ljPort,
      ackTimeoutMs: 30_000,
    });
    try {
      for (let w = 0; w < WINDOWS; w++) {
        // Resolves only once the whole window is acknowledged (ACK of its last seq).
        await conn.send(sent.slice(w * PER_WINDOW, (w + 1) * PER_WINDOW).map((s) => s.doc));
      }
    } finally {
      conn.close();
    }
    const r = reader as TopicReader;
    const good = idsOf(['ok']);
    const bad = idsOf(['BAD', 'HALF']);
    await eventually(
      () => r.count(goodTopic) >= good.length && r.count(errorsTopic) >= bad.length,
      60_000,
      `${good.length} good and ${bad.length} error events in Kafka`,
    );

    // Good events: all of them, only them, as the function emitted them.
    const goodMessages = r.json(goodTopic);
    expect(goodMessages.map((m) => String(m.id)).sort()).toEqual([...good].sort());
    const byId = new Map(sent.map((s) => [s.doc.id, s]));
    for (const m of goodMessages) {
      const original = byId.get(String(m.id))?.doc as Sent['doc'];
      expect(m).toEqual({
        ...declared(original),
        checked: true,
        _ppf_id: expect.any(String),
        _ppf_timestamp: expect.any(Number),
      });
    }

    // Failing events: all of them, only them, with the error and the whole event as received.
    const errorMessages = r.json(errorsTopic);
    expect(errorMessages.map((m) => String(m.id)).sort()).toEqual([...bad].sort());
    for (const m of errorMessages) {
      const s = byId.get(String(m.id)) as Sent;
      expect(Object.keys(m).sort()).toEqual(
        ['_ppf_error_document', '_ppf_error_message', '_ppf_id', '_ppf_timestamp', 'id'].sort(),
      );
      expect(m._ppf_error_message).toBe(
        s.kind === 'BAD' ? `bad event ${s.doc.id}` : `bad after normalising ${s.doc.id}`,
      );
      expect(typeof m._ppf_error_document).toBe('string');
      const document = JSON.parse(String(m._ppf_error_document)) as Record<string, unknown>;
      // The same event: the engine's id and timestamp of the error event are the document's.
      expect(document._ppf_id).toBe(m._ppf_id);
      expect(document._ppf_timestamp).toBe(m._ppf_timestamp);
      expect(document.id).toBe(s.doc.id);
      if (s.kind === 'HALF') halfErrors.push(m);
      else expect(document).toEqual(asReceived(s.doc, m));
    }

    // No duplicates, no crossing over (the sorted lists above are exact), and the counters agree.
    const metrics = await (pipeline as PunchlineProcess).metrics();
    const total = WINDOWS * PER_WINDOW;
    expect(metrics).toMatch(
      new RegExp(`punchline_events_acked_total\\{[^}]*component="lumberjack_in"\\} ${total}\\n`),
    );
    expect(metrics).toMatch(/punchline_events_failed_total\{[^}]*component="lumberjack_in"\} 0\n/);
    expect(metrics).toMatch(
      new RegExp(`punchline_events_errors_total\\{[^}]*component="check"\\} ${bad.length}\\n`),
    );
    expect(halfErrors).toHaveLength(idsOf(['HALF']).length);
  });

  // The function gets a deep copy of the event: what it changed inside nested objects before
  // throwing (here `event.fields.log`, `event.fields.normalised`) must not reach the document.
  it('keeps the original document even when the function changed the event before throwing', () => {
    // The data comes from the test above, which asserted all of it but this.
    expect(halfErrors).toHaveLength(idsOf(['HALF']).length);
    for (const m of halfErrors) {
      const original = sent.find((s) => s.doc.id === m.id)?.doc;
      expect(JSON.parse(String(m._ppf_error_document))).toEqual(asReceived(original as Sent['doc'], m));
    }
  });
});
