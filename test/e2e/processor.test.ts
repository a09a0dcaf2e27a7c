/**
 * The processor half, with real processes: punchlinectl runs the shipped processor channel
 * (kafka_input -> dispatch -> grok -> normalize -> postgresql_output + file_output +
 * elasticsearch_output) over 200,000 events in Kafka, is killed with SIGKILL mid-stream and
 * restarted, and PostgreSQL is restarted mid-stream: afterwards every _ppf_id is in the log table
 * exactly once, in the search engine exactly once (daily indices per device type, through the
 * channel's index template resource, ensured first as the controller does), every event is in a complete archive file, and no file left by the SIGKILL
 * looks complete without being so.
 * Then harvest_input takes 20 uploaded files (some still being written), is killed mid-file and
 * restarted: every line is stored once.
 */
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { type PostgresHandle, startPostgres } from '@drover/dev-services';
import { connectKafkaProducer } from '@drover/kafka-resources';
import { connectSearch, ensureIndexTemplates } from '@drover/search';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { createTopics, readTopics, uniqueSuffix } from '../support/kafka.js';
import { receiverEvent } from '../support/log-lines.js';
import {
  type PunchlineProcess,
  processorPipeline,
  startPunchline,
  stopPunchline,
} from '../support/punchline.js';
import { scratchDir } from '../support/scratch.js';
import { countDocuments, searchRequest } from '../support/search.js';
import { droverServices } from '../support/services.js';

const TOTAL = 200_000;
let server: PostgresHandle;
const dir = scratchDir('drover-processor-');
let db: pg.Client;
const running: PunchlineProcess[] = [];

async function connectDb(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.url });
  client.on('error', () => undefined); // broken on purpose when PostgreSQL restarts
  await client.connect();
  return client;
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  try {
    return (await db.query<T>(sql)).rows;
  } catch (err) {
    // PostgreSQL restarted under us: connect again and ask again.
    await db.end().catch(() => undefined);
    db = await connectDb();
    if ((err as { code?: string }).code === '42P01') return []; // table not created yet
    throw err;
  }
}

