/**
 * Kafka as a real platform runs it (issue 20): a broker of the test's own with a TLS listener that
 * requires client certificates and a SASL_SSL listener (SCRAM users made by the broker's own
 * tooling, certificates by openssl: test/support/secure-kafka.ts), named in a platform file with
 * relative paths to its files:
 *
 * - a controller and a runner started with that file: the channel's topics are created on both
 *   clusters (SASL SCRAM-SHA-512 and mutual TLS), and its pipeline (punchlinectl under the runner,
 *   which hands it the platform file) reads one and writes the other;
 * - what can never work stops the process at start, naming the cluster: punchlinectl with a wrong
 *   password (its kafka_output), the controller with a client certificate the brokers refuse;
 * - a password rotated on the cluster while a pipeline runs (its producer must authenticate again
 *   within the broker's session lifetime) makes kafka_output stop confirming: nothing is committed
 *   past the last delivered event, the pipeline says why, and once the password is back every
 *   event arrives.
 *
 * Etcd is the shared dev one; only Kafka is the test's own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelView } from '@drover/cluster-state';
import { setKafkaScramUser } from '@drover/dev-services';
import {
  connectKafkaAdmin,
  connectKafkaProducer,
  ensureTopics,
  type KafkaConnection,
} from '@drover/kafka-resources';
import { ExitCode } from '@drover/platform';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, Proc, repoRoot, TestCluster } from '../support/cluster.js';
import { readTopics, uniqueSuffix } from '../support/kafka.js';
import {
  type PunchlineProcess,
  punchlinectlBin,
  startPunchline,
  stopPunchline,
} from '../support/punchline.js';
import { BROKER_NAME, KAFKA_USER, type SecureKafka, startSecureKafka } from '../support/secure-kafka.js';
import { droverServices } from '../support/services.js';

/**
 * How long a SASL session lasts before the broker wants the client to log in again (KIP-368):
 * short, so that a rotated password reaches a running pipeline within seconds, but above kafkajs's
 * reauthentication threshold (10 s: with a shorter session it logs in again on every request and
 * the broker refuses it, "Request is not valid given the current SASL state").
 */
const REAUTH_MS = 12_000;
/** One trickle event this often while waiting for the refused login (a few dozen per session). */
const TRICKLE_PACE_MS = 250;
/** Only the variant the platform file uses: each kafka-configs run is a JVM start. */
const SCRAM = { mechanisms: ['SCRAM-SHA-512'] } as const;

let kafka: SecureKafka;
const clusters: TestCluster[] = [];
let pipeline: PunchlineProcess | undefined;

beforeAll(async () => {
  kafka = await startSecureKafka({ reauthMs: REAUTH_MS });
});

afterAll(async () => {
  await stopPunchline(pipeline?.proc);
  await Promise.all(clusters.map((c) => c.stop()));
  await kafka?.stop();
});

