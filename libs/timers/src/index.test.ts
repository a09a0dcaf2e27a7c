import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_DELAY_MS, setLongInterval, setLongTimeout, sleep } from './index.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('native timers (what the helpers exist for)', () => {
  it('fire a delay past 2^31-1 ms after 1 ms', () => {
    // Vitest's fake timers reproduce Node's clamp; this is the bug behind issue 15's item 1.
    const fired = vi.fn();
    setTimeout(fired, MAX_TIMER_DELAY_MS + 1);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });
});

describe('setLongTimeout', () => {
  it('waits a year, not a millisecond, and fires once', () => {
    const fired = vi.fn();
    setLongTimeout(fired, YEAR);
    vi.advanceTimersByTime(YEAR - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(YEAR);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('fires a short delay as setTimeout does', () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 50);
    expect(timer.active).toBe(true);
    vi.advanceTimersByTime(49);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
    expect(timer.active).toBe(false);
  });

  it('can be cleared in the middle of its chain', () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 3 * MAX_TIMER_DELAY_MS);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 10);
    timer.clear();
    expect(timer.active).toBe(false);
    vi.advanceTimersByTime(3 * MAX_TIMER_DELAY_MS);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps unref across every hop of the chain', () => {
    const timer = setLongTimeout(() => {}, 2 * MAX_TIMER_DELAY_MS).unref();
    expect(timer.hasRef()).toBe(false);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(timer.active).toBe(true);
    expect(timer.hasRef()).toBe(false);
    expect(timer.ref().hasRef()).toBe(true);
    timer.clear();
  });

  it('treats a negative delay as now and refuses NaN', () => {
    const fired = vi.fn();
    setLongTimeout(fired, -5);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
    expect(() => setLongTimeout(() => {}, Number.NaN)).toThrow(RangeError);
  });
});

describe('setLongInterval', () => {
  it('repeats a period past 2^31-1 ms at that period', () => {
    const fired = vi.fn();
    const timer = setLongInterval(fired, 40 * DAY);
    vi.advanceTimersByTime(40 * DAY - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(80 * DAY);
    expect(fired).toHaveBeenCalledTimes(3);
    timer.clear();
    vi.advanceTimersByTime(80 * DAY);
    expect(fired).toHaveBeenCalledTimes(3);
  });

  it('repeats a short period like setInterval', () => {
    const fired = vi.fn();
    const timer = setLongInterval(fired, 100).unref();
    vi.advanceTimersByTime(1000);
    expect(fired).toHaveBeenCalledTimes(10);
    timer.clear();
  });
});

describe('sleep', () => {
  it('resolves after a delay past 2^31-1 ms, not before', async () => {
    let done = false;
    void sleep(30 * DAY).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  it('rejects with an AbortError when aborted, and leaves no timer behind', async () => {
    const controller = new AbortController();
    const slept = sleep(30 * DAY, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(1, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
