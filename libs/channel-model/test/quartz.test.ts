/**
 * Differential test: our Quartz evaluator against Quartz 2.3.2 itself. The fixture
 * (test/quartz/quartz-2.3.2.json) holds what Quartz's CronExpression answered for every case of
 * test/quartz/cases.tsv: the next five fire times after the start instant in the case's zone, or
 * the error it raised. Regenerate it with test/quartz/generate.sh (Java 17 and Maven).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssue, parseChannelStructure } from '../src/index.js';
import { parseQuartz, quartzError } from '../src/quartz.js';

interface Case {
  readonly zone: string;
  readonly start: string;
  readonly expression: string;
  readonly next?: readonly string[];
  readonly error?: string;
}

const fixture = JSON.parse(readFileSync(new URL('./quartz/quartz-2.3.2.json', import.meta.url), 'utf8')) as {
  generator: string;
  cases: Case[];
};
const label = (c: Case) => `${c.expression}  [${c.zone}, after ${c.start}]`;

function nextFive(c: Case): string[] {
  const cron = parseQuartz(c.expression, { timeZone: c.zone });
  const out: string[] = [];
  let at = new Date(c.start);
  for (let i = 0; i < 5; i++) {
    const next = cron.next(at);
    if (next === undefined) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
}

describe(`Quartz expressions, against ${fixture.generator}`, () => {
  it('covers at least 40 valid expressions, refusals, and daylight-saving zones', () => {
    const valid = new Set(fixture.cases.filter((c) => c.error === undefined).map((c) => c.expression));
    expect(valid.size).toBeGreaterThanOrEqual(40);
    expect(fixture.cases.filter((c) => c.error !== undefined).length).toBeGreaterThanOrEqual(10);
    expect(new Set(fixture.cases.map((c) => c.zone))).toEqual(
      new Set(['UTC', 'Europe/Paris', 'America/New_York']),
    );
  });

  for (const c of fixture.cases) {
    if (c.error !== undefined) {
      it(`refuses ${label(c)} as Quartz does (${c.error})`, () => {
        expect(quartzError(c.expression)).toBeDefined();
      });
    } else {
      it(`fires ${label(c)} when Quartz does`, () => {
        expect(quartzError(c.expression)).toBeUndefined();
        expect(nextFive(c)).toEqual((c.next ?? []).map((t) => new Date(t).toISOString()));
      });
    }
  }
});

describe('quartzcron_schedule in channel_structure.yaml', () => {
  const channel = (schedule: string) =>
    `version: "6.0"\napplications:\n  - name: purge\n    runtime: shiva\n    cluster: c\n    command: x\n    quartzcron_schedule: "${schedule}"\n`;

  it('accepts the last Friday of the month and the third-to-last day (issue 15)', () => {
    for (const schedule of [
      '0 0 12 ? * 6L',
      '0 0 12 L-3 * ?',
      '0 0 12 LW * ?',
      '0 0 12 ? * 2#1',
      '0 0 0 1 1 ? 2028',
    ]) {
      const result = parseChannelStructure(channel(schedule), { file: 'cs.yaml' });
      expect(result.issues).toEqual([]);
    }
  });

  it('reports what Quartz refuses with file:line:column and Quartz’s reason', () => {
    const result = parseChannelStructure(channel('0 0 12 L-31 * ?'), { file: 'cs.yaml' });
    expect(result.ok).toBe(false);
    expect(result.issues.map(formatIssue)).toEqual([
      'cs.yaml:7:26: applications[0].quartzcron_schedule: quartzcron_schedule: Offset from last day must be <= 30',
    ]);
  });

  it('refuses more than 7 fields, which Quartz would silently ignore', () => {
    expect(quartzError('0 0 12 ? * 2 2027 extra')).toMatch(/8 fields/);
  });
});
