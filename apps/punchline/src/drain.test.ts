import { describe, expect, it } from 'vitest';
import { defaultDrainMs } from './drain.js';

describe('default drain timeout', () => {
  it("ends 2 s before the runner's SIGKILL, within 1-30 s", () => {
    expect(defaultDrainMs(undefined)).toBe(30_000);
    expect(defaultDrainMs('')).toBe(30_000);
    expect(defaultDrainMs('nonsense')).toBe(30_000);
    expect(defaultDrainMs('10000')).toBe(8_000);
    expect(defaultDrainMs('2500')).toBe(1_000);
    expect(defaultDrainMs('120000')).toBe(30_000);
  });
});
