/**
 * Roles, the audit log and the API over HTTPS, end to end: a controller serving HTTPS with a
 * token file of three tokens (admin, operate, read; one given by its SHA-256), two runners, real
 * etcd and Kafka, and channelctl as a process with --ca. Each role does what it may and is refused
 * the rest (403 naming the role); every mutation, refused ones included, is in `channelctl audit`;
 * entries past the retention, seeded before the controller starts, are purged by the leader.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry, AuditList } from '@drover/cluster-state';
import { connectStore, type Store } from '@drover/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../support/certs.js';
import { eventually, idleChannelCopy, TestCluster } from '../support/cluster.js';
import { droverServices } from '../support/services.js';

const ADMIN = 'e2e-admin-secret';
const OPERATE = 'e2e-operate-secret';
const READ = 'e2e-read-secret';
const DAY = 86_400_000;

const tokenFile = [
  '# Who may use the API (e2e)',
  'tokens:',
  '  - name: ops-admin',
  '    role: admin',
  `    token: ${ADMIN}`,
  '  - name: night-shift',
  '    role: operate',
  `    sha256: ${createHash('sha256').update(OPERATE).digest('hex')}`,
  '  - name: grafana',
  '    role: read',
  `    token: ${READ}`,
  '',
].join('\n');

let cluster: TestCluster;
let store: Store;
let pki: TestPki;
let channelsDir: string;
const seeded = { expired: new Date(Date.now() - 400 * DAY), kept: new Date(Date.now() - 10 * DAY) };

const ctl = (token: string | null, ...args: string[]) =>
  cluster.channelctl(['--channels-dir', channelsDir, ...args], { token });

const seedEntry = (time: Date): AuditEntry => ({
  time: time.toISOString(),
  controller: 'seed',
  token: 'ops-admin',
  role: 'admin',
  via: 'token',
  source: '192.0.2.1',
  method: 'POST',
  path: '/v1/channels/reftenant/receiver/stop',
  action: 'stop',
  channel: 'reftenant/receiver',
  status: 200,
  result: 'ok',
  code: null,
  message: null,
});

beforeAll(async () => {
  const { etcd, kafka } = droverServices('etcd', 'kafka');
  pki = createTestPki();
  cluster = new TestCluster({
    etcd: etcd.endpoints,
    kafka: kafka.brokers,
    electionTtl: 2,
    leaseTtl: 2,
    tokenFileText: tokenFile,
    apiTls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.ca.certFile },
    controllerArgs: ['--audit-retention', '30d'],
  });
  store = connectStore({ endpoints: etcd.endpoints, prefix: cluster.prefix });
  // Written before any controller runs: the leader purges the old one when it is elected.
  for (const time of [seeded.expired, seeded.kept]) {
    await store.put(store.layout.audit(time, 'seed0000'), seedEntry(time));
  }
  channelsDir = join(cluster.dir, 'channels');
  idleChannelCopy(channelsDir, 'reftenant', 'receiver');
  await cluster.startController('controller-a');
  await cluster.startRunner('front1', ['centralfront1']);
  await cluster.startRunner('front2', ['centralfront2']);
});

afterAll(async () => {
  await cluster?.stop();
  store?.close();
});

describe('roles, audit and HTTPS through channelctl (real controller, etcd, runners)', () => {
  it('serves HTTPS: channelctl trusts the CA given with --ca, and says what to do without it or over http://', async () => {
    const api = cluster.controllers[0]?.api ?? '';
    expect(api).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const ok = await cluster.channelctl(['runners'], { token: READ });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);

    const untrusted = await cluster.channelctl(['runners'], { token: READ, ca: null });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(
      /cannot reach the Drover API at https:\/\/127\.0\.0\.1:\d+ \(\w+\): the API's certificate is not signed by a CA this host trusts: give that CA with --ca FILE/,
    );
    const otherCa = await cluster.channelctl(['runners'], { token: READ, ca: pki.rogueCa.certFile });
    expect(otherCa.code).toBe(1);
    expect(otherCa.stderr).toMatch(/not signed by a CA this host trusts/);

    const plain = await cluster.channelctl(['runners'], { api: api.replace('https:', 'http:'), token: READ });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/if the API serves HTTPS, use https:\/\/ in --api/);
  });

  it('the leader purged the audit entries past the retention when it was elected, and kept the others', async () => {
    const times = async () =>
      (await store.list(store.layout.audits(), (raw) => raw as AuditEntry)).items.map((i) => i.value.time);
    await eventually(async () => !(await times()).includes(seeded.expired.toISOString()), 20_000, 'purge');
    expect(await times()).toEqual([seeded.kept.toISOString()]);
  });

  it('read: sees everything, changes nothing (403 naming its role and the role needed)', async () => {
    const runners = await ctl(READ, '--json', 'runners');
    expect(runners.code).toBe(0);
    const start = await ctl(READ, 'start', 'reftenant/receiver');
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      'PUT /v1/channels/reftenant/receiver: 403 DRV_FORBIDDEN: token "grafana" has role read: PUT /v1/channels/reftenant/receiver needs role operate or admin',
    );
    const stop = await ctl(READ, 'stop', 'reftenant/receiver');
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain(
      '403 DRV_FORBIDDEN: token "grafana" has role read: POST /v1/channels/reftenant/receiver/stop needs role operate or admin',
    );
    const audit = await ctl(READ, 'audit');
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain('needs role operate or admin');
  });

  it('admin uploads and starts; operate stops, starts the same files again and reloads, but may not change them', async () => {
    const started = await ctl(ADMIN, 'start', 'reftenant/receiver', '--wait', '--timeout', '60');
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/central_receiver1\s+0\s+front1\s+running/);

    const stopped = await ctl(OPERATE, 'stop', 'reftenant/receiver', '--wait', '--timeout', '60');
    expect(stopped.stderr).toBe('');
    expect(stopped.code).toBe(0);
    const again = await ctl(OPERATE, 'start', 'reftenant/receiver', '--wait', '--timeout', '60');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const reloaded = await ctl(OPERATE, 'reload', 'reftenant/receiver', '--wait', '--timeout', '60');
    expect(reloaded.stderr).toBe('');
    expect(reloaded.code).toBe(0);

    const structure = join(channelsDir, 'reftenant', 'receiver', 'channel_structure.yaml');
    writeFileSync(structure, `${readFileSync(structure, 'utf8')}\n# changed by the night shift\n`);
    const changed = await ctl(OPERATE, 'start', 'reftenant/receiver');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(
      /403 DRV_FORBIDDEN: token "night-shift" has role operate: changing the files of channel reftenant\/receiver \(uploaded [0-9a-f]{16}, these are [0-9a-f]{16}\) needs role admin/,
    );
    const anonymous = await ctl(null, 'stop', 'reftenant/receiver');
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('401 DRV_UNAUTHORIZED: missing bearer token');
  });

  it('channelctl audit shows every mutation in order: who, from where, what, which channel, how it ended', async () => {
    const result = await ctl(OPERATE, '--json', 'audit');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as AuditList;
    expect(list.truncated).toBe(false);
    expect(list.entries.every((e) => e.source === '127.0.0.1' && e.controller === 'controller-a')).toBe(true);
    expect(list.entries.every((e) => e.channel === 'reftenant/receiver')).toBe(true);
    expect(list.entries.every((e) => e.via === (e.token === null ? null : 'token'))).toBe(true);
    expect(
      list.entries.map((e) => [e.token, e.role, e.method, e.action, e.status, e.result, e.code]),
    ).toEqual([
      ['grafana', 'read', 'PUT', 'upload', 403, 'refused', 'DRV_FORBIDDEN'],
      ['grafana', 'read', 'POST', 'stop', 403, 'refused', 'DRV_FORBIDDEN'],
      ['ops-admin', 'admin', 'PUT', 'upload', 200, 'ok', null],
      ['ops-admin', 'admin', 'POST', 'start', 200, 'ok', null],
      ['night-shift', 'operate', 'POST', 'stop', 200, 'ok', null],
      ['night-shift', 'operate', 'PUT', 'upload', 200, 'ok', null],
      ['night-shift', 'operate', 'POST', 'start', 200, 'ok', null],
      ['night-shift', 'operate', 'POST', 'reload', 200, 'ok', null],
      ['night-shift', 'operate', 'PUT', 'upload', 403, 'refused', 'DRV_FORBIDDEN'],
      [null, null, 'POST', 'stop', 401, 'refused', 'DRV_UNAUTHORIZED'],
    ]);
    const uploads = list.entries.filter((e) => e.action === 'upload' && e.result === 'ok');
    expect(uploads.map((e) => e.message)).toEqual([
      expect.stringMatching(/^changed, [0-9a-f]{16}$/),
      expect.stringMatching(/^unchanged, [0-9a-f]{16}$/),
    ]);

    const table = await ctl(ADMIN, 'audit');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+TOKEN\s+ROLE\s+SOURCE\s+ACTION\s+CHANNEL\s+RESULT\s+DETAIL$/);
    expect(lines.at(-1)).toMatch(
      /Z\s+-\s+-\s+127\.0\.0\.1\s+stop\s+reftenant\/receiver\s+refused 401\s+DRV_UNAUTHORIZED: missing bearer token/,
    );

    // The seeded entry of 10 days ago is within 30d, not within the default 24h.
    const month = await ctl(OPERATE, '--json', 'audit', '--since', '30d', '--limit', '3');
    const last3 = JSON.parse(month.stdout) as AuditList;
    expect(last3.truncated).toBe(true);
    expect(month.stderr).toMatch(/only the newest 3 entries since/);
    const all = JSON.parse((await ctl(OPERATE, '--json', 'audit', '--since', '30d')).stdout) as AuditList;
    expect(all.entries[0]?.controller).toBe('seed');
    expect(all.entries).toHaveLength(11);

    const bad = await ctl(OPERATE, 'audit', '--since', 'last tuesday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: invalid time "last tuesday"/);
  });
});
