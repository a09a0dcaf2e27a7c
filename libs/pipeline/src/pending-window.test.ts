import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOOR, INTERVAL_MS, PendingWindow } from './pending-window.js';

/**
 * Feeds one interval of confirmations: `rate` events/s spread over INTERVAL_MS from `start`, each
 * confirmed `latencyMs` after it was emitted. Returns the interval's end.
 */
function interval(w: PendingWindow, start: number, rate: number, latencyMs: number): number {
  const n = Math.round((rate * INTERVAL_MS) / 1000);
  for (let i = 0; i < n; i++) w.confirmed(start + (i * INTERVAL_MS) / n, latencyMs);
  return start + INTERVAL_MS;
}

describe('PendingWindow', () => {
  it('starts at its floor, and a ceiling under the floor is the whole window', () => {
    expect(new PendingWindow(5000).limit).toBe(DEFAULT_FLOOR);
    const small = new PendingWindow(100);
    let t = 0;
    for (let i = 0; i < 20; i++) t = interval(small, t, 1000, 500);
    expect(small.limit).toBe(100);
  });

  it('stays at the floor when a near output confirms fast (a local broker, the pipeline CPU-bound)', () => {
    const w = new PendingWindow(5000);
    let t = 0;
    // 100,000 events/s confirmed within 2 ms: the bandwidth-delay product is 200 events.
    for (let i = 0; i < 30; i++) t = interval(w, t, 100_000, 2);
    expect(w.limit).toBe(DEFAULT_FLOOR);
  });

  it('doubles while the window is what limits a distant output, up to the ceiling', () => {
    const w = new PendingWindow(5000);
    const limits: number[] = [];
    let t = 0;
    for (let i = 0; i < 8; i++) {
      // 50 ms away and not queueing: the rate is what the window lets through.
      t = interval(w, t, w.limit / 0.05, 50);
      limits.push(w.limit);
    }
    // An interval closes at the next one's first confirmation, and the rate it measured was
    // that of the limit before: the limit doubles every other interval here.
    expect(limits).toEqual([1000, 2000, 2000, 4000, 4000, 5000, 5000, 5000]);
  });

  it('sizes the window at twice rate times least latency between floor and ceiling', () => {
    const w = new PendingWindow(50_000);
    let t = 0;
    for (let i = 0; i < 15; i++) t = interval(w, t, 20_000, 100);
    expect(w.limit).toBe(4000);
  });

  it('shrinks back as soon as confirmations come faster (the least latency of the last 10 s)', () => {
    const w = new PendingWindow(5000);
    let t = 0;
    for (let i = 0; i < 10; i++) t = interval(w, t, w.limit / 0.05, 50);
    expect(w.limit).toBe(5000);
    for (let i = 0; i < 3; i++) t = interval(w, t, 100_000, 2);
    expect(w.limit).toBe(DEFAULT_FLOOR);
  });

  it('never goes under the floor for events confirmed at once (filtered out, latency 0)', () => {
    const w = new PendingWindow(5000);
    let t = 0;
    for (let i = 0; i < 10; i++) t = interval(w, t, 50_000, 0);
    expect(w.limit).toBe(DEFAULT_FLOOR);
  });

  it('takes the highest rate of the last second only: a burst long past no longer counts', () => {
    const w = new PendingWindow(100_000, 10);
    let t = 0;
    for (let i = 0; i < 5; i++) t = interval(w, t, 100_000, 20);
    expect(w.limit).toBe(4000);
    for (let i = 0; i < 12; i++) t = interval(w, t, 1000, 20);
    expect(w.limit).toBe(40);
  });

  it('counts a silence as a slow interval: the first confirmations after it size the window on their own', () => {
    const w = new PendingWindow(100_000, 10);
    let t = 0;
    for (let i = 0; i < 5; i++) t = interval(w, t, 100_000, 20);
    t += 60_000;
    for (let i = 0; i < 11; i++) t = interval(w, t, 2000, 20);
    expect(w.limit).toBe(80);
  });
});
