/**
 * Placement at fleet scale: 10,000 instances on 1,000 runners from scratch, then the incremental
 * step after one runner is lost (the step the controller runs on every runner-lease expiry).
 */
import { type AppDemand, place, type RunnerInfo } from '@drover/placement';
import { type BenchContext, type BenchRow, median } from './harness.js';

export const name = 'placement';

const Mi = 1024 ** 2;

function fleet(
  runnerCount: number,
  instanceCount: number,
): { runners: RunnerInfo[]; applications: AppDemand[] } {
  const runners: RunnerInfo[] = [];
  for (let i = 0; i < runnerCount; i++) {
    runners.push({
      name: `runner-${String(i).padStart(4, '0')}`,
      cluster: i % 10 === 0 ? 'front' : 'common',
      tags: [i % 2 === 0 ? 'even' : 'odd', `rack${i % 20}`],
      capacity: { memoryBytes: 64 * 1024 * Mi },
    });
  }
  // A realistic mix: most applications single-instance, some HA pairs and triples, some pinned.
  const applications: AppDemand[] = [];
  let placed = 0;
  for (let a = 0; placed < instanceCount; a++) {
    const instances = Math.min(instanceCount - placed, a % 5 === 0 ? 3 : a % 3 === 0 ? 2 : 1);
    applications.push({
      id: `tenant${a % 50}/channel${a % 400}/app${a}`,
      cluster: a % 10 === 0 ? 'front' : 'common',
      tags: a % 7 === 0 ? [`rack${a % 20}`] : a % 11 === 0 ? ['even'] : [],
      instances,
      memoryBytes: (64 + (a % 8) * 64) * Mi,
    });
    placed += instances;
  }
  return { runners, applications };
}

export function run(ctx: BenchContext): BenchRow[] {
  const { runners, applications } = fleet(1000, 10_000);
  const scratch = ctx.time(() => place({ applications, runners, current: [] }), { runs: 9, warmup: 2 });
  const settled = place({ applications, runners, current: [] });

  const lost = runners[123] as RunnerInfo;
  const survivors = runners.filter((r) => r !== lost);
  const incremental = ctx.time(
    () => place({ applications, runners: survivors, current: settled.assignments }),
    {
      runs: 15,
      warmup: 3,
    },
  );
  const after = place({ applications, runners: survivors, current: settled.assignments });
  const steady = ctx.time(() => place({ applications, runners, current: settled.assignments }), {
    runs: 15,
    warmup: 3,
  });

  const extra = { instances: 10_000, runners: 1000, applications: applications.length };
  return [
    {
      case: '10,000 instances on 1,000 runners, from scratch',
      metric: 'median',
      value: median(scratch),
      unit: 'ms',
      goal: '< 200 ms',
      extra: { ...extra, pending: settled.pending.length },
    },
    {
      case: 'incremental: one runner lost',
      metric: 'median',
      value: median(incremental),
      unit: 'ms',
      goal: '< 20 ms',
      extra: { ...extra, moved: after.changes.move.length, stopped: after.changes.stop.length },
    },
    {
      case: 'steady state: nothing changed',
      metric: 'median',
      value: median(steady),
      unit: 'ms',
      extra,
    },
  ];
}
