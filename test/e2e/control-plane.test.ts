/**
 * The control plane end to end, with real processes: two controllers, three runners (front1,
 * front2, back1) each with its own work directory, real etcd, a real Kafka broker, channelctl
 * as a process. Runner and election TTLs are 2 s to keep failure tests short.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelView } from '@drover/cluster-state';
import { connectKafkaAdmin } from '@drover/kafka-resources';
import { connectStore, type Store } from '@drover/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, eventually, fetchJson, idleChannelCopy, TestCluster } from '../support/cluster.js';
import { droverServices } from '../support/services.js';

const TOKEN = 'e2e-secret-token';
const FRONT_ANY = `
  # Any front host will do: moves when its runner is lost.
  - name: front_any
    runtime: shiva
    cluster: shiva_front
    shiva_runner_tags: [front]
    command: idle-app
    resources: [idle-app]
`;

let cluster: TestCluster;
let store: Store;
let channelsDir: string;

const view = () => cluster.status('reftenant/receiver');

function instance(v: ChannelView, app: string) {
  const found = v.applications.find((a) => a.name === app)?.instances[0];
  if (found === undefined) throw new Error(`no instance of ${app}`);
  return found;
}

async function leaderId(): Promise<string | undefined> {
  for (const c of cluster.controllers) {
    if (!c.proc.running) continue;
    const res = await fetchJson(`${c.api}/readyz`);
    const body = res.body as { leader: { id: string } | null } | undefined;
    if (body?.leader != null) return body.leader.id;
  }
  return undefined;
}

beforeAll(async () => {
  const { etcd, kafka } = droverServices('etcd', 'kafka');
  cluster = new TestCluster({
    etcd: etcd.endpoints,
    kafka: kafka.brokers,
    electionTtl: 2,
    leaseTtl: 2,
    token: TOKEN,
  });
  store = connectStore({ endpoints: etcd.endpoints, prefix: cluster.prefix });
  channelsDir = join(cluster.dir, 'channels');
  idleChannelCopy(channelsDir, 'reftenant', 'receiver', (s) =>
    s.replace('\n# Kafka topics', `${FRONT_ANY}\n# Kafka topics`),
  );
  await cluster.startController('controller-a');
  await cluster.startController('controller-b');
  await cluster.startRunner('front1', ['centralfront1', 'front']);
  await cluster.startRunner('front2', ['centralfront2', 'front']);
  await cluster.startRunner('back1', ['back']);
});

afterAll(async () => {
  await cluster?.stop();
  store?.close();
});

describe('control plane (real etcd, Kafka and processes)', () => {
  it('lists the three runners, each carrying its own name as a tag', async () => {
    await eventually(async () => {
      const r = await cluster.channelctl(['--json', 'runners']);
      return r.code === 0 && (JSON.parse(r.stdout) as { runners: unknown[] }).runners.length === 3;
    });
    const r = await cluster.channelctl(['--json', 'runners']);
    const { runners } = JSON.parse(r.stdout) as { runners: { name: string; tags: string[] }[] };
    expect(runners.map((x) => [x.name, x.tags])).toEqual([
      ['back1', ['back1', 'back']],
      ['front1', ['front1', 'centralfront1', 'front']],
      ['front2', ['front2', 'centralfront2', 'front']],
    ]);
  });

  it('start --wait runs each pinned receiver on its host and creates the five topics', async () => {
    const result = await cluster.channelctl([
      '--channels-dir',
      channelsDir,
      'start',
      'reftenant/receiver',
      '--wait',
      '--timeout',
      '60',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/central_receiver1\s+0\s+front1\s+running/);
    expect(result.stdout).toMatch(/central_receiver2\s+0\s+front2\s+running/);

    const v = await view();
    expect(v.desired).toBe('started');
    expect(instance(v, 'central_receiver1').runner).toBe('front1');
    expect(instance(v, 'central_receiver2').runner).toBe('front2');
    expect(v.resources.map((r) => [r.name, r.state])).toEqual([
      ['reftenant-receiver-linux-os', expect.stringMatching(/^(created|present)$/)],
      ['reftenant-receiver-apache', expect.stringMatching(/^(created|present)$/)],
      ['reftenant-receiver-winlogbeat', expect.stringMatching(/^(created|present)$/)],
      ['reftenant-receiver-unknown', expect.stringMatching(/^(created|present)$/)],
      ['reftenant-receiver-switch-errors', expect.stringMatching(/^(created|present)$/)],
    ]);

    const admin = await connectKafkaAdmin({ brokers: droverServices('kafka').kafka.brokers });
    try {
      const described = await admin.describeTopics(v.resources.map((r) => ({ name: r.name })));
      const shape = Object.fromEntries(
        [...described].map(([name, d]) => [
          name,
          d === 'missing' ? 'missing' : [d.partitions, d.replicationFactor],
        ]),
      );
      expect(shape).toEqual({
        'reftenant-receiver-linux-os': [3, 1],
        'reftenant-receiver-apache': [3, 1],
        'reftenant-receiver-winlogbeat': [3, 1],
        'reftenant-receiver-unknown': [1, 1],
        'reftenant-receiver-switch-errors': [1, 1],
      });
    } finally {
      await admin.close();
    }

    // The child really runs in its work directory, with the identity Shiva adds.
    const receiver = instance(v, 'central_receiver1');
    expect(receiver.pid).not.toBeNull();
    expect(alive(receiver.pid ?? -1)).toBe(true);
    // What the child printed (its log, read through the controller): the identity Shiva adds.
    await eventually(
      async () => {
        const logs = await cluster.channelctl([
          '--json',
          'logs',
          'reftenant/receiver/central_receiver1',
          '--tail',
          '10',
        ]);
        return logs.stdout.includes('"started\\":true');
      },
      15_000,
      'the child said it started',
    );
    const logs = await cluster.channelctl([
      '--json',
      'logs',
      'reftenant/receiver/central_receiver1',
      '--tail',
      '10',
    ]);
    const said = logs.stdout
      .split('\n')
      .filter((l) => l.includes('started'))
      .map((l) => JSON.parse((JSON.parse(l) as { msg: string }).msg) as { args: string[]; cwd: string })[0];
    expect(said?.args.slice(-6)).toEqual([
      '--tenant',
      'reftenant',
      '--channel',
      'receiver',
      '--app',
      'central_receiver1',
    ]);
    expect(said?.cwd).toBe(
      join(cluster.runner('front1').workdir, 'reftenant', 'receiver', 'central_receiver1', '0'),
    );
  });

  it('moves the front application when its runner dies, reports the pinned one pending, and does not move back', async () => {
    const before = await view();
    const lostName = instance(before, 'front_any').runner ?? '';
    expect(['front1', 'front2']).toContain(lostName);
    const otherName = lostName === 'front1' ? 'front2' : 'front1';
    const pinnedApp = lostName === 'front1' ? 'central_receiver1' : 'central_receiver2';
    const pinnedTag = lostName === 'front1' ? 'centralfront1' : 'centralfront2';
    const orphanPid = instance(before, pinnedApp).pid ?? -1;
    const lost = cluster.runner(lostName);

    await lost.proc.kill('SIGKILL');
    await eventually(
      async () => instance(await view(), 'front_any').runner === otherName,
      30_000,
      'front_any moved',
    );
    await eventually(
      async () => instance(await view(), 'front_any').state === 'running',
      30_000,
      'front_any running',
    );
    const pending = instance(await view(), pinnedApp);
    expect(pending.state).toBe('pending');
    expect(pending.reason).toContain(pinnedTag);
    expect(pending.reason).toMatch(/no live runner in cluster shiva_front/);

    await cluster.startRunner(lostName, lost.tags);
    // The restarted runner stopped what its previous life left running.
    await eventually(() => !alive(orphanPid), 15_000, 'orphan stopped');
    await eventually(
      async () => {
        const v = await view();
        return instance(v, pinnedApp).runner === lostName && instance(v, pinnedApp).state === 'running';
      },
      30_000,
      'pinned receiver back',
    );
    const after = await view();
    expect(instance(after, 'front_any').runner).toBe(otherName);
    expect(instance(after, 'front_any').state).toBe('running');
  });

  it('fails over to the other controller when the leader is killed, and acts on a change made after', async () => {
    await eventually(async () => (await leaderId()) !== undefined, 15_000, 'a leader');
    const first = await leaderId();
    const leader = cluster.controllers.find((c) => c.id === first);
    if (leader === undefined) throw new Error('leader not found');
    const before = await view();
    const pidsBefore = before.applications.map((a) => a.instances[0]?.pid);

    await leader.proc.kill('SIGKILL');
    await eventually(
      async () => {
        const now = await leaderId();
        return now !== undefined && now !== first;
      },
      20_000,
      'new leader',
    );

    // A change made through the surviving controller: reload restarts every instance (rolling:
    // one application after another, each once the one before runs for min_healthy_time).
    const reload = await cluster.channelctl(['reload', 'reftenant/receiver']);
    expect(reload.stderr).toBe('');
    expect(reload.code).toBe(0);
    await eventually(
      async () => {
        const v = await view();
        return v.applications.every(
          (a, i) => a.instances[0]?.state === 'running' && a.instances[0]?.pid !== pidsBefore[i],
        );
      },
      90_000,
      'instances restarted by reload',
    );

    // The killed controller comes back as a standby and serves the same view.
    await cluster.startController(leader.id, leader.port);
    // Until its cache has listed etcd, it answers 503 (never "unknown channel").
    let fromRestarted = await fetchJson(`${leader.api}/v1/channels/reftenant/receiver`);
    expect([200, 503]).toContain(fromRestarted.status);
    await eventually(
      async () => {
        fromRestarted = await fetchJson(`${leader.api}/v1/channels/reftenant/receiver`);
        return fromRestarted.status === 200;
      },
      15_000,
      'restarted controller synced',
    );
    expect((fromRestarted.body as ChannelView).desired).toBe('started');
  });

  it('refuses a mutation without the token (401) and changes nothing', async () => {
    const api = cluster.controllers[0]?.api ?? '';
    const denied = await fetchJson(`${api}/v1/channels/reftenant/receiver/stop`, { method: 'POST' });
    expect(denied.status).toBe(401);
    const wrong = await fetchJson(`${api}/v1/channels/reftenant/receiver/stop`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
    const cli = await cluster.channelctl(['stop', 'reftenant/receiver'], { token: null });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/401/);
    const desired = await store.get(
      store.layout.channelDesired('reftenant', 'receiver'),
      (raw) => raw as { state: string },
    );
    expect(desired?.value.state).toBe('started');
    // Reads from loopback need no token.
    expect((await fetchJson(`${api}/v1/channels`)).status).toBe(200);
  });

  it('rejects a malformed channel with file:line:column, exit 1, and leaves etcd unchanged', async () => {
    const dir = join(channelsDir, 'reftenant', 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'channel_structure.yaml'),
      'version: "6.0"\napplications:\n  - name: a\n    runtime: shiva\n    cluster: shiva_front\n    command: idle-app\n    instancez: 2\n',
    );
    const before = await store.list(store.layout.channel('reftenant', 'broken'), (raw) => raw);
    const result = await cluster.channelctl(['--channels-dir', channelsDir, 'start', 'reftenant/broken']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /broken\/channel_structure\.yaml:7:5: applications\[0\]\.instancez: unknown field "instancez"/,
    );
    const after = await store.list(store.layout.channel('reftenant', 'broken'), (raw) => raw);
    expect(before.items).toEqual([]);
    expect(after.items).toEqual([]);
    // Bad usage is exit 2.
    expect((await cluster.channelctl(['start'])).code).toBe(2);
  });

  it('stop stops every instance and removes its placements; status says stopped', async () => {
    const running = await view();
    const pids = running.applications.map((a) => a.instances[0]?.pid ?? -1);
    const result = await cluster.channelctl(['stop', 'reftenant/receiver', '--wait', '--timeout', '30']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const v = await view();
    expect(v.desired).toBe('stopped');
    expect(v.applications.flatMap((a) => a.instances.map((i) => i.state))).toEqual([
      'stopped',
      'stopped',
      'stopped',
    ]);
    const placements = await store.list(store.layout.placements(), (raw) => raw);
    expect(placements.items).toEqual([]);
    await eventually(() => pids.every((pid) => !alive(pid)), 10_000, 'children gone');
    const summary = await cluster.channelctl(['status']);
    expect(summary.stdout).toMatch(/reftenant\/receiver\s+stopped/);
  });
});
