/**
 * Runner supervision, measured:
 * - a real runner process with 100 supervised idle children: its RSS added per child, and the
 *   CPU it uses over a minute with them (from /proc/<pid>/stat), against the same runner idle;
 * - time from a child's crash (SIGKILL) to its first restart, default backoff (1 s);
 * - time from a limit breach to the kill, cgroup path and watchdog path (500 ms interval).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChannelView } from '@drover/cluster-state';
import { detectMemoryEnforcement, type MemoryEnforcer, SupervisedChild } from '@drover/supervisor';
import { acquireServices } from '../support/acquire.js';
import { eventually, fetchJson, repoRoot, TestCluster } from '../support/cluster.js';
import { type BenchContext, type BenchRow, median } from './harness.js';

export const name = 'supervision';

const MB = 1024 * 1024;
const TICKS = 100; // USER_HZ on Linux
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function hundredChildren(etcd: string[], ctx: BenchContext): Promise<BenchRow[]> {
  const cluster = new TestCluster({ etcd });
  try {
    const dir = join(cluster.dir, 'channels', 'bench', 'hundred');
    mkdirSync(dir, { recursive: true });
    cpSync(join(repoRoot, 'test', 'e2e', 'fixtures', 'sleeper'), join(dir, 'sleeper'));
    const apps = Array.from(
      { length: 100 },
      (_, i) =>
        `  - name: s${i}\n    runtime: shiva\n    cluster: shiva_front\n    command: sleeper\n    resources: [sleeper]\n    memory_limit: 32Mi\n`,
    ).join('');
    writeFileSync(join(dir, 'channel_structure.yaml'), `version: "6.0"\napplications:\n${apps}`);
    await cluster.startController('controller');
    const runner = await cluster.startRunner('host1', ['front'], { allow: ['sleeper'] });
    await sleep(10_000);
    const idleRss = rss(runner.proc.pid);
    const idleCpu0 = cpuSeconds(runner.proc.pid);
    await sleep(20_000);
    const idleCpu = (cpuSeconds(runner.proc.pid) - idleCpu0) / 20;

    const start = await cluster.channelctl([
      '--channels-dir',
      join(cluster.dir, 'channels'),
      'start',
      'bench/hundred',
      '--wait',
      '--timeout',
      '120',
    ]);
    if (start.code !== 0) throw new Error(start.stderr);
    await sleep(5000);
    const busyRss = rss(runner.proc.pid);
    const cpu0 = cpuSeconds(runner.proc.pid);
    await sleep(60_000);
    const busyCpu = (cpuSeconds(runner.proc.pid) - cpu0) / 60;
    const view = (await fetchJson(`${cluster.controllers[0]?.api}/v1/channels/bench/hundred`))
      .body as ChannelView;
    const running = view.applications.filter((a) => a.instances[0]?.state === 'running').length;
    const health = (await fetchJson(`http://127.0.0.1:${runner.port}/healthz`)).body as {
      memoryEnforcement: string;
    };
    ctx.log(
      `  100 children (${running} running, ${health.memoryEnforcement}): RSS ${(idleRss / MB).toFixed(1)} -> ${(busyRss / MB).toFixed(1)} MB, CPU ${(idleCpu * 100).toFixed(3)}% -> ${(busyCpu * 100).toFixed(3)}% of a core`,
    );
    const stop = await cluster.channelctl(['stop', 'bench/hundred', '--wait', '--timeout', '120']);
    if (stop.code !== 0) throw new Error(stop.stderr);
    return [
      {
        case: `runner RSS added per supervised idle child (100 children, ${health.memoryEnforcement})`,
        metric: 'per child',
        value: +((busyRss - idleRss) / 100 / MB).toFixed(3),
        unit: 'MB',
        goal: '< 1',
        extra: { idleMB: +(idleRss / MB).toFixed(1), with100MB: +(busyRss / MB).toFixed(1) },
      },
      {
        // All of the runner's CPU over the minute, divided among the children: an upper bound.
        case: 'runner CPU per supervised idle child over 60 s (all runner CPU / 100)',
        metric: 'per child',
        value: +busyCpu.toFixed(5),
        unit: '% core',
        goal: '< 0.1',
        extra: {
          runnerIdlePercent: +(idleCpu * 100).toFixed(3),
          runnerWith100Percent: +(busyCpu * 100).toFixed(3),
        },
      },
    ];
  } finally {
    await cluster.stop();
  }
}

/** A fresh child each time: a restart after a first crash waits the initial backoff (1 s). */
async function crashToRestart(ctx: BenchContext): Promise<BenchRow[]> {
  const cwd = ctx.scratchDir('drover-bench-crash-');
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c = new SupervisedChild(
      { file: '/bin/sleep', args: ['1000'], cwd, env: { PATH: process.env.PATH ?? '' } },
      { logger: quiet },
    );
    c.start();
    await eventually(() => c.status.state === 'running' && c.status.pid !== null, 10_000, 'running');
    const pid = c.status.pid ?? 0;
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    await eventually(() => c.status.state === 'running' && c.status.pid !== pid, 10_000, 'restarted');
    samples.push(performance.now() - t0);
    await c.stop();
  }
  ctx.log(`  crash to restart: ${samples.map((s) => s.toFixed(0)).join(', ')} ms`);
  return [
    {
      case: 'child SIGKILL to its first restart (backoff 1 s)',
      metric: 'median',
      value: Math.round(median(samples)),
      unit: 'ms',
      goal: '< 1500',
      extra: { max: Math.round(Math.max(...samples)) },
    },
  ];
}

