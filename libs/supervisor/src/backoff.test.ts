import { describe, expect, it } from 'vitest';
import { defaultBackoff, nextConsecutive, restartDelay } from './backoff.js';

describe('restart backoff', () => {
  it('doubles from 1 s and caps at 60 s by default', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => restartDelay(defaultBackoff, n))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('resets after a stable period, counts quick failures otherwise', () => {
    expect(nextConsecutive(defaultBackoff, 5, 120_000)).toBe(0);
    expect(nextConsecutive(defaultBackoff, 5, 119_999)).toBe(6);
  });

  it('honours a per-application policy', () => {
    const policy = { initialMs: 200, maxMs: 500, resetAfterMs: 1000, maxRestarts: 3 };
    expect([0, 1, 2, 3].map((n) => restartDelay(policy, n))).toEqual([200, 400, 500, 500]);
  });
});
