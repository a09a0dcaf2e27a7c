import { describe, expect, it } from 'vitest';
import { auditResult, parseSince } from './audit.js';
import { uploadDigest } from './digest.js';

const now = new Date('2026-11-23T03:00:00.000Z');
const since = (text: string) => {
  const parsed = parseSince(text, now);
  return 'time' in parsed ? parsed.time.toISOString() : parsed.error;
};

describe('audit', () => {
  it('reads --since as a duration back from now', () => {
    expect(since('90m')).toBe('2026-11-23T01:30:00.000Z');
    expect(since('24h')).toBe('2026-11-22T03:00:00.000Z');
    expect(since('7d')).toBe('2026-11-16T03:00:00.000Z');
  });

  it('reads --since as an ISO 8601 time, with or without a zone', () => {
    expect(since('2026-11-20T10:00:00Z')).toBe('2026-11-20T10:00:00.000Z');
    expect(since('2026-11-20T10:00:00+02:00')).toBe('2026-11-20T08:00:00.000Z');
    expect(since('2026-11-20')).toBe('2026-11-20T00:00:00.000Z');
    // No zone: local time of the parsing process.
    expect(since('2026-11-20T10:00')).toBe(new Date(2026, 10, 20, 10, 0).toISOString());
  });

  it('refuses what is neither, saying what it expects', () => {
    for (const bad of ['yesterday', '10', '2026-13-45', '2026-11-20T25:00', '']) {
      expect(since(bad)).toMatch(/^invalid time ".*": expected a duration back from now/);
    }
  });

  it('calls 2xx ok, 401 and 403 refused, any other error failed', () => {
    expect([200, 401, 403, 404, 409, 500, 503].map(auditResult)).toEqual([
      'ok',
      'refused',
      'refused',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('digests an upload by its files, binary ones included', () => {
    const files = { 'channel_structure.yaml': 'version: "6.0"\n' };
    expect(uploadDigest(files, {})).toMatch(/^[0-9a-f]{16}$/);
    expect(uploadDigest(files, { 'a.bin': 'AAE=' })).not.toBe(uploadDigest(files, {}));
    expect(uploadDigest({ ...files }, {})).toBe(uploadDigest(files, {}));
  });
});
