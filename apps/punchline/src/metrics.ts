/** The engine's counters as Prometheus text (for --metrics-listen) and as one log record. */
import type { EngineStats } from '@drover/pipeline';

export function prometheus(stats: EngineStats, labels: Readonly<Record<string, string>>): string {
  const base = Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
    .join(',');
  const lines: string[] = [];
  const counter = (name: string, help: string) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
  for (const [metric, key, help] of [
    ['punchline_events_in_total', 'in', 'Events delivered to the component'],
    ['punchline_events_out_total', 'out', 'Events emitted by the component'],
    [
      'punchline_events_acked_total',
      'acked',
      'Events the component confirmed (inputs: fully confirmed events)',
    ],
    ['punchline_events_failed_total', 'failed', 'Events the component failed (inputs: failed back events)'],
    ['punchline_events_errors_total', 'errors', 'Processing errors (routed to _ppf_errors when declared)'],
  ] as const) {
    counter(metric, help);
    for (const [component, s] of Object.entries(stats.components)) {
      lines.push(`${metric}{${base}${base === '' ? '' : ','}component="${component}"} ${s[key]}`);
    }
  }
  lines.push('# HELP punchline_in_flight Events in flight', '# TYPE punchline_in_flight gauge');
  lines.push(`punchline_in_flight{${base}} ${stats.inFlight}`);
  lines.push(
    '# HELP punchline_ack_latency_ms Confirmation latency of events',
    '# TYPE punchline_ack_latency_ms histogram',
  );
  let cumulative = 0;
  for (const [le, n] of Object.entries(stats.latencyMs)) {
    cumulative += n;
    lines.push(`punchline_ack_latency_ms_bucket{${base}${base === '' ? '' : ','}le="${le}"} ${cumulative}`);
  }
  lines.push(`punchline_ack_latency_ms_bucket{${base}${base === '' ? '' : ','}le="+Inf"} ${cumulative}`);
  return `${lines.join('\n')}\n`;
}