/** The child prints Date.now() right before touching 256 MB at once; limit 128 MB. */
const BREACH = `setTimeout(() => { console.log(String(Date.now())); globalThis.held = Buffer.alloc(${256 * MB}, 1); setInterval(() => {}, 1000); }, 300);`;

async function breachToKill(memory: MemoryEnforcer, label: string, ctx: BenchContext): Promise<number[]> {
  const cwd = ctx.scratchDir('drover-bench-breach-');
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    let breachAt = 0;
    let killedAt = 0;
    const c = new SupervisedChild(
      {
        file: process.execPath,
        args: ['-e', BREACH],
        cwd,
        env: { PATH: process.env.PATH ?? '' },
        memoryLimitBytes: 128 * MB,
        backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000, maxRestarts: 0 },
      },
      {
        logger: quiet,
        memory,
        id: `bench-breach-${process.pid}-${label}-${i}`,
        output: (_s, line) => {
          if (/^\d+$/.test(line)) breachAt = Number(line);
        },
        onStatus: (s) => {
          if (s.lastExit?.reason === 'oom' && killedAt === 0) killedAt = Date.now();
        },
      },
    );
    c.start();
    await eventually(() => killedAt !== 0 && breachAt !== 0, 20_000, `${label} kill`);
    samples.push(killedAt - breachAt);
    await c.stop();
  }
  ctx.log(`  breach to kill (${label}): ${samples.join(', ')} ms`);
  return samples;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { services, release } = await acquireServices(['etcd']);
  try {
    rows.push(...(await hundredChildren(services.etcd?.endpoints ?? [], ctx)));
  } finally {
    await release();
  }
  rows.push(...(await crashToRestart(ctx)));
  const cgroup = await detectMemoryEnforcement({ runnerName: `bench-${process.pid}` });
  const watchdog = await detectMemoryEnforcement({
    runnerName: 'bench',
    prefer: 'watchdog',
    watchdogIntervalMs: 500,
  });
  try {
    if (cgroup.kind !== 'watchdog') {
      const s = await breachToKill(cgroup, cgroup.kind, ctx);
      rows.push({
        case: `limit breach to kill, ${cgroup.kind} (kernel OOM killer)`,
        metric: 'median',
        value: Math.round(median(s)),
        unit: 'ms',
        extra: { max: Math.max(...s) },
      });
    }
    const w = await breachToKill(watchdog, 'watchdog', ctx);
    rows.push({
      case: 'limit breach to kill, RSS watchdog (interval 500 ms)',
      metric: 'max',
      value: Math.max(...w),
      unit: 'ms',
      goal: '< 1000 (2 intervals)',
      extra: { median: Math.round(median(w)) },
    });
  } finally {
    cgroup.close();
    watchdog.close();
    if (cgroup.root !== undefined)
      await import('node:fs/promises').then((fs) => fs.rmdir(cgroup.root as string)).catch(() => {});
  }
  return rows;
}
