/**
 * The benchmark harness: each `<area>.bench.ts` exports `name` and `run(ctx)` returning rows.
 * Figures are medians over several runs measured in one process, so ratios between rows of one
 * run are meaningful; absolute numbers depend on the (shared, noisy) machine.
 */
import { performance } from 'node:perf_hooks';
import { endScratchDir, makeScratchDir } from '../support/scratch-dir.js';

export interface BenchRow {
  /** What was measured, e.g. "place 10000 instances / 1000 runners from scratch". */
  readonly case: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The goal from the issue, for the table; never asserted. */
  readonly goal?: string;
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface BenchContext {
  /** Runs `fn` `runs` times after `warmup` unmeasured runs; returns per-run milliseconds. */
  time(fn: () => void, opts?: { runs?: number; warmup?: number }): number[];
  log(message: string): void;
  /**
   * A fresh directory under the system's temp dir (`prefix` + random), for one bench's files:
   * removed when the bench ends well, kept and named in the log when it fails (run.ts). A syslog
   * run leaves ~150 MB of spools and logs behind otherwise.
   */
  scratchDir(prefix: string): string;
}

export interface BenchModule {
  readonly name: string;
  run(ctx: BenchContext): Promise<BenchRow[]> | BenchRow[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** The directories `scratchDir` made since the last `endScratch`. */
const scratch: string[] = [];

/** After a bench: its scratch directories removed (`ok`) or kept, and named, for a look at its logs. */
export function endScratch(ok: boolean): void {
  for (const dir of scratch.splice(0)) endScratchDir(dir, !ok);
}

export const context: BenchContext = {
  time(fn, opts = {}) {
    const { runs = 7, warmup = 2 } = opts;
    for (let i = 0; i < warmup; i++) fn();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      fn();
      samples.push(performance.now() - start);
    }
    return samples;
  },
  log(message) {
    process.stderr.write(`${message}\n`);
  },
  scratchDir(prefix) {
    const dir = makeScratchDir(prefix);
    scratch.push(dir);
    return dir;
  },
};

export function formatTable(rows: readonly (BenchRow & { bench: string })[]): string {
  const header = ['bench', 'case', 'metric', 'value', 'goal'];
  const body = rows.map((r) => [
    r.bench,
    r.case,
    r.metric,
    `${Number.isInteger(r.value) ? r.value : r.value.toFixed(2)} ${r.unit}`,
    r.goal ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