interface Credentials {
  readonly user?: string;
  readonly password?: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * A platform file beside the certificates (its paths are relative to it): `kafka_front` over
 * SASL_SSL SCRAM-SHA-512, `kafka_back` over TLS with a client certificate.
 */
function platformFile(name: string, over: Credentials = {}): string {
  writeFileSync(join(kafka.dir, `${name}.password`), `${over.password ?? KAFKA_USER.password}\n`, {
    mode: 0o600,
  });
  const file = join(kafka.dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'kafka:',
      '  clusters:',
      '    kafka_front:',
      `      brokers: [${kafka.saslSsl.join(', ')}]`,
      '      tls:',
      '        ca: kafka-ca.crt',
      '      sasl:',
      '        mechanism: SCRAM-SHA-512',
      `        username: ${over.user ?? KAFKA_USER.name}`,
      `        password_file: ${name}.password`,
      '    kafka_back:',
      `      brokers: [${kafka.ssl.join(', ')}]`,
      '      tls:',
      '        ca: kafka-ca.crt',
      `        cert: ${over.cert ?? 'client.crt'}`,
      `        key: ${over.key ?? 'client.key'}`,
      `        server_name: ${BROKER_NAME}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** The test's own view of the two clusters (as the platform file describes them). */
const front = (
  password: string = KAFKA_USER.password,
  username: string = KAFKA_USER.name,
): KafkaConnection => ({
  cluster: 'kafka_front',
  brokers: kafka.saslSsl,
  tls: { ca: kafka.ca.cert },
  sasl: { mechanism: 'SCRAM-SHA-512', username, password },
});
const back = (): KafkaConnection => ({
  cluster: 'kafka_back',
  brokers: kafka.ssl,
  tls: { ca: kafka.ca.cert, cert: kafka.client.cert, key: kafka.client.key },
});

/** A pipeline file: kafka_input from `from` (cluster, topic) to kafka_output `to`, raw lines. */
function bridgePipeline(file: string, from: [string, string], to: [string, string]): void {
  writeFileSync(
    file,
    `version: "6.0"
settings: { message_timeout: 5s }
dag:
  - type: kafka_input
    component: source
    settings: { cluster: ${from[0]}, topic: ${from[1]}, start_offset_strategy: earliest, encoding: raw, raw_field: log, commit_interval_ms: 100 }
    publish: [{ stream: logs, fields: [log] }]
  - type: kafka_output
    component: sink
    settings: { cluster: ${to[0]}, topic: ${to[1]}, encoding: raw, raw_field: log, batch_size: 50, linger_ms: 20 }
    subscribe: [{ component: source, stream: logs }]
`,
  );
}

async function produce(c: KafkaConnection, topic: string, values: readonly string[]): Promise<void> {
  const producer = await connectKafkaProducer({ ...c, acks: -1 });
  try {
    await producer.send(
      topic,
      values.map((value) => ({ value })),
    );
  } finally {
    await producer.close();
  }
}

async function createTopics(c: KafkaConnection, names: readonly string[]): Promise<void> {
  const admin = await connectKafkaAdmin(c);
  try {
    const reports = await ensureTopics(
      admin,
      names.map((name) => ({ cluster: c.cluster ?? '', name, partitions: 1, replicationFactor: 1 })),
    );
    expect(reports.map((r) => r.state)).toEqual(names.map(() => 'created'));
  } finally {
    await admin.close();
  }
}

/** The fatal record of a process's JSON log. */
function fatal(proc: Proc): string | undefined {
  return proc
    .log()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .find((record) => record.level === 60)?.msg;
}

describe('Kafka clusters with TLS and SASL from the platform file', () => {
  it('creates the channel topics on both clusters and runs its pipeline under a runner', async () => {
    const { etcd } = droverServices('etcd');
    const suffix = uniqueSuffix();
    const [inTopic, outTopic] = [`sec-in-${suffix}`, `sec-out-${suffix}`];
    const cluster = new TestCluster({ etcd: etcd.endpoints, configFile: platformFile('good') });
    clusters.push(cluster);
    const channel = join(cluster.dir, 'channels', 'sectenant', 'bridge');
    mkdirSync(channel, { recursive: true });
    bridgePipeline(join(channel, 'bridge.yaml'), ['kafka_front', inTopic], ['kafka_back', outTopic]);
    writeFileSync(
      join(channel, 'channel_structure.yaml'),
      `version: "6.0"
applications:
  - name: bridge
    runtime: shiva
    cluster: shiva_front
    command: punchlinectl
    args: [start, --punchline, bridge.yaml]
resources:
  - { type: kafka_topic, cluster: kafka_front, name: ${inTopic}, partitions: 1, replication_factor: 1 }
  - { type: kafka_topic, cluster: kafka_back, name: ${outTopic}, partitions: 1, replication_factor: 1 }
`,
    );
    await cluster.startController('controller-a');
    await cluster.startRunner('front1', ['front'], {
      allow: ['punchlinectl'],
      env: { PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
    });
    const started = await cluster.channelctl([
      '--channels-dir',
      join(cluster.dir, 'channels'),
      'start',
      'sectenant/bridge',
      '--wait',
      '--timeout',
      '60',
    ]);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const view: ChannelView = await cluster.status('sectenant/bridge');
    // Created by the controller (`present` once it looked again): nobody else knows these names.
    expect(view.resources.map((r) => [r.cluster, r.name, r.error])).toEqual([
      ['kafka_front', inTopic, null],
      ['kafka_back', outTopic, null],
    ]);
    for (const r of view.resources) expect(['created', 'present']).toContain(r.state);

    const reader = await readTopics(back(), [outTopic]);
    try {
      const sent = Array.from({ length: 200 }, (_, i) => `event ${i}`);
      await produce(front(), inTopic, sent);
      await eventually(() => reader.count(outTopic) >= sent.length, 60_000, 'every event in the out topic');
      expect(new Set(reader.values.get(outTopic))).toEqual(new Set(sent));
    } finally {
      await reader.close();
    }
  });

  it('stops punchlinectl at start on a refused password, naming the cluster (kafka_output)', async () => {
    const file = join(kafka.dir, 'refused.yaml');
    writeFileSync(
      file,
      `version: "6.0"
dag:
  - type: generator_input
    component: gen
    settings: { count: 10 }
    publish: [{ stream: logs, fields: [log] }]
  - type: kafka_output
    component: sink
    settings: { cluster: kafka_front, topic: nowhere }
    subscribe: [{ component: gen, stream: logs }]
`,
    );
    const config = platformFile('wrong-password', { password: 'not-the-password' });
    const proc = new Proc(
      'refused',
      [process.execPath, punchlinectlBin, 'start', '--punchline', file, '--config', config],
      join(kafka.dir, 'refused.log'),
      { PATH: process.env.PATH },
    );
    expect(await proc.exited).toBe(ExitCode.ACCESS_REFUSED);
    expect(fatal(proc)).toMatch(
      /Kafka cluster "kafka_front" \(.*\): SASL SCRAM-SHA-512 authentication of user "drover" was refused: wrong user name or password \(password from .*wrong-password\.password\)/,
    );
  });

  it('stops the controller at start on a client certificate the brokers refuse, naming the cluster', async () => {
    const { etcd } = droverServices('etcd');
    const bad = new TestCluster({
      etcd: etcd.endpoints,
      configFile: platformFile('rogue', { cert: 'rogue-client.crt', key: 'rogue-client.key' }),
    });
    clusters.push(bad);
    await expect(bad.startController('controller-rogue')).rejects.toThrow();
    const controller = bad.controllers[0];
    expect(await controller?.proc.exited).toBe(ExitCode.ACCESS_REFUSED);
    expect(fatal(controller?.proc as Proc)).toMatch(
      /Kafka cluster "kafka_back" \(.*\): the brokers refused the TLS handshake .*do not accept the client certificate tls\.cert .*rogue-client\.crt/,
    );
  });

  it('stops confirming while the cluster refuses a rotated password, and loses nothing', async () => {
    const suffix = uniqueSuffix();
    const [source, sink] = [`rot-src-${suffix}`, `rot-dst-${suffix}`];
    const user = { name: `pipeline-${suffix.replace(/[^A-Za-z0-9]/g, '')}`, password: 'first-password' };
    // A user of the pipeline's own, made on the running broker with its own tooling.
    await setKafkaScramUser(kafka.handle, user, SCRAM);
    await createTopics(back(), [source]);
    await createTopics(front(), [sink]);
    const file = join(kafka.dir, `bridge-${suffix}.yaml`);
    bridgePipeline(file, ['kafka_back', source], ['kafka_front', sink]);
    pipeline = await startPunchline({
      name: 'rotation',
      file,
      config: platformFile(`rotation-${suffix}`, { user: user.name, password: user.password }),
      logFile: join(kafka.dir, `rotation-${suffix}.log`),
      identity: { tenant: 'sectenant', channel: 'rotation', app: 'bridge' },
    });
    const reader = await readTopics(front(), [sink]);
    const group = 'sectenant.rotation.bridge.source';
    // The group's committed offset, read with kafkajs directly: what a restart would resume from.
    const committed = async (): Promise<number> => {
      const admin = new kafkajs.Kafka({
        brokers: kafka.ssl,
        ssl: { ca: kafka.ca.cert, cert: kafka.client.cert, key: kafka.client.key },
        logLevel: kafkajs.logLevel.NOTHING,
      }).admin();
      await admin.connect();
      try {
        const [topic] = await admin.fetchOffsets({ groupId: group, topics: [source] });
        return Number(topic?.partitions[0]?.offset ?? -1);
      } finally {
        await admin.disconnect();
      }
    };
    try {
      const first = Array.from({ length: 50 }, (_, i) => `before ${i}`);
      await produce(back(), source, first);
      await eventually(() => reader.count(sink) >= first.length, 30_000, 'the first events delivered');
      await eventually(
        async () => (await committed()) === first.length,
        30_000,
        'the first events committed',
      );

      // Rotated on the cluster, not in the platform file: the pipeline's producer keeps its
      // session until it must log in again (within REAUTH_MS), and that login is refused. Until
      // the pipeline says so, events trickle through one at a time (each delivered, or held).
      await setKafkaScramUser(kafka.handle, { ...user, password: 'second-password' }, SCRAM);
      const log = () => pipeline?.proc.log() ?? '';
      const refusedLogin = () =>
        log()
          .split('\n')
          .some(
            (line) =>
              line.includes('kafka batch failed') &&
              line.includes('Kafka cluster \\"kafka_front\\"') &&
              line.includes(`SASL SCRAM-SHA-512 authentication of user \\"${user.name}\\" was refused`),
          );
      // The refusal comes with the producer's next login, within REAUTH_MS: bounded by time, not
      // by a count of trickles (a fast pipeline delivered 100 of them before its session ended).
      const trickle: string[] = [];
      const giveUpAt = Date.now() + 3 * REAUTH_MS;
      while (!refusedLogin()) {
        expect(Date.now()).toBeLessThan(giveUpAt);
        if (trickle.length > 0) await new Promise((r) => setTimeout(r, TRICKLE_PACE_MS));
        const value = `trickle ${trickle.length}`;
        trickle.push(value);
        await produce(back(), source, [value]);
        await eventually(
          () => refusedLogin() || (reader.values.get(sink) ?? []).includes(value),
          10_000,
          `${value} delivered, or the refused login reported`,
        );
      }
      const failed = async () => {
        const text = await (pipeline as PunchlineProcess).metrics();
        return Number(
          /punchline_events_failed_total\{[^}]*component="source"[^}]*\} ([0-9]+)/.exec(text)?.[1] ?? 0,
        );
      };
      const failedBefore = await failed();
      const held = Array.from({ length: 50 }, (_, i) => `held ${i}`);
      await produce(back(), source, held);
      await eventually(
        async () => (await failed()) >= failedBefore + held.length,
        30_000,
        'the held events failed back',
      );
      // Nothing confirmed that was not delivered: no held event in the sink, the group's offset
      // not past the first event the refused producer could not deliver.
      const total = first.length + trickle.length + held.length;
      expect(reader.values.get(sink)?.some((v) => v.startsWith('held'))).toBe(false);
      expect(await committed()).toBeLessThan(first.length + trickle.length);
      expect(pipeline?.proc.running).toBe(true);

      // Back to the password the pipeline has: everything held arrives.
      await setKafkaScramUser(kafka.handle, user, SCRAM);
      await eventually(
        () => new Set(reader.values.get(sink)).size === total,
        60_000,
        'every event delivered once the login works again',
      );
      expect(new Set(reader.values.get(sink))).toEqual(new Set([...first, ...trickle, ...held]));
      await eventually(async () => (await committed()) === total, 30_000, 'all committed');
    } finally {
      await reader.close();
    }
  });
});
