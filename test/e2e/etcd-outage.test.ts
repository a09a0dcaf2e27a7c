/**
 * etcd goes away for longer than every lease: runners keep their children running, then
 * re-register and act on their placements when it is back; the controller steps down and is
 * elected again. Uses an etcd of its own (stopped and restarted on the same data and port).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelView, StatusRecord } from '@drover/cluster-state';
import { type EtcdHandle, startEtcd } from '@drover/dev-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, eventually, fetchJson, idleChannelCopy, TestCluster } from '../support/cluster.js';

let etcd: EtcdHandle;
let dataDir: string;
let cluster: TestCluster;
let channelsDir: string;

/** The channel's view, or undefined while the API cannot answer (etcd away). */
const view = (): Promise<ChannelView | undefined> =>
  cluster.status('reftenant/receiver').catch(() => undefined);

const pids = (v: ChannelView | undefined) => v?.applications.map((a) => a.instances[0]?.pid ?? null) ?? [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'drover-outage-etcd-'));
  etcd = await startEtcd({ dataDir: join(dataDir, 'data') });
  cluster = new TestCluster({ etcd: etcd.endpoints, electionTtl: 2, leaseTtl: 2 });
  channelsDir = join(cluster.dir, 'channels');
  // No topics here: this file is about etcd, not Kafka.
  idleChannelCopy(channelsDir, 'reftenant', 'receiver', (s) => s.slice(0, s.indexOf('\nresources:')));
  await cluster.startController('controller-a');
  await cluster.startRunner('front1', ['centralfront1', 'front']);
  await cluster.startRunner('front2', ['centralfront2', 'front']);
});

afterAll(async () => {
  await cluster?.stop();
  await etcd?.stop().catch(() => {});
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

describe('an etcd outage (real etcd, stopped and restarted)', () => {
  it('starts the tenant channels with start --tenant, and the runner reports its instances', async () => {
    const r = await cluster.channelctl([
      '--channels-dir',
      channelsDir,
      'start',
      '--tenant',
      'reftenant',
      '--wait',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const runner = cluster.runner('front1');
    const local = await fetchJson(`http://127.0.0.1:${runner.port}/v1/instances`);
    const instances = (local.body as { instances: StatusRecord[] }).instances;
    expect(instances.map((i) => [i.app, i.index, i.state, i.runner])).toEqual([
      ['central_receiver1', 0, 'running', 'front1'],
    ]);
    const openapi = await fetchJson(`${cluster.controllers[0]?.api}/openapi.json`);
    expect(Object.keys((openapi.body as { paths: Record<string, unknown> }).paths)).toEqual(
      expect.arrayContaining([
        '/v1/runners',
        '/v1/channels',
        '/v1/channels/{tenant}/{channel}',
        '/v1/channels/{tenant}/{channel}/start',
        '/v1/channels/{tenant}/{channel}/stop',
        '/v1/channels/{tenant}/{channel}/reload',
      ]),
    );
  });

  it('keeps children running through the outage and reconciles when etcd is back', async () => {
    const before = pids(await view());
    expect(before.every((p) => p !== null && alive(p))).toBe(true);
    const api = cluster.controllers[0]?.api ?? '';

    await etcd.stop();
    // Longer than every lease (2 s): the runners and the leader lose theirs.
    await new Promise((r) => setTimeout(r, 5000));
    expect(before.every((p) => alive(p ?? -1))).toBe(true);
    expect((await fetchJson(`${api}/readyz`)).status).toBe(503);
    const health = await fetchJson(`http://127.0.0.1:${cluster.runner('front1').port}/healthz`);
    expect(health.body).toMatchObject({ status: 'ok', registered: false, etcd: 'disconnected' });

    etcd = await startEtcd({
      dataDir: join(dataDir, 'data'),
      clientPort: etcd.clientPort,
      peerPort: etcd.peerPort,
    });
    await eventually(
      async () => (await fetchJson(`${api}/readyz`)).status === 200,
      30_000,
      'controller ready again',
    );
    await eventually(
      async () => {
        const v = await view();
        return v?.applications.every((a) => a.instances[0]?.state === 'running') === true;
      },
      30_000,
      'instances reported running again',
    );
    // Same processes: nothing was restarted by the outage.
    expect(pids(await view())).toEqual(before);

    // And a change made after the outage is acted on.
    const stop = await cluster.channelctl([
      'stop',
      '--tenant',
      'reftenant',
      '--wait',
      '--channels-dir',
      channelsDir,
    ]);
    expect(stop.code).toBe(0);
    await eventually(() => before.every((p) => !alive(p ?? -1)), 15_000, 'children stopped');
  });
});
