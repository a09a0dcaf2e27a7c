/**
 * The runner's Prometheus series, written by hand (a dozen gauges and counters; prom-client
 * would add to every idle runner's footprint). One sample per instance and series.
 */
import { instanceId } from '@drover/channel-model';
import type { LiveInstance } from './instances.js';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

interface Series {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: { labels: Record<string, string>; value: number }[];
}

function render(series: readonly Series[]): string {
  const out: string[] = [];
  for (const s of series) {
    out.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
    for (const { labels, value } of s.samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(',');
      out.push(`${s.name}${l === '' ? '' : `{${l}}`} ${value}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export async function runnerMetrics(runner: string, instances: readonly LiveInstance[]): Promise<string> {
  const series = (name: string, help: string, type: 'gauge' | 'counter'): Series => ({
    name,
    help,
    type,
    samples: [],
  });
  const up = series('drover_instance_up', '1 while the instance process runs', 'gauge');
  const state = series('drover_instance_state', 'The instance state (1 for the current one)', 'gauge');
  const restarts = series('drover_instance_restarts_total', 'Restarts of the instance', 'counter');
  const ooms = series('drover_instance_oom_kills_total', 'Kills for exceeding the memory limit', 'counter');
  const rss = series(
    'drover_instance_memory_bytes',
    'Memory in use (cgroup charge or process-group RSS)',
    'gauge',
  );
  const limit = series('drover_instance_memory_limit_bytes', 'Hard memory limit', 'gauge');
  const skipped = series(
    'drover_instance_skipped_runs_total',
    'Scheduled ticks skipped (previous run still going)',
    'counter',
  );
  const nextRun = series('drover_instance_next_run_timestamp_seconds', 'Next scheduled run', 'gauge');
  for (const i of instances) {
    const p = i.placement;
    const labels = {
      runner,
      tenant: p.tenant,
      channel: p.channel,
      app: p.app,
      instance: String(p.index),
      id: instanceId(p),
    };
    const s = i.status;
    up.samples.push({ labels, value: s?.pid != null ? 1 : 0 });
    state.samples.push({ labels: { ...labels, state: s?.state ?? 'pending' }, value: 1 });
    restarts.samples.push({ labels, value: s?.restarts ?? 0 });
    ooms.samples.push({ labels, value: s?.oomKills ?? 0 });
    const used = await i.rssBytes().catch(() => undefined);
    if (used !== undefined) rss.samples.push({ labels, value: used });
    if (s?.memoryLimitBytes != null) limit.samples.push({ labels, value: s.memoryLimitBytes });
    if (s !== undefined && (s.skippedRuns > 0 || s.nextRunAt !== null))
      skipped.samples.push({ labels, value: s.skippedRuns });
    if (s?.nextRunAt != null) nextRun.samples.push({ labels, value: Date.parse(s.nextRunAt) / 1000 });
  }
  const memory = process.memoryUsage();
  const proc = [
    {
      ...series('process_resident_memory_bytes', 'Resident memory of the runner', 'gauge'),
      samples: [{ labels: {}, value: memory.rss }],
    },
    {
      ...series('drover_runner_instances', 'Instances held by this runner', 'gauge'),
      samples: [{ labels: { runner }, value: instances.length }],
    },
  ];
  return render([up, state, restarts, ooms, rss, limit, skipped, nextRun, ...proc]);
}
