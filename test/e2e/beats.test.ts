/**
 * Beats senders, unmodified, into the shipped receiver (a punchlinectl process, real Kafka):
 * Filebeat- and Winlogbeat-shaped events sent by Elastic's own Lumberjack client (go-lumber, as
 * Filebeat's output.logstash uses it: test/support/beats-sender) land in the right topics, every
 * event whole in `beat`: Filebeat syslog lines through the syslog path by device type, Winlogbeat
 * events in the winlogbeat topic, other Filebeat lines (JSON, text) in the unknown topic. Then the
 * same events made to fail (the receiver with a function that throws in place of its first
 * dispatch) land in the errors topic, each `_ppf_error_document` holding the whole Beats event.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { filebeatEvent, winlogbeatLogon } from '../support/beats-events.js';
import { beatsSender, sendAsBeats } from '../support/beats-sender.js';
import { eventually } from '../support/cluster.js';
import { createTopics, readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import {
  type PunchlineProcess,
  receiverPipeline,
  startPunchline,
  stopPunchline,
} from '../support/punchline.js';
import { droverServices } from '../support/services.js';

const APPS = ['sshd', 'sudo', 'postfix/smtpd'];
const filebeatSyslog = Array.from({ length: 150 }, (_, i) => {
  const app = APPS[i % APPS.length] as string;
  return filebeatEvent(
    `Nov 29 20:31:${String(i % 60).padStart(2, '0')} web-01 ${app}[${4000 + i}]: event seq=${i}`,
    {
      path: app === 'postfix/smtpd' ? '/var/log/mail.log' : '/var/log/auth.log',
      offset: i * 120,
    },
  );
});
// Lines that name no host (an app logging through journald to a file): the Beat's host.name is used.
const filebeatHostless = Array.from({ length: 10 }, (_, i) =>
  filebeatEvent(`Nov 29 20:32:${String(i).padStart(2, '0')} sshd[${5000 + i}]: hostless seq=${i}`, {
    path: '/var/log/auth.log',
    offset: i * 90,
    host: 'app-07',
  }),
);
const filebeatOther = [
  filebeatEvent('{"level":"info","msg":"listening","port":8080}', {
    path: '/srv/app/app.json.log',
    offset: 0,
  }),
  filebeatEvent('2026-11-29 20:31:02,123 INFO [main] app started in 1.2 s', {
    path: '/srv/app/app.log',
    offset: 0,
  }),
];
const winlogbeat = Array.from({ length: 50 }, (_, i) => winlogbeatLogon(1_063_000 + i, `user${i}`));
const all = [...filebeatSyslog, ...filebeatHostless, ...filebeatOther, ...winlogbeat];

/** An event as comparable text: JSON with its keys sorted (the Go client re-encodes objects in key order). */
function keyOf(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(sorted(value));
}

/** Whether `received` holds exactly the events sent (each once, each whole); names what differs. */
function sameEvents(received: readonly unknown[], sent: readonly unknown[]): string {
  const want = new Map<string, number>();
  for (const e of sent) want.set(keyOf(e), (want.get(keyOf(e)) ?? 0) + 1);
  let extra = 0;
  for (const e of received) {
    const k = keyOf(e);
    const n = want.get(k) ?? 0;
    if (n === 0) extra++;
    else want.set(k, n - 1);
  }
  const missing = [...want.values()].reduce((a, n) => a + n, 0);
  return missing === 0 && extra === 0 ? 'same' : `${missing} missing, ${extra} unexpected or changed`;
}

let brokers: readonly string[];
let pipeline: PunchlineProcess | undefined;
let reader: TopicReader | undefined;

beforeAll(async () => {
  brokers = droverServices('kafka').kafka.brokers;
  await beatsSender(); // built once (Go), before any timing matters
});

afterEach(async () => {
  await stopPunchline(pipeline?.proc);
  pipeline = undefined;
  await reader?.close();
  reader = undefined;
});

async function startReceiver(variant?: (dag: Record<string, unknown>[], dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'drover-beats-'));
  const [port = 0] = await freePorts(1);
  const suffix = uniqueSuffix();
  const { file, topics } = receiverPipeline(dir, { port, suffix });
  if (variant !== undefined) {
    const doc = parse(readFileSync(file, 'utf8')) as { dag: Record<string, unknown>[] };
    variant(doc.dag, dir);
    writeFileSync(file, stringify(doc));
  }
  const unique = [...new Set(topics)];
  await createTopics(brokers, unique);
  reader = await readTopics(brokers, unique);
  pipeline = await startPunchline({ name: 'receiver', file, brokers, logFile: join(dir, 'receiver.log') });
  const topic = (name: string) => unique.find((t) => t.startsWith(`reftenant-receiver-${name}-`)) ?? '';
  return { dir, port, topic };
}

