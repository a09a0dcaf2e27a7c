import { describe, expect, it } from 'vitest';
import { prometheus } from './metrics.js';

describe('punchline metrics', () => {
  it('renders counters per component, in-flight and the limit of each input, and a cumulative latency histogram', () => {
    const text = prometheus(
      {
        components: {
          in: { in: 0, out: 10, acked: 9, failed: 1, errors: 0 },
          out: { in: 10, out: 0, acked: 9, failed: 1, errors: 0 },
        },
        inFlight: 2,
        inFlightLimit: { in: 1000 },
        latencyMs: { '1': 3, '5': 4, '10': 2 },
      },
      { tenant: 't', channel: 'c', app: 'a"b' },
    );
    expect(text).toContain('punchline_events_acked_total{tenant="t",channel="c",app="a_b",component="in"} 9');
    expect(text).toContain(
      'punchline_events_failed_total{tenant="t",channel="c",app="a_b",component="out"} 1',
    );
    expect(text).toContain('punchline_in_flight{tenant="t",channel="c",app="a_b"} 2');
    expect(text).toContain('punchline_in_flight_limit{tenant="t",channel="c",app="a_b",component="in"} 1000');
    expect(text).toContain('punchline_ack_latency_ms_bucket{tenant="t",channel="c",app="a_b",le="5"} 7');
    expect(text).toContain('punchline_ack_latency_ms_bucket{tenant="t",channel="c",app="a_b",le="+Inf"} 9');
  });

  it("renders the nodes' own metrics by component", () => {
    const text = prometheus(
      { components: {}, inFlight: 0, inFlightLimit: {}, latencyMs: {} },
      { tenant: 't' },
      { syslog_in: { spool_records: 12, open_connections: 3 } },
    );
    expect(text).toContain('punchline_node_spool_records{tenant="t",component="syslog_in"} 12');
    expect(text).toContain('punchline_node_open_connections{tenant="t",component="syslog_in"} 3');
  });
});
