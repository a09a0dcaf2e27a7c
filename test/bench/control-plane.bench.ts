/**
 * The control plane with real processes, real etcd and Kafka, default TTLs (5 s):
 * - `channelctl start --wait` of a 20-application channel, to every instance running;
 * - leader failover: SIGKILL of the leader to the first reconcile pass of the new one;
 * - runner loss: SIGKILL of a runner to its instances running elsewhere;
 * - RSS of an idle runner and of the controllers;
 * - one controller over 10,000 instances on 1,000 runners (runners simulated by records in
 *   etcd): time to place everything, the reconcile pass durations, its RSS.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChannelView } from '@drover/cluster-state';
import { digestOf } from '@drover/cluster-state';
import { connectStore } from '@drover/store';
import { acquireServices } from '../support/acquire.js';
import { type Controller, eventually, fetchJson, repoRoot, TestCluster } from '../support/cluster.js';
import { type BenchContext, type BenchRow, median } from './harness.js';

export const name = 'control-plane';

const MB = 1024 * 1024;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function metric(api: string, name: string): Promise<number | undefined> {
  const res = await fetchJson(`${api}/metrics`);
  if (res.status !== 200 || typeof res.body !== 'string') return undefined;
  const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function twentyApps(): string {
  const apps = Array.from(
    { length: 20 },
    (_, i) => `  - name: app${String(i).padStart(2, '0')}
    runtime: shiva
    cluster: shiva_front
    command: idle-app
    resources: [idle-app]
`,
  ).join('');
  return `version: "6.0"\napplications:\n${apps}`;
}

async function channelView(cluster: TestCluster): Promise<ChannelView | undefined> {
  const live = cluster.controllers.find((c) => c.proc.running);
  const res = await fetchJson(`${live?.api}/v1/channels/bench/twenty`);
  return res.status === 200 ? (res.body as ChannelView) : undefined;
}

async function leader(cluster: TestCluster): Promise<Controller | undefined> {
  for (const c of cluster.controllers) {
    if (!c.proc.running) continue;
    const res = await fetchJson(`${c.api}/readyz`);
    const id = (res.body as { leader?: { id: string } | null } | undefined)?.leader?.id;
    if (id !== undefined) return cluster.controllers.find((x) => x.id === id);
  }
  return undefined;
}

async function processCluster(etcd: string[], kafka: string[], ctx: BenchContext): Promise<BenchRow[]> {
  const cluster = new TestCluster({ etcd, kafka });
  const rows: BenchRow[] = [];
  try {
    const channelsDir = join(cluster.dir, 'channels');
    const dir = join(channelsDir, 'bench', 'twenty');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'channel_structure.yaml'), twentyApps());
    writeFileSync(join(dir, 'idle-app'), readFileSync(join(repoRoot, 'test', 'e2e', 'fixtures', 'idle-app')));
    await cluster.startController('controller-a');
    await cluster.startController('controller-b');
    for (const [n, tags] of [
      ['front1', ['centralfront1', 'front']],
      ['front2', ['centralfront2', 'front']],
      ['back1', ['back']],
    ] as const) {
      await cluster.startRunner(n, tags);
    }
    await eventually(async () => (await leader(cluster)) !== undefined, 30_000, 'leader');
    await new Promise((r) => setTimeout(r, 1000));
    const idleRunner = Math.max(...[...cluster.runners.values()].map((r) => rssBytes(r.proc.pid)));
    const idleController = Math.max(...cluster.controllers.map((c) => rssBytes(c.proc.pid)));

    // start --wait, five times (stopped in between).
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await cluster.channelctl([
        '--channels-dir',
        channelsDir,
        'start',
        'bench/twenty',
        '--wait',
        '--timeout',
        '60',
      ]);
      starts.push(performance.now() - t0);
      if (r.code !== 0) throw new Error(`start failed: ${r.stderr}`);
      if (i < 4) {
        const s = await cluster.channelctl(['stop', 'bench/twenty', '--wait', '--timeout', '60']);
        if (s.code !== 0) throw new Error(`stop failed: ${s.stderr}`);
      }
    }
    ctx.log(`  start --wait: ${starts.map((s) => s.toFixed(0)).join(', ')} ms`);
    rows.push({
      case: 'channelctl start --wait, 20 applications on 3 runners',
      metric: 'median',
      value: Math.round(median(starts)),
      unit: 'ms',
      goal: '< 2000',
      extra: { max: Math.round(Math.max(...starts)), runs: starts.length },
    });

    // Runner loss: SIGKILL a runner, until its instances run elsewhere.
    const losses: number[] = [];
    for (const victim of ['front1', 'front2', 'back1']) {
      const runner = cluster.runner(victim);
      const t0 = performance.now();
      await runner.proc.kill('SIGKILL');
      await eventually(
        async () => {
          const v = await channelView(cluster);
          return (
            v?.applications.every((a) =>
              a.instances.every((i) => i.state === 'running' && i.runner !== victim),
            ) === true
          );
        },
        60_000,
        `instances of ${victim} rescheduled`,
      );
      losses.push(performance.now() - t0);
      await cluster.startRunner(victim, runner.tags);
    }
    ctx.log(`  runner loss: ${losses.map((s) => s.toFixed(0)).join(', ')} ms`);
    rows.push({
      case: 'runner SIGKILL to its instances running elsewhere (lease TTL 5 s)',
      metric: 'median',
      value: Math.round(median(losses)),
      unit: 'ms',
      goal: '< 10000',
      extra: { max: Math.round(Math.max(...losses)), runs: losses.length },
    });

    // Leader failover: SIGKILL the leader, until the other completes a reconcile pass.
    const failovers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const old = await leader(cluster);
      if (old === undefined) throw new Error('no leader');
      const standby = cluster.controllers.find((c) => c !== old);
      if (standby === undefined) throw new Error('no standby');
      const passesBefore = (await metric(standby.api, 'drover_reconcile_passes_total')) ?? 0;
      const t0 = performance.now();
      await old.proc.kill('SIGKILL');
      await eventually(
        async () => ((await metric(standby.api, 'drover_reconcile_passes_total')) ?? 0) > passesBefore,
        60_000,
        'new leader reconciles',
      );
      failovers.push(performance.now() - t0);
      await cluster.startController(old.id, old.port);
    }
    ctx.log(`  failover: ${failovers.map((s) => s.toFixed(0)).join(', ')} ms`);
    rows.push({
      case: 'leader SIGKILL to the first reconcile of the new leader (election TTL 3 s)',
      metric: 'median',
      value: Math.round(median(failovers)),
      unit: 'ms',
      goal: '< 5000',
      extra: { max: Math.round(Math.max(...failovers)), runs: failovers.length },
    });
    rows.push({
      case: 'idle runner (no instances)',
      metric: 'RSS',
      value: +(idleRunner / MB).toFixed(1),
      unit: 'MB',
      goal: '< 80',
    });
    rows.push({
      case: 'idle controller (no channels)',
      metric: 'RSS',
      value: +(idleController / MB).toFixed(1),
      unit: 'MB',
    });
  } finally {
    await cluster.stop();
  }
  return rows;
}

/** Duration (s) of the reconcile pass with the most writes, from the `reconciled` log lines. */
function biggestPass(log: string): number {
  let best = { writes: -1, ms: Number.NaN };
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"reconciled"')) continue;
    const entry = JSON.parse(line) as { writes: number; ms: number };
    if (entry.writes > best.writes) best = entry;
  }
  return best.ms / 1000;
}

