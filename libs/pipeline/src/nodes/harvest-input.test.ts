import { describe, expect, it } from 'vitest';
import { globMatcher } from './harvest-input.js';

describe('harvest ignore globs', () => {
  it('match whole names, * for any run, the rest literal', () => {
    const ignored = globMatcher(['.*', '*.part', 'tmp(1)*']);
    expect(ignored('.upload.log')).toBe(true);
    expect(ignored('a.log.part')).toBe(true);
    expect(ignored('tmp(1)x')).toBe(true);
    expect(ignored('a.log')).toBe(false);
    expect(ignored('a.partial')).toBe(false);
    expect(ignored('tmp1x')).toBe(false);
  });
});
