import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is FIFO and collapses adds of a key not yet taken', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.next()).toBe('a');
    expect(q.takeReady()).toEqual(['b']);
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed; one added meanwhile comes back after done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    expect(await q.next()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.takeReady()).toEqual([]);
    q.done('a');
    expect(q.takeReady()).toEqual(['a']);
    q.done('a');
    expect(q.takeReady()).toEqual([]);
  });

  it('wakes a waiting next() on add', async () => {
    const q = new WorkQueue<string>();
    const taken = q.next();
    q.add('x');
    expect(await taken).toBe('x');
    // It is processing: another add waits for done.
    q.add('x');
    expect(q.takeReady()).toEqual([]);
  });

  it('backs a failing key off exponentially up to the cap, and forget resets it', async () => {
    const q = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 1000 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) delays.push(q.addRateLimited('k'));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.failures('k')).toBe(6);
    // The earliest timed add stands: the key is there after 100 ms, not before.
    vi.advanceTimersByTime(99);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.takeReady()).toEqual(['k']);
    q.forget('k');
    q.done('k');
    expect(q.addRateLimited('k')).toBe(100);
  });

  it('addAfter keeps the earliest time of a key', () => {
    const q = new WorkQueue<string>();
    q.addAfter('k', 500);
    q.addAfter('k', 2000);
    q.addAfter('k', 300);
    vi.advanceTimersByTime(300);
    expect(q.takeReady()).toEqual(['k']);
    q.done('k');
    vi.advanceTimersByTime(5000);
    expect(q.takeReady()).toEqual([]);
  });

  it('shutDown resolves a waiting next with undefined and drops timers', async () => {
    const q = new WorkQueue<string>();
    q.addAfter('late', 1000);
    const waiting = q.next();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    vi.advanceTimersByTime(2000);
    expect(await q.next()).toBeUndefined();
    q.add('x');
    expect(q.length).toBe(0);
  });
});
