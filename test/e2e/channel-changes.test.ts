/**
 * Changing channels that run, with real processes (controller, runners, punchlinectl receivers),
 * real etcd and Kafka (issue 15):
 *
 * - the channel directory is shipped whole: `command: node`, `args: [worker.js]` runs, with the
 *   modules and binary data it reads; a directory over the size limit is refused, naming both;
 * - the HA receiver pair under Lumberjack traffic: a file neither receiver uses restarts nothing;
 *   a change to one receiver's pipeline restarts that receiver only; a reload restarts both, one
 *   after the other. At every moment at least one receiver accepts connections (a prober connects
 *   to both, round after round) and runs (the status records in etcd, replayed in revision
 *   order), and every event the sender generated reaches Kafka.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ChannelView, StatusRecord } from '@drover/cluster-state';
import { freePorts } from '@drover/dev-services';
import { connectStore, type PrefixWatch, type Store } from '@drover/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, repoRoot, TestCluster } from '../support/cluster.js';
import { readTopics, type TopicReader, uniqueSuffix } from '../support/kafka.js';
import {
  type PunchlineProcess,
  receiverPipeline,
  startPunchline,
  stopPunchline,
} from '../support/punchline.js';
import { droverServices } from '../support/services.js';

let cluster: TestCluster;
let store: Store;
let channelsDir: string;
let brokers: readonly string[];
const started: PunchlineProcess[] = [];
let reader: TopicReader | undefined;
let statusWatch: PrefixWatch | undefined;

beforeAll(async () => {
  const services = droverServices('etcd', 'kafka');
  brokers = services.kafka.brokers;
  cluster = new TestCluster({ etcd: services.etcd.endpoints, kafka: brokers, electionTtl: 2, leaseTtl: 2 });
  store = connectStore({ endpoints: services.etcd.endpoints, prefix: cluster.prefix });
  channelsDir = join(cluster.dir, 'channels');
  await cluster.startController('controller-a');
  const env = {
    // What runners pass on to their pipelines: punchlinectl on the PATH, Kafka clusters by name.
    PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}`,
    DROVER_KAFKA_CLUSTERS: `kafka_front=${brokers.join(',')}`,
  };
  const allow = ['punchlinectl', 'node'];
  await cluster.startRunner('front1', ['centralfront1', 'front'], { allow, env });
  await cluster.startRunner('front2', ['centralfront2', 'front'], { allow, env });
});

afterAll(async () => {
  await statusWatch?.close();
  await Promise.all(started.map((p) => stopPunchline(p.proc)));
  await reader?.close();
  await cluster?.stop();
  store?.close();
});

function instance(v: ChannelView, app: string) {
  const found = v.applications.find((a) => a.name === app)?.instances[0];
  if (found === undefined) throw new Error(`no instance of ${app}`);
  return found;
}

describe('the channel directory is shipped', () => {
  const dir = () => join(channelsDir, 'shiptenant', 'worker');
  const BLOB = Buffer.from([0, 255, 1, 254, 128]);

  it('runs `node worker.js` with the modules and binary data of its directory', async () => {
    mkdirSync(join(dir(), 'lib'), { recursive: true });
    mkdirSync(join(dir(), 'data'), { recursive: true });
    writeFileSync(
      join(dir(), 'channel_structure.yaml'),
      `version: "6.0"
applications:
  - name: worker
    runtime: shiva
    cluster: shiva_front
    shiva_runner_tags: [front]
    command: node
    args: [worker.js]
`,
    );
    writeFileSync(
      join(dir(), 'worker.js'),
      `const { greet } = require('./lib/greet.js');
const blob = require('node:fs').readFileSync('data/blob.bin');
console.log(JSON.stringify({ greeting: greet(), sha: require('node:crypto').createHash('sha256').update(blob).digest('hex') }));
const timer = setInterval(() => {}, 60000);
process.on('SIGTERM', () => clearInterval(timer));
`,
    );
    writeFileSync(
      join(dir(), 'lib', 'greet.js'),
      "exports.greet = () => 'hello from the channel directory';\n",
    );
    writeFileSync(join(dir(), 'data', 'blob.bin'), BLOB);

    const result = await cluster.channelctl([
      '--channels-dir',
      channelsDir,
      'start',
      'shiptenant/worker',
      '--wait',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/worker\s+0\s+front[12]\s+running/);

    const sha = createHash('sha256').update(BLOB).digest('hex');
    const said = async () => {
      const logs = await cluster.channelctl(['--json', 'logs', 'shiptenant/worker/worker', '--tail', '20']);
      return logs.stdout
        .split('\n')
        .filter((l) => l.includes('greeting'))
        .map((l) => JSON.parse((JSON.parse(l) as { msg: string }).msg) as { greeting: string; sha: string });
    };
    await eventually(async () => (await said()).length > 0, 20_000, 'the worker printed its line');
    expect((await said())[0]).toEqual({ greeting: 'hello from the channel directory', sha });
    // It ran once: no crash loop (MODULE_NOT_FOUND used to restart it over and over).
    const view = await cluster.status('shiptenant/worker');
    expect(instance(view, 'worker').restarts).toBe(0);
  });

  it('refuses a channel directory over the size limit, naming its size and the limit', async () => {
    writeFileSync(join(dir(), 'data', 'huge.bin'), Buffer.alloc(1024 * 1024 + 1, 7));
    const result = await cluster.channelctl(['--channels-dir', channelsDir, 'start', 'shiptenant/worker']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /the channel directory holds 1\.0 MiB \(\d+ bytes\), over the limit of 1\.0 MiB \(1048576 bytes\) shipped with a channel; largest files: data\/huge\.bin/,
    );
    const stop = await cluster.channelctl(['stop', 'shiptenant/worker', '--wait']);
    expect(stop.code).toBe(0);
  });
});

/**
 * Tries to connect to each port once per round, both at once, round after round, until stopped.
 * A port accepts when the connection is established; it does not when the connection is
 * refused (nobody listens). No client-side timeout: on a loaded machine that would measure this
 * process's own delays, not the receivers.
 */
