/**
 * Runner supervision end to end: hard memory limits on the cgroup path and the watchdog path
 * (a child that really allocates past its limit), per-instance log files read through the
 * controller, a Quartz-scheduled application, the allow-list, and the runner's metrics.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunnerView } from '@drover/cluster-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, fetchJson, repoRoot, TestCluster } from '../support/cluster.js';
import { droverServices } from '../support/services.js';

let cluster: TestCluster;
let channelsDir: string;

const app = (name: string, command: string, tags: string[], extra = '') => `  - name: ${name}
    runtime: shiva
    cluster: shiva_front
    shiva_runner_tags: [${tags.join(', ')}]
    command: ${command}
    resources: [${command}]
${extra}`;

const view = () => cluster.status('sup/apps');

async function instance(name: string) {
  const found = (await view()).applications.find((a) => a.name === name)?.instances[0];
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
}

beforeAll(async () => {
  const { etcd } = droverServices('etcd');
  cluster = new TestCluster({ etcd: etcd.endpoints, electionTtl: 2, leaseTtl: 2 });
  channelsDir = join(cluster.dir, 'channels');
  const dir = join(channelsDir, 'sup', 'apps');
  mkdirSync(dir, { recursive: true });
  for (const f of ['hog', 'chatty', 'tick', 'idle-app'])
    cpSync(join(repoRoot, 'test', 'e2e', 'fixtures', f), join(dir, f));
  writeFileSync(
    join(dir, 'channel_structure.yaml'),
    `version: "6.0"
applications:
${app('hog_cgroup', 'hog', ['cg'], '    memory_limit: 96Mi\n    restart: {initial: 200ms, max: 200ms}\n')}${app(
  'hog_watchdog',
  'hog',
  ['wd'],
  '    memory_limit: 96Mi\n    restart: {initial: 200ms, max: 200ms}\n',
)}${app('chatty', 'chatty', ['cg'])}${app('ticker', 'tick', ['cg'], '    quartzcron_schedule: "* * * * * ? *"\n')}${app(
  'forbidden',
  'idle-app',
  ['cg'],
)}`,
  );
  await cluster.startController('controller-a');
  const allow = ['hog', 'chatty', 'tick'];
  await cluster.startRunner('runner-cg', ['cg'], { allow });
  await cluster.startRunner('runner-wd', ['wd'], {
    allow,
    extraArgs: ['--memory-enforcement', 'watchdog', '--watchdog-interval', '200ms'],
  });
  const r = await cluster.channelctl(['--channels-dir', channelsDir, 'start', 'sup/apps']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('runner supervision (real processes, real cgroups when root)', () => {
  it("reports each runner's memory enforcement", async () => {
    const r = await cluster.channelctl(['--json', 'runners']);
    const runners = (JSON.parse(r.stdout) as { runners: RunnerView[] }).runners;
    const kinds = Object.fromEntries(runners.map((x) => [x.name, x.memoryEnforcement]));
    expect(kinds['runner-wd']).toBe('watchdog');
    if (process.getuid?.() === 0) expect(['cgroup1', 'cgroup2']).toContain(kinds['runner-cg']);
  });

  it('kills a child over its memory limit, on both paths, and says so', async () => {
    for (const name of ['hog_cgroup', 'hog_watchdog']) {
      await eventually(async () => (await instance(name)).oomKills >= 2, 60_000, `${name} OOM-killed twice`);
      const i = await instance(name);
      expect(i.lastExit).toMatchObject({ reason: 'oom', signal: 'SIGKILL' });
      expect(i.memoryLimitBytes).toBe(96 * 1024 * 1024);
      expect(i.restarts).toBeGreaterThanOrEqual(1);
    }
  });

  it('says per instance how its memory limit is enforced (runner -> etcd -> API)', async () => {
    await eventually(async () => (await instance('chatty')).state === 'running', 30_000, 'chatty running');
    const chatty = await instance('chatty');
    // runner-cg enforces with cgroups when it may (root); runner-wd was told to use the watchdog.
    expect(chatty.memoryEnforcement).toEqual(
      process.getuid?.() === 0 ? expect.stringMatching(/^cgroup[12]$/) : 'watchdog',
    );
    await eventually(
      async () => (await instance('hog_watchdog')).memoryEnforcement === 'watchdog',
      30_000,
      'hog_watchdog running under the watchdog',
    );
  });

  it('keeps each instance output in its log, readable through the controller', async () => {
    await eventually(
      async () => {
        const r = await cluster.channelctl(['logs', 'sup/apps/chatty', '--tail', '5']);
        return r.code === 0 && r.stdout.split('\n').filter((l) => / stdout line \d+$/.test(l)).length === 5;
      },
      20_000,
      'five stdout lines',
    );
    const json = await cluster.channelctl(['--json', 'logs', 'sup/apps/chatty', '--tail', '1000']);
    const records = json.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // stdout and stderr are two pipes: their relative order is not kept, each one's is.
    expect(records).toContainEqual(
      expect.objectContaining({
        tenant: 'sup',
        channel: 'apps',
        app: 'chatty',
        instance: 0,
        stream: 'stderr',
        msg: 'chatty starting',
      }),
    );
    const numbers = records
      .filter((r) => r.stream === 'stdout')
      .map((r) => Number(String(r.msg).split(' ')[1]));
    expect(numbers).toEqual(numbers.map((_, i) => (numbers[0] ?? 0) + i));
    expect(records.at(-1)).toMatchObject({ stream: 'stdout', msg: expect.stringMatching(/^line \d+$/) });
    const missing = await cluster.channelctl(['logs', 'sup/apps/nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404/);
  });

  it('runs the scheduled application at each tick, with its last and next run', async () => {
    await eventually(async () => (await instance('ticker')).lastRunAt !== null, 20_000, 'a scheduled run');
    // Runs come every second, so a read may land while the next one launches ('starting'):
    // wait for one observation between runs, then assert on that same observation.
    let t = await instance('ticker');
    await eventually(
      async () => {
        t = await instance('ticker');
        return t.lastExit?.code === 0 && t.state === 'running';
      },
      20_000,
      'a finished run, between runs',
    );
    expect(Date.parse(t.nextRunAt ?? '')).toBeGreaterThan(Date.parse(t.lastRunAt ?? ''));
    const logs = await cluster.channelctl(['logs', 'sup/apps/ticker', '--tail', '3']);
    expect(logs.stdout).toMatch(/stdout tick at /);
  });

  it('refuses a command outside the allow-list, with the reason in status', async () => {
    await eventually(
      async () => (await instance('forbidden')).state === 'failed',
      20_000,
      'forbidden failed',
    );
    expect((await instance('forbidden')).reason).toBe(
      'command "idle-app" is not allowed on runner runner-cg (allowed: hog, chatty, tick)',
    );
  });

  it('exports instances as Prometheus series on the runner', async () => {
    const res = await fetchJson(`http://127.0.0.1:${cluster.runner('runner-cg').port}/metrics`);
    const text = String(res.body);
    expect(text).toMatch(
      /drover_instance_oom_kills_total\{runner="runner-cg",tenant="sup",channel="apps",app="hog_cgroup",instance="0",id="sup.apps.hog_cgroup.0"\} [1-9]/,
    );
    expect(text).toMatch(/drover_instance_up\{[^}]*app="chatty"[^}]*\} 1/);
    expect(text).toMatch(/drover_instance_memory_limit_bytes\{[^}]*app="chatty"[^}]*\} 536870912/);
    expect(text).toMatch(/drover_instance_next_run_timestamp_seconds\{[^}]*app="ticker"/);
  });
});