function bigChannel(c: number): string {
  const apps = Array.from(
    { length: 20 },
    (_, a) => `  - name: app${a}
    runtime: shiva
    cluster: common
    command: punchlinectl
    args: [start, --punchline, p.yaml]
    instances: 5
    shiva_runner_tags: [${a % 2 === 0 ? 'even' : 'odd'}]
    memory_limit: ${64 + (c % 4) * 64}Mi
`,
  ).join('');
  return `version: "6.0"\napplications:\n${apps}`;
}

async function atScale(etcd: string[], ctx: BenchContext): Promise<BenchRow[]> {
  const cluster = new TestCluster({ etcd });
  const store = connectStore({ endpoints: etcd, prefix: cluster.prefix });
  const rows: BenchRow[] = [];
  try {
    // 1,000 simulated runners on one lease; 100 channels x 20 applications x 5 instances.
    const lease = await store.grantLease(30);
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => {
          const n = `runner-${String(i + j).padStart(4, '0')}`;
          return store.put(
            store.layout.runner(n),
            {
              name: n,
              cluster: 'common',
              tags: [n, (i + j) % 2 === 0 ? 'even' : 'odd'],
              capacity: { memoryBytes: 64 * 1024 * MB },
              version: 'sim',
              startedAt: new Date().toISOString(),
            },
            { lease: lease.id },
          );
        }),
      );
    }
    const pipeline = 'dag: []\n';
    for (let c = 0; c < 100; c++) {
      const files = { 'channel_structure.yaml': bigChannel(c), 'p.yaml': pipeline };
      const ch = `ch${String(c).padStart(3, '0')}`;
      await store.put(store.layout.channelSpec('scale', ch), {
        files,
        digest: digestOf(files),
        uploadedAt: new Date().toISOString(),
      });
      await store.put(store.layout.channelDesired('scale', ch), {
        state: 'started',
        generation: 1,
        reload: 0,
        updatedAt: new Date().toISOString(),
      });
    }
    const t0 = performance.now();
    const controller = await cluster.startController('scale-controller');
    await eventually(
      async () => (await metric(controller.api, 'drover_placements')) === 10_000,
      120_000,
      '10,000 placed',
    );
    const placedMs = performance.now() - t0;
    // The pass that wrote the 10,000 placements, from the controller's own log line.
    const firstPass = biggestPass(controller.proc.log());
    await new Promise((r) => setTimeout(r, 1000));
    const rss = rssBytes(controller.proc.pid);

    // Incremental passes: one simulated runner lost at a time.
    const passes: number[] = [];
    for (let k = 0; k < 5; k++) {
      const before = (await metric(controller.api, 'drover_reconcile_passes_total')) ?? 0;
      await store.delete(store.layout.runner(`runner-${String(100 + k * 97).padStart(4, '0')}`));
      await eventually(
        async () => ((await metric(controller.api, 'drover_reconcile_passes_total')) ?? 0) > before,
        30_000,
        'pass',
      );
      passes.push(
        ((await metric(controller.api, 'drover_reconcile_last_duration_seconds')) ?? Number.NaN) * 1000,
      );
      await new Promise((r) => setTimeout(r, 300));
    }
    const rssAfter = rssBytes(controller.proc.pid);
    ctx.log(
      `  scale: placed in ${placedMs.toFixed(0)} ms, first pass ${(firstPass * 1000).toFixed(0)} ms, runner-loss passes ${passes.map((p) => p.toFixed(0)).join(', ')} ms`,
    );
    rows.push({
      case: 'controller start to 10,000 instances placed on 1,000 runners',
      metric: 'wall',
      value: Math.round(placedMs),
      unit: 'ms',
      extra: { firstPassMs: Math.round(firstPass * 1000) },
    });
    rows.push({
      case: 'full reconcile pass, 10,000 instances from scratch (plan + 100 fenced txns)',
      metric: 'duration',
      value: Math.round(firstPass * 1000),
      unit: 'ms',
      goal: '< 1000',
    });
    rows.push({
      case: 'reconcile pass after one runner lost, 10,000 instances',
      metric: 'median',
      value: Math.round(median(passes)),
      unit: 'ms',
      goal: '< 1000',
      extra: { max: Math.round(Math.max(...passes)) },
    });
    rows.push({
      case: 'controller with 10,000 instances / 1,000 runners',
      metric: 'RSS',
      value: +(Math.max(rss, rssAfter) / MB).toFixed(1),
      unit: 'MB',
      goal: '< 150',
    });
    await lease.revoke();
  } finally {
    await cluster.stop();
    await store.deletePrefix(store.layout.root).catch(() => {});
    store.close();
  }
  return rows;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['etcd', 'kafka']);
  try {
    const etcd = services.etcd?.endpoints ?? [];
    const kafka = services.kafka?.brokers ?? [];
    return [...(await processCluster(etcd, kafka, ctx)), ...(await atScale(etcd, ctx))];
  } finally {
    await release();
  }
}