const rows = async (table: string) =>
  Number(
    (await query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`).catch(() => [{ n: '0' }]))[0]?.n ?? 0,
  );

beforeAll(async () => {
  chmodSync(dir, 0o755); // the cluster runs as the postgres user when we are root
  server = await startPostgres({ dir: join(dir, 'pg') });
  db = await connectDb();
}, 180_000);

afterAll(async () => {
  for (const p of running) if (p.proc.running) p.proc.child.kill('SIGKILL');
  await db?.end().catch(() => undefined);
  await server?.stop();
});

/** Every complete (not .inprogress) archive file under `root`, gunzipped whole. */
function archiveIds(root: string): { ids: Map<string, number>; files: number; inProgress: number } {
  const ids = new Map<string, number>();
  let files = 0;
  let inProgress = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.inprogress')) inProgress++;
      else if (e.name.endsWith('.jsonl.gz')) {
        files++;
        // A complete file is whole: gunzip throws on a torn one.
        for (const line of gunzipSync(readFileSync(path)).toString().split('\n')) {
          if (line === '') continue;
          const id = String((JSON.parse(line) as { _ppf_id: string })._ppf_id);
          ids.set(id, (ids.get(id) ?? 0) + 1);
        }
      }
    }
  };
  if (existsSync(root)) walk(root);
  return { ids, files, inProgress };
}

describe('the processor channel (real Kafka, PostgreSQL and processes)', () => {
  it(`stores ${TOTAL} events exactly once across a processor SIGKILL and a PostgreSQL restart, archives them all, and indexes them`, async () => {
    const { kafka, search } = droverServices('kafka', 'search');
    const suffix = uniqueSuffix();
    const channelDir = join(dir, 'processor');
    const { file, inputTopics, errorsTopic, templates } = processorPipeline(channelDir, {
      postgresUrl: server.url,
      searchUrl: search.nodes[0] as string,
      suffix,
    });
    // The channel's index template, as the controller creates it before placing the processor
    // (present when an earlier run on this node made it).
    const searchClient = connectSearch({ nodes: search.nodes });
    const ensured = await ensureIndexTemplates(searchClient, templates).finally(() => searchClient.close());
    expect(ensured.map((r) => [r.spec.name, r.error ?? r.state])).toEqual([
      ['reftenant-logs', expect.stringMatching(/^(created|present)$/)],
    ]);
    // A loaded broker sometimes answers a new topic's metadata late: creating is idempotent, try again.
    await eventually(
      () =>
        Promise.all([
          createTopics(kafka.brokers, inputTopics, 3),
          createTopics(kafka.brokers, [errorsTopic], 1),
        ]).then(
          () => true,
          () => false,
        ),
      60_000,
      'topics created',
    );
    const producer = await connectKafkaProducer({ brokers: kafka.brokers, acks: 1 });
    const byTopic = new Map<string, { value: string }[]>();
    for (let i = 0; i < TOTAL; i++) {
      const e = receiverEvent(i, suffix);
      const topic = `reftenant-receiver-${e.topic}-${suffix}`;
      const list = byTopic.get(topic) ?? [];
      list.push({ value: JSON.stringify(e.fields) });
      byTopic.set(topic, list);
    }
    for (const [topic, messages] of byTopic) {
      for (let i = 0; i < messages.length; i += 1000) await producer.send(topic, messages.slice(i, i + 1000));
    }
    await producer.close();

    const start = () =>
      startPunchline({
        name: 'processor',
        file,
        brokers: kafka.brokers,
        logFile: join(dir, 'processor.log'),
        identity: { tenant: 'reftenant', channel: 'processor', app: `logs_processor_${suffix}` },
      });
    let processor = await start();
    running.push(processor);
    await eventually(async () => (await rows('logs')) >= TOTAL * 0.3, 180_000, '30% stored');
    await processor.proc.kill('SIGKILL');
    // What the SIGKILL left: files in progress, and complete files that are whole.
    const afterKill = archiveIds(join(channelDir, 'archive'));
    expect(afterKill.inProgress).toBeGreaterThan(0);

    processor = await start();
    running.push(processor);
    await eventually(async () => (await rows('logs')) >= TOTAL * 0.6, 180_000, '60% stored');
    await server.stop();
    await sleep(3000);
    server = await startPostgres({ dir: join(dir, 'pg'), port: server.port });
    await eventually(async () => (await rows('logs')) >= TOTAL, 300_000, `${TOTAL} rows`);
    expect(await stopPunchline(processor.proc, 60_000)).toBe(0);

    const stored = await query<{ n: string; ids: string }>(
      'SELECT count(*) AS n, count(DISTINCT _ppf_id) AS ids FROM logs',
    );
    expect(stored[0]).toEqual({ n: String(TOTAL), ids: String(TOTAL) });
    const expected = new Set(Array.from({ length: TOTAL }, (_, i) => `${suffix}-${i}`));
    const ids = (await query<{ _ppf_id: string }>('SELECT _ppf_id FROM logs')).map((r) => r._ppf_id);
    expect(ids.filter((id) => !expected.has(id))).toEqual([]);

    // Parsed as the channel says: grok captures, tags on what no pattern knows, routing index.
    const sample = await query<Record<string, unknown>>(
      `SELECT _ppf_id, host, program, severity, device_type, fields FROM logs WHERE _ppf_id IN ('${suffix}-0', '${suffix}-4', '${suffix}-6', '${suffix}-15') ORDER BY _ppf_id`,
    );
    const byId = new Map(sample.map((r) => [r._ppf_id, r]));
    const fieldsOf = (i: number) => (byId.get(`${suffix}-${i}`)?.fields ?? {}) as Record<string, unknown>;
    expect(byId.get(`${suffix}-0`)).toMatchObject({
      host: 'front0',
      program: 'sshd',
      severity: 6,
      device_type: 'linux_os',
    });
    expect(fieldsOf(0).grok).toMatchObject({
      ssh_user: 'deploy',
      ssh_method: 'publickey',
    });
    expect(fieldsOf(4).grok).toMatchObject({
      verb: 'GET',
      response: '200',
    });
    expect(fieldsOf(6).tags).toEqual(['_grokparsefailure']);
    expect(byId.get(`${suffix}-15`)).toMatchObject({
      host: 'win1',
      program: 'Security',
      device_type: 'winlogbeat',
    });
    // In the search engine too, once each, in daily indices per device type through the
    // channel's template (its _ppf_id is a keyword there: the shared node keeps other runs' too).
    const node = search.nodes[0] as string;
    const mine = { prefix: { _ppf_id: `${suffix}-` } };
    expect(await countDocuments(node, 'reftenant-*', mine)).toBe(TOTAL);
    expect(await countDocuments(node, 'reftenant-linux_os-*', mine)).toBeGreaterThan(0);
    const mapping = await searchRequest(node, 'GET', '/reftenant-linux_os-*/_mapping');
    expect(JSON.stringify(mapping.body)).toContain('"device_type":{"type":"keyword"}');

    const reader = await readTopics(kafka.brokers, [errorsTopic]);
    await sleep(2000);
    expect(reader.count(errorsTopic)).toBe(0);
    await reader.close();

    // Every event in a complete archive file; none left in progress after the clean stop.
    const archive = archiveIds(join(channelDir, 'archive'));
    expect(archive.inProgress).toBe(0);
    expect([...expected].filter((id) => !archive.ids.has(id))).toEqual([]);
    const duplicates = [...archive.ids.values()].reduce((n, c) => n + c - 1, 0);
    console.log(
      `processor: ${TOTAL} rows, ${archive.files} archive files (${afterKill.inProgress} in progress at the SIGKILL, recovered), ${duplicates} events archived twice (replayed after the SIGKILL)`,
    );
  }, 900_000);
});

describe('harvest_input (real processes)', () => {
  it('stores every line of 20 uploaded files once, across a SIGKILL mid-file', async () => {
    const { kafka } = droverServices('kafka');
    const upload = join(dir, 'upload');
    mkdirSync(upload, { recursive: true });
    const lines = (f: number, n: number) =>
      Array.from({ length: n }, (_, j) => `<13>Nov 23 05:00:00 legacy${f} app: file ${f} line ${j}`);
    // The first file is long enough to be caught in the middle (read at `rate` lines a second).
    const sizes = Array.from({ length: 20 }, (_, f) => (f === 0 ? 6000 : 500 + ((f * 397) % 1500)));
    // 15 files already there; the other 5 arrive while harvest runs, written in pieces.
    for (let f = 0; f < 15; f++)
      writeFileSync(join(upload, `host${f}.log`), `${lines(f, sizes[f] ?? 0).join('\n')}\n`);
    const pipeline = join(dir, 'harvest.yaml');
    writeFileSync(
      pipeline,
      `version: "6.0"
dag:
  - type: harvest_input
    component: uploads
    settings:
      directory: ${upload}
      complete_when: stable
      stable_ms: 1500
      poll_interval_ms: 200
      rate: 3000
      fields: { subsystem: harvest }
    publish:
      - stream: logs
        fields: [log, file, subsystem, _ppf_id, _ppf_timestamp]
  - type: postgresql_output
    component: store
    settings:
      url: ${server.url}
      table: harvested
      columns: { message: log }
    subscribe:
      - component: uploads
        stream: logs
settings:
  max.spout.pending: 2000
`,
    );
    const start = () =>
      startPunchline({
        name: 'harvest',
        file: pipeline,
        brokers: kafka.brokers,
        logFile: join(dir, 'harvest.log'),
      });
    let harvest = await start();
    running.push(harvest);
    const writers = [15, 16, 17, 18, 19].map(async (f) => {
      const all = lines(f, sizes[f] ?? 0);
      for (let i = 0; i < all.length; i += 100) {
        appendFileSync(join(upload, `host${f}.log`), `${all.slice(i, i + 100).join('\n')}\n`);
        await sleep(150);
      }
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    // Killed in the middle of a file: its state has an offset, and not all is stored.
    const state = join(dir, 'uploads.harvest.json');
    await eventually(
      () => {
        if (!existsSync(state)) return false;
        const current = (JSON.parse(readFileSync(state, 'utf8')) as { current: { offset: number } | null })
          .current;
        return current !== null && current.offset > 0;
      },
      120_000,
      'harvest mid-file',
    );
    await harvest.proc.kill('SIGKILL');
    const storedAtKill = await rows('harvested');
    expect(storedAtKill).toBeLessThan(total);
    harvest = await start();
    running.push(harvest);
    await Promise.all(writers);
    await eventually(
      async () => (await rows('harvested')) >= total && readdirSync(join(upload, 'done')).length === 20,
      240_000,
      `${total} lines`,
    );
    expect(await stopPunchline(harvest.proc)).toBe(0);
    const stored = await query<{ n: string; lines: string }>(
      'SELECT count(*) AS n, count(DISTINCT message) AS lines FROM harvested',
    );
    expect(stored[0]).toEqual({ n: String(total), lines: String(total) });
    expect(readdirSync(upload).sort()).toEqual(['done']);
    expect(readdirSync(join(upload, 'done')).length).toBe(20);
    console.log(
      `harvest: 20 files, ${total} lines, ${storedAtKill} stored at the SIGKILL, each line stored once`,
    );
  }, 600_000);
});