class Prober {
  readonly rounds: boolean[][] = [];
  readonly times: number[] = [];
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(ports: readonly number[]) {
    this.#done = (async () => {
      while (!this.#stopped) {
        this.times.push(Date.now());
        this.rounds.push(await Promise.all(ports.map((port) => accepts(port))));
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

describe('rolling changes of the HA receiver pair, under Lumberjack traffic', () => {
  const ref = 'rolltenant/receiver';
  const dir = () => join(channelsDir, 'rolltenant', 'receiver');
  const suffix = uniqueSuffix();
  let ports: number[] = [];
  let topics: string[] = [];
  const statuses: { revision: number; key: string; record: StatusRecord | undefined }[] = [];
  let forwarder: PunchlineProcess | undefined;
  let prober: Prober | undefined;

  const pids = async () => {
    const v = await cluster.status(ref);
    return [instance(v, 'central_receiver1').pid, instance(v, 'central_receiver2').pid];
  };
  const view = () => cluster.status(ref);

  it('starts the pair, each pinned to its host, with merge keys in its structure', async () => {
    ports = await freePorts(2);
    for (const [i, port] of ports.entries()) {
      topics = receiverPipeline(dir(), { port, suffix, file: `logs_receiver${i + 1}.yaml` }).topics;
    }
    const topicResources = topics
      .map(
        (name) =>
          `  - type: kafka_topic\n    cluster: kafka_front\n    name: ${name}\n    partitions: 1\n    replication_factor: 1\n`,
      )
      .join('');
    writeFileSync(
      join(dir(), 'channel_structure.yaml'),
      `version: "6.0"
applications:
  - &receiver
    name: central_receiver1
    runtime: shiva
    cluster: shiva_front
    shiva_runner_tags: [centralfront1]
    command: punchlinectl
    args: [start, --punchline, logs_receiver1.yaml, --childopts, -Xmx96m]
    memory_limit: 256Mi
    resources: [resources/device_to_device_type.json]
    update:
      min_healthy_time: 2s
  - <<: *receiver
    name: central_receiver2
    shiva_runner_tags: [centralfront2]
    args: [start, --punchline, logs_receiver2.yaml, --childopts, -Xmx96m]
resources:
${topicResources}`,
    );
    writeFileSync(join(dir(), 'notes.txt'), 'operator notes\n');
    const result = await cluster.channelctl([
      '--channels-dir',
      channelsDir,
      'start',
      ref,
      '--wait',
      '--timeout',
      '90',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const v = await view();
    expect(instance(v, 'central_receiver1').runner).toBe('front1');
    expect(instance(v, 'central_receiver2').runner).toBe('front2');
    await eventually(
      async () => (await Promise.all(ports.map(accepts))).every(Boolean),
      30_000,
      'both listen',
    );

    // From now on: the status records, the prober, and a sender load-balancing over both.
    statusWatch = store.watchPrefix(store.layout.statuses('rolltenant', 'receiver'), {
      onResync: (snapshot, revision) => {
        for (const e of snapshot) statuses.push({ revision, key: e.key, record: e.value as StatusRecord });
      },
      onEvents: (events) => {
        for (const e of events) {
          statuses.push({
            revision: e.revision,
            key: e.key,
            record: e.type === 'put' ? (e.value as StatusRecord) : undefined,
          });
        }
      },
    });
    await statusWatch.ready;
    prober = new Prober(ports);
    reader = await readTopics(brokers, topics);
    const forwarderDir = join(cluster.dir, 'forwarder');
    mkdirSync(forwarderDir, { recursive: true });
    const shipped = readFileSync(
      join(repoRoot, 'channels', 'reftenant', 'forwarder', 'forwarder.yaml'),
      'utf8',
    );
    const text = shipped
      .replace(/rate: 100[^\n]*/, 'rate: 500')
      .replace(/host: centralfront1(\s+)port: 2002/, `host: 127.0.0.1$1port: ${ports[0]}`)
      .replace(/host: centralfront2(\s+)port: 2002/, `host: 127.0.0.1$1port: ${ports[1]}`);
    expect(text).not.toMatch(/centralfront|rate: 100/);
    writeFileSync(join(forwarderDir, 'forwarder.yaml'), text);
    forwarder = await startPunchline({
      name: 'forwarder',
      file: join(forwarderDir, 'forwarder.yaml'),
      brokers,
      logFile: join(cluster.dir, 'forwarder.log'),
      identity: { tenant: 'rolltenant', channel: 'forwarder', app: 'forwarder' },
    });
    started.push(forwarder);
    await eventually(() => seqs().size > 500, 60_000, 'traffic through both receivers into Kafka');
  });

  const seqs = () => {
    const seen = new Set<number>();
    for (const topic of topics) {
      for (const doc of reader?.json(topic) ?? []) {
        const m = /seq=(\d+)/.exec(String(doc.log));
        if (m !== null) seen.add(Number(m[1]));
      }
    }
    return seen;
  };

  it('restarts nothing for a file no application uses', async () => {
    const before = await pids();
    writeFileSync(join(dir(), 'notes.txt'), 'operator notes, edited\n');
    const result = await cluster.channelctl(['--channels-dir', channelsDir, 'start', ref, '--wait']);
    expect(result.code).toBe(0);
    expect(await pids()).toEqual(before);
    expect((await view()).rollout).toBeNull();
  });

  it('restarts only the receiver whose pipeline changed, and waits for it', async () => {
    const [pid1, pid2] = await pids();
    const file = join(dir(), 'logs_receiver1.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'compression: true',
        'compression: true\n      max_connections: 600',
      ),
    );
    const result = await cluster.channelctl([
      '--channels-dir',
      channelsDir,
      'start',
      ref,
      '--wait',
      '--timeout',
      '90',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const v = await view();
    expect(v.rollout).toMatchObject({
      state: 'complete',
      applications: ['central_receiver1'],
      updated: 1,
      total: 1,
    });
    const [after1, after2] = await pids();
    expect(after1).not.toBe(pid1);
    expect(after2).toBe(pid2);
  });

  it('reloads both, one after the other', async () => {
    const [pid1, pid2] = await pids();
    const result = await cluster.channelctl(['reload', ref, '--wait', '--timeout', '90']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const v = await view();
    expect(v.rollout).toMatchObject({
      state: 'complete',
      applications: ['central_receiver1', 'central_receiver2'],
      updated: 2,
      total: 2,
    });
    const [after1, after2] = await pids();
    expect(after1).not.toBe(pid1);
    expect(after2).not.toBe(pid2);
  });

  it('kept one receiver accepting and running at every moment, and lost no event', async () => {
    await prober?.stop();
    const rounds = prober?.rounds ?? [];
    // The prober saw each receiver down at some point (it can see downtime)...
    expect(rounds.some(([a]) => a === false)).toBe(true);
    expect(rounds.some(([, b]) => b === false)).toBe(true);
    // ...and never both.
    const times = prober?.times ?? [];
    expect(rounds.flatMap(([a, b], i) => (!a && !b ? [new Date(times[i] ?? 0).toISOString()] : []))).toEqual(
      [],
    );

    // The status records in etcd, replayed revision by revision: never both not running.
    const latest = new Map<string, StatusRecord | undefined>();
    const neither: number[] = [];
    for (let i = 0; i < statuses.length; i++) {
      const s = statuses[i] as (typeof statuses)[number];
      latest.set(s.key, s.record);
      if (statuses[i + 1]?.revision === s.revision) continue;
      const running = [...latest.values()].filter((r) => r?.state === 'running').map((r) => r?.app);
      if (running.length === 0) neither.push(s.revision);
    }
    expect(neither).toEqual([]);
    // The processes that ran: receiver1 three (started, changed, reloaded), receiver2 two.
    const pidsOf = (app: string) =>
      new Set(
        statuses.filter((s) => s.record?.app === app && s.record.pid !== null).map((s) => s.record?.pid),
      );
    expect(pidsOf('central_receiver1').size).toBe(3);
    expect(pidsOf('central_receiver2').size).toBe(2);

    // The sender drains cleanly (everything it generated was acknowledged), and it is in Kafka.
    expect(await stopPunchline(forwarder?.proc)).toBe(0);
    let max = -1;
    await eventually(
      () => {
        const seen = seqs();
        max = Math.max(...seen);
        return seen.size === max + 1;
      },
      60_000,
      'every generated line in Kafka, without a gap',
    );
    expect(max).toBeGreaterThan(1000);
  });
});
