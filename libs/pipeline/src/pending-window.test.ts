import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOOR, PendingWindow } from './pending-window.js';

/**
 * Runs `n` intervals: each ends with the thread `busy`, then the input reaches its limit `holds`
 * times in the next one. The limits after each interval.
 */
function run(w: PendingWindow, n: number, busy: number, holds: number): number[] {
  const limits: number[] = [];
  for (let i = 0; i < n; i++) {
    w.adjust(busy);
    for (let h = 0; h < holds; h++) w.held();
    limits.push(w.limit);
  }
  return limits;
}

describe('PendingWindow', () => {
  it('starts at its floor; a ceiling under the floor is the whole window', () => {
    expect(new PendingWindow(5000).limit).toBe(DEFAULT_FLOOR);
    const small = new PendingWindow(100);
    expect(small.limit).toBe(100);
    expect(run(small, 3, 0.1, 1)).toEqual([100, 100, 100]);
  });

  it('does not grow before an interval has shown the thread has time to spare', () => {
    const w = new PendingWindow(5000);
    w.held();
    expect(w.limit).toBe(DEFAULT_FLOOR);
  });

  it('doubles once per interval when the input reaches its limit and the thread is mostly idle, up to the ceiling', () => {
    // Many holds per interval: one growth each (the next interval shows what it did).
    expect(run(new PendingWindow(5000), 4, 0.4, 10)).toEqual([2000, 4000, 5000, 5000]);
  });

  it('grows by the room the thread had, BUSY / utilisation', () => {
    // 0.9 / 0.72 = 1.25
    expect(run(new PendingWindow(5000), 3, 0.72, 1)).toEqual([1250, 1563, 1954]);
  });

  it('does not grow while the input does not reach its limit (the limit is not what slows it)', () => {
    expect(run(new PendingWindow(5000), 3, 0.2, 0)).toEqual([1000, 1000, 1000]);
  });

  it('shrinks by a quarter per interval while the thread is saturated, down to the floor, and does not grow', () => {
    const w = new PendingWindow(5000);
    run(w, 3, 0.5, 1);
    expect(run(w, 7, 0.99, 1)).toEqual([3750, 2812, 2109, 1581, 1185, 1000, 1000]);
  });

  it('neither grows nor shrinks between SPARE and BUSY', () => {
    const w = new PendingWindow(5000);
    run(w, 1, 0.5, 1);
    expect(run(w, 3, 0.85, 1)).toEqual([1800, 1800, 1800]);
  });
});
