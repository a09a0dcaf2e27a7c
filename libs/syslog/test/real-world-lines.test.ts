import { describe, expect, it } from 'vitest';
import { isSyslogLine, parseSyslog, syslogHeaderSchema } from '../src/index.js';
import { realWorldLines } from './real-world-lines.js';

describe('real-world syslog lines', () => {
  it('the table has at least 60 lines, each with a source', () => {
    expect(realWorldLines.length).toBeGreaterThanOrEqual(60);
    for (const row of realWorldLines) expect(row.source.length, row.line).toBeGreaterThan(5);
    expect(new Set(realWorldLines.map((r) => r.line)).size).toBe(realWorldLines.length);
  });

  it.each(realWorldLines.map((row) => [row.sender, row] as const))('%s', (_sender, row) => {
    const header = parseSyslog(row.line);
    expect(header).toMatchObject(row.expect);
    expect(syslogHeaderSchema.parse(header)).toEqual(header);
    // format_switch's rule agrees with the fields: syslog unless the header says `none`.
    expect(isSyslogLine(row.line)).toBe(row.expect.header !== 'none');
  });
});
