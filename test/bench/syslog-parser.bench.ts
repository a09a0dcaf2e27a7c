/**
 * The syslog header recogniser (`@drover/syslog` parseSyslog) next to the parser it replaced
 * (`baseline/syslog-header-v1.ts`, frozen from main), same process, same lines, runs
 * interleaved (old, new, old, new, ...), on one core. Lines per second, medians, and the
 * new/old ratio as the median of each run pair's ratio (goal: >= 0.70).
 *
 * Three inputs:
 * - receiver lines: 4,096 generated ~300-byte nginx lines in RFC 3164 (`syslog-lines.ts`, what
 *   the receiver benches send);
 * - the real-world table: every line of `libs/syslog/test/real-world-lines.ts` that the old
 *   parser accepts (a line it throws on would charge it for an exception, not for parsing);
 * - the mix: both, one table line for every receiver line.
 *
 * A last row prices the receiver's path through its processing nodes: format_switch's check
 * then syslog_header's parse, per line (old: a regex then v1; new: the recogniser twice).
 */
import { performance } from 'node:perf_hooks';
import { isSyslogLine, parseSyslog } from '@drover/syslog';
import { realWorldLines } from '../../libs/syslog/test/real-world-lines.js';
import { parseSyslog as parseSyslogV1 } from './baseline/syslog-header-v1.js';
import { type BenchContext, type BenchRow, median } from './harness.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'syslog-parser';

const RUNS = 15;
/** Lines parsed per timed run: enough for ~50-100 ms a run on this machine. */
const LINES_PER_RUN = 200_000;
/** The regex the old format_switch used to decide "syslog" (processing.ts before issue 14). */
const OLD_SYSLOG_START = /^\s*(?:<\d{1,3}>|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s)/;

type Parse = (line: string) => { readonly message: string };

function oldAccepts(line: string): boolean {
  try {
    parseSyslogV1(line);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds to run `parse` over `lines`, cycled up to LINES_PER_RUN. */
function timeRun(parse: Parse, lines: readonly string[]): { ms: number; sink: number } {
  let sink = 0;
  const n = lines.length;
  const start = performance.now();
  for (let i = 0; i < LINES_PER_RUN; i++) sink += parse(lines[i % n] as string).message.length;
  return { ms: performance.now() - start, sink };
}

function compare(
  ctx: BenchContext,
  label: string,
  lines: readonly string[],
  oldParse: Parse,
  newParse: Parse,
): BenchRow[] {
  for (let w = 0; w < 3; w++) {
    timeRun(oldParse, lines);
    timeRun(newParse, lines);
  }
  const oldMs: number[] = [];
  const newMs: number[] = [];
  const ratios: number[] = [];
  let sink = 0;
  for (let r = 0; r < RUNS; r++) {
    const o = timeRun(oldParse, lines);
    const n = timeRun(newParse, lines);
    sink += o.sink + n.sink;
    oldMs.push(o.ms);
    newMs.push(n.ms);
    ratios.push(o.ms / n.ms);
  }
  const rate = (ms: number) => Math.round(LINES_PER_RUN / (ms / 1000));
  const oldRate = rate(median(oldMs));
  const newRate = rate(median(newMs));
  const ratio = median(ratios);
  ctx.log(
    `  ${label}: old ${oldRate} lines/s, new ${newRate} lines/s, ratio ${ratio.toFixed(2)} ` +
      `(pairs ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; ${lines.length} distinct lines; sink ${sink})`,
  );
  return [
    { case: `${label}: old parser (v1, main 776e538)`, metric: 'lines/s', value: oldRate, unit: '/s' },
    { case: `${label}: new recogniser`, metric: 'lines/s', value: newRate, unit: '/s' },
    {
      case: `${label}: new / old (median of ${RUNS} paired runs)`,
      metric: 'ratio',
      value: Number(ratio.toFixed(2)),
      unit: '',
      goal: '>= 0.70',
    },
  ];
}

export function run(ctx: BenchContext): BenchRow[] {
  const line = syslogLines();
  const receiverLines = Array.from({ length: 4096 }, (_, i) => line(i));
  const tableLines = realWorldLines.map((r) => r.line).filter(oldAccepts);
  const mix: string[] = [];
  for (let i = 0; i < receiverLines.length; i++) {
    mix.push(receiverLines[i] as string, tableLines[i % tableLines.length] as string);
  }
  ctx.log(`  table: ${tableLines.length} of ${realWorldLines.length} lines accepted by the old parser`);
  const viaNodesOld: Parse = (l) => {
    if (!OLD_SYSLOG_START.test(l)) return { message: '' };
    return parseSyslogV1(l);
  };
  const viaNodesNew: Parse = (l) => {
    if (!isSyslogLine(l)) return { message: '' };
    return parseSyslog(l);
  };
  return [
    ...compare(ctx, 'receiver lines (~300 B, RFC 3164)', receiverLines, parseSyslogV1, parseSyslog),
    ...compare(ctx, `real-world table (${tableLines.length} lines)`, tableLines, parseSyslogV1, parseSyslog),
    ...compare(ctx, 'mix: receiver lines + table, 1:1', mix, parseSyslogV1, parseSyslog),
    ...compare(ctx, 'mix through format_switch + syslog_header', mix, viaNodesOld, viaNodesNew),
  ];
}
