/** The engine's counters as Prometheus text (for --metrics-listen) and as one log record. */
import type { EngineNode, EngineStats } from '@drover/pipeline';

/** What nodes report of themselves (InputNode.metrics): by component, metric name -> value. */
export type NodeMetrics = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Each node's own metrics: `component` -> its `metrics()`, for nodes that have some. */
export function nodeMetrics(nodes: readonly EngineNode[]): NodeMetrics {
  const out: Record<string, Readonly<Record<string, number>>> = {};
  for (const n of nodes) {
    const m = n.impl.kind === 'input' ? n.impl.metrics?.() : undefined;
    if (m !== undefined) out[n.component] = m;
  }
  return out;
}

export function prometheus(
  stats: EngineStats,
  labels: Readonly<Record<string, string>>,
  nodes: NodeMetrics = {},
): string {
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
    '# HELP punchline_in_flight_limit Events an input may have in flight now (at most max.spout.pending)',
    '# TYPE punchline_in_flight_limit gauge',
  );
  for (const [component, limit] of Object.entries(stats.inFlightLimit)) {
    lines.push(
      `punchline_in_flight_limit{${base}${base === '' ? '' : ','}component="${component}"} ${limit}`,
    );
  }
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
  // Node metrics: counters and gauges alike are exported untyped (their names say which).
  const byName = new Map<string, string[]>();
  for (const [component, metrics] of Object.entries(nodes)) {
    for (const [name, value] of Object.entries(metrics)) {
      const metric = `punchline_node_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
      const list = byName.get(metric) ?? [];
      list.push(`${metric}{${base}${base === '' ? '' : ','}component="${component}"} ${value}`);
      byName.set(metric, list);
    }
  }
  for (const [metric, list] of byName) lines.push(`# TYPE ${metric} untyped`, ...list);
  return `${lines.join('\n')}\n`;
}
