import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOOR, PendingWindow } from './pending-window.js';

/** Runs `n` intervals, each with the input held or not and the thread `busy`; the limits after each. */
function run(w: PendingWindow, n: number, held: boolean, busy: number): number[] {
  const limits: number[] = [];
  for (let i = 0; i < n; i++) {
    if (held) w.held();
    w.adjust(busy);
    limits.push(w.limit);
  }
  return limits;
}

describe('PendingWindow', () => {
  it('starts at its floor; a ceiling under the floor is the whole window', () => {
    expect(new PendingWindow(5000).limit).toBe(DEFAULT_FLOOR);
    const small = new PendingWindow(100);
    expect(small.limit).toBe(100);
    expect(run(small, 3, true, 0.1)).toEqual([100, 100, 100]);
  });

  it('grows by half per interval while the input is held and the thread has time, up to the ceiling', () => {
    expect(run(new PendingWindow(5000), 6, true, 0.5)).toEqual([1500, 2250, 3375, 5000, 5000, 5000]);
  });

  it('does not grow when the input was not held back (the limit was not what slowed it)', () => {
    expect(run(new PendingWindow(5000), 3, false, 0.2)).toEqual([1000, 1000, 1000]);
  });

  it('shrinks by a quarter per interval while the thread is saturated, down to the floor, held or not', () => {
    const w = new PendingWindow(5000);
    run(w, 6, true, 0.5);
    expect(run(w, 7, true, 0.99)).toEqual([3750, 2812, 2109, 1581, 1185, 1000, 1000]);
  });

  it('holds between SPARE and BUSY: neither grows nor shrinks', () => {
    const w = new PendingWindow(5000);
    run(w, 2, true, 0.5);
    expect(run(w, 3, true, 0.92)).toEqual([2250, 2250, 2250]);
  });

  it('forgets a hold once its interval is adjusted', () => {
    const w = new PendingWindow(5000);
    w.held();
    w.adjust(0.5);
    w.adjust(0.5);
    expect(w.limit).toBe(1500);
  });
});