describe('Beats senders into the shipped receiver (go-lumber client, punchlinectl, real Kafka)', () => {
  it('routes Filebeat and Winlogbeat events to their topics, each event whole', async () => {
    const { dir, port, topic } = await startReceiver();
    const sent = await sendAsBeats(all, { port, file: join(dir, 'events.ndjson'), window: 64 });
    expect(sent).toMatchObject({ events: all.length, retries: 0 });
    const r = reader as TopicReader;
    const [linux, unknown, windows, errors] = ['linux-os', 'unknown', 'winlogbeat', 'switch-errors'].map(
      topic,
    );
    const linuxCount =
      filebeatSyslog.filter((_, i) => APPS[i % APPS.length] !== 'postfix/smtpd').length +
      filebeatHostless.length;
    await eventually(
      () =>
        r.count(linux as string) >= linuxCount &&
        r.count(windows as string) >= winlogbeat.length &&
        r.count(unknown as string) >= all.length - linuxCount - winlogbeat.length,
      60_000,
      'every event in its topic',
    );

    const linuxMessages = r.json(linux as string);
    expect(linuxMessages).toHaveLength(linuxCount);
    for (const m of linuxMessages) {
      const beat = m.beat as ReturnType<typeof filebeatEvent>;
      expect(m).toMatchObject({ log_format: 'filebeat', device_type: 'linux_os', raw_log: beat.message });
      expect(m.log).toBe(beat.message.replace(/^.*?\]: /, ''));
      expect(m.syslog).toMatchObject({ app_name: expect.stringMatching(/^(sshd|sudo)$/) });
      // The host from the line, or from the Beat when the line names none.
      expect(m.syslog).toMatchObject(
        beat.host.name === 'app-07'
          ? { host: 'app-07', host_source: 'beat.host.name' }
          : { host: 'web-01', host_source: 'header' },
      );
    }
    expect(linuxMessages.filter((m) => (m.syslog as { host: string }).host === 'app-07')).toHaveLength(10);
    const unknownMessages = r.json(unknown as string);
    expect(unknownMessages.filter((m) => m.device_type === 'unknown').map((m) => m.syslog)).toEqual(
      filebeatSyslog
        .filter((_, i) => APPS[i % APPS.length] === 'postfix/smtpd')
        .map(() => expect.objectContaining({ app_name: 'postfix/smtpd' })),
    );
    expect(
      unknownMessages
        .filter((m) => m.device_type === undefined)
        .map((m) => m.log)
        .sort(),
    ).toEqual(filebeatOther.map((e) => e.message).sort());
    const windowsMessages = r.json(windows as string);
    expect(windowsMessages.every((m) => m.log_format === 'winlogbeat')).toBe(true);

    // Whole: every event sent is in exactly one topic, equal to what the Beat sent.
    const received = [...linuxMessages, ...unknownMessages, ...windowsMessages].map((m) => m.beat);
    expect(sameEvents(received, all)).toBe('same');
    expect(r.count(errors as string)).toBe(0);
  });

  it('sends the same events, made to fail, to the errors topic with each Beats event whole', async () => {
    const { dir, port, topic } = await startReceiver((dag, at) => {
      // The first dispatch replaced by a function that throws for every event.
      writeFileSync(
        join(at, 'reject.mjs'),
        "export default () => { throw new Error('rejected by the test'); };\n",
      );
      const dispatch = dag.find((n) => n.component === 'log_format_dispatcher') as Record<string, unknown>;
      dispatch.type = 'function';
      dispatch.settings = { module: 'reject.mjs' };
      (dispatch.publish as unknown[]).push({
        stream: '_ppf_errors',
        fields: ['_ppf_id', '_ppf_timestamp', '_ppf_error_message', '_ppf_error_document'],
      });
      const output = dag.find((n) => n.type === 'kafka_output') as { subscribe: unknown[] };
      output.subscribe.push({ component: 'log_format_dispatcher', stream: '_ppf_errors' });
    });
    await sendAsBeats(all, { port, file: join(dir, 'events.ndjson'), window: 64 });
    const r = reader as TopicReader;
    const errors = topic('switch-errors');
    await eventually(() => r.count(errors) >= all.length, 60_000, 'every event in the errors topic');
    const messages = r.json(errors);
    expect(messages).toHaveLength(all.length);
    const documents = messages.map((m) => {
      expect(m._ppf_error_message).toBe('rejected by the test');
      const document = JSON.parse(String(m._ppf_error_document)) as Record<string, unknown>;
      expect(document).toMatchObject({
        log_format: (document.beat as { '@metadata': { beat: string } })['@metadata'].beat,
        _ppf_id: m._ppf_id,
        _ppf_remote_host: '127.0.0.1',
      });
      return document.beat;
    });
    expect(sameEvents(documents, all)).toBe('same');
  });
});
