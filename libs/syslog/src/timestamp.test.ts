import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchBsdByRegex as byRegex, matchBsd, matchIso } from './timestamp.js';

/** The regex matchIso replaced: its reference. */
const ISO = /(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2}):(\d{2})(?:[.,]\d{1,9})?(Z|[+-]\d{2}(?::?\d{2})?)?/y;

describe('matchBsd', () => {
  it('reads the common forms without the regex and agrees with it on any line near them', () => {
    const piece = fc.constantFrom(
      'Nov',
      'Oct',
      'Jan',
      'nov',
      'Nox',
      'No',
      ' ',
      '  ',
      '   ',
      '1',
      '01',
      '23',
      '123',
      '2026',
      ':',
      '05',
      '5',
      '.',
      '123456789',
      '1234567890',
      'Z',
      '+02:00',
      'T',
      'x',
      '',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), fc.nat(3), (pieces, start) => {
        const line = pieces.join('');
        expect(matchBsd(line, start)).toEqual(byRegex(line, start));
      }),
      { numRuns: 20_000 },
    );
    // Structured: near the common form, every part of it varied.
    const digits = (min: number, max: number) =>
      fc
        .array(fc.constantFrom('0', '1', '2', '5', '9'), { minLength: min, maxLength: max })
        .map((d) => d.join(''));
    const near = fc
      .tuple(
        fc.constantFrom('', '*', 'x'),
        fc.constantFrom('Nov', 'Dec', 'nov', 'Nox'),
        fc.constantFrom('', ' ', '  ', '   '),
        digits(0, 3),
        fc.constantFrom('', ' 2026', ' 202'),
        fc.constantFrom(' ', '', 'T'),
        digits(1, 3),
        fc.constantFrom(':', '.'),
        digits(1, 3),
        fc.constantFrom(':', ''),
        digits(0, 3),
        fc.constantFrom('', '.', ','),
        digits(0, 11),
        fc.constantFrom('', ' ', ' host a: m', ':', ' 2026 x', 'Z'),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(near, (line) => {
        for (const start of [0, 1]) expect(matchBsd(line, start)).toEqual(byRegex(line, start));
      }),
      { numRuns: 20_000 },
    );
    for (const line of [
      'Nov 23 05:00:12 host a: m',
      'Oct  1 22:14:15 h',
      'Oct 1 22:14:15.123456789 h',
      'Oct 1 22:14:15.1234567890 h',
      'Nov 21 2026 05:31:56.123 h',
      '2018 Apr 20 13:15:07 h',
      'Nov 23 05:00:1',
    ]) {
      expect(matchBsd(line, 0)).toEqual(byRegex(line, 0));
    }
  });
});

function isoByRegex(line: string, start: number) {
  ISO.lastIndex = start;
  const m = ISO.exec(line);
  if (m === null) return null;
  return {
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[5]),
    minute: Number(m[6]),
    second: Number(m[7]),
    space: m[4] === ' ',
    zone: m[8] ?? null,
    end: ISO.lastIndex,
  };
}

describe('matchIso', () => {
  it('agrees with the ISO regex on lines near RFC 3339 in every part', () => {
    const digits = (min: number, max: number) =>
      fc
        .array(fc.constantFrom('0', '1', '2', '5', '9'), { minLength: min, maxLength: max })
        .map((d) => d.join(''));
    const near = fc
      .tuple(
        fc.constantFrom('', 'x'),
        digits(3, 5),
        fc.constantFrom('-', '/'),
        digits(1, 3),
        fc.constantFrom('-', ''),
        digits(1, 3),
        fc.constantFrom('T', ' ', 't', ''),
        digits(1, 3),
        fc.constantFrom(':', ''),
        digits(1, 3),
        fc.constantFrom(':', '.'),
        digits(1, 3),
        fc.constantFrom('', '.', ',', ':'),
        digits(0, 11),
        fc.constantFrom('', 'Z', '+', '-', 'z'),
        digits(0, 2),
        fc.constantFrom('', ':', ' '),
        digits(0, 3),
        fc.constantFrom('', ' host a: m', ':'),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(near, (line) => {
        for (const start of [0, 1]) expect(matchIso(line, start)).toEqual(isoByRegex(line, start));
      }),
      { numRuns: 30_000 },
    );
    for (const line of [
      '2026-11-23T05:00:12.123456+00:00 host',
      '2026-11-23T05:00:12Z',
      '2026-11-23 05:00:12,123 INFO',
      '2026-11-23T05:00:12+0100',
      '2026-11-23T05:00:12+01',
      '2026-11-23T05:00:12+01:0',
      '2026-11-23T05:00:12.1234567890Z',
    ]) {
      expect(matchIso(line, 0)).toEqual(isoByRegex(line, 0));
    }
  });
});
