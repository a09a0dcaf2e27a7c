import { pipelineStatsSchema, ratesOf } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { componentKind, inputTotals, StatsHistory, statsJson } from './stats-history.js';

const stats = (inOut: number, acked: number) => ({
  components: {
    src: { in: 0, out: inOut, acked, failed: 1, errors: 0 },
    sink: { in: inOut, out: 0, acked, failed: 1, errors: 0 },
  },
  inFlight: 3,
  inFlightLimit: {},
  latencyMs: {},
});
const kinds = { src: 'input', sink: 'output' } as const;

describe('pipeline stats as JSON', () => {
  it('sums only the inputs into a sample', () => {
    expect(inputTotals(stats(10, 8), kinds, 5)).toEqual({ at: 5, in: 10, acked: 8, failed: 1 });
  });

  it('keeps a bounded history and ends it with the counters as they are now', () => {
    const h = new StatsHistory(1000, 3);
    for (let i = 0; i < 5; i++) h.add(inputTotals(stats(i * 100, i * 100), kinds, i * 1000));
    expect(h.samples.map((s) => s.at)).toEqual([2000, 3000, 4000]);
    const json = statsJson(stats(550, 540), kinds, h, 0, 4500);
    expect(json.components.src?.kind).toBe('input');
    expect(json.components.sink).toMatchObject({ kind: 'output', in: 550 });
    expect(json.history.samples.at(-1)).toEqual({ at: 4500, in: 550, acked: 540, failed: 1 });
    // 100 events per second between samples, then 150 in the last half second (300/s).
    expect(ratesOf(json.history.samples, 'in').map((r) => r.perSecond)).toEqual([100, 100, 300]);
  });

  it('reports a node on worker threads (deferred) as processing, in counters readers accept', () => {
    const threaded = {
      ...stats(10, 8),
      components: { ...stats(10, 8).components, grok: { in: 10, out: 10, acked: 8, failed: 0, errors: 0 } },
    };
    const kindsOf = {
      src: componentKind('input'),
      grok: componentKind('deferred'),
      sink: componentKind('output'),
    };
    const json = statsJson(threaded, kindsOf, new StatsHistory(1000, 3), 0, 1000);
    expect(json.components.grok?.kind).toBe('processing');
    // What the runner and the controller decode it with (the console and npm start's summary).
    expect(pipelineStatsSchema.safeParse(json).success).toBe(true);
  });

  it('starts a rate over when a counter went down (a restart)', () => {
    const r = ratesOf(
      [
        { at: 0, in: 500, acked: 0, failed: 0 },
        { at: 1000, in: 20, acked: 0, failed: 0 },
      ],
      'in',
    );
    expect(r).toEqual([{ at: 1000, perSecond: 20 }]);
  });
});
