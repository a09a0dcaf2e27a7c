import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BSD, matchBsd } from './timestamp.js';

/** What the BSD regex alone says (the reference matchBsd's fast path must agree with). */
function byRegex(line: string, start: number) {
  BSD.lastIndex = start;
  const m = BSD.exec(line);
  if (m === null) return null;
  return {
    day: Number(m[1] ?? m[4]),
    hour: Number(m[5]),
    minute: Number(m[6]),
    second: Number(m[7]),
    year: m[2] !== undefined || m[3] !== undefined,
    end: BSD.lastIndex,
  };
}

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
