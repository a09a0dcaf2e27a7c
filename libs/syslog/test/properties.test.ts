/**
 * Properties of the recogniser over generated input: it never throws for a string, its result
 * always fits the contract, it never loses text, and well-formed lines come back field by field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSyslogLine, parseSyslog, SyslogHeaderError, syslogHeaderSchema } from '../src/index.js';
import { realWorldLines } from './real-world-lines.js';

/** The line less its framing trailer (trailing CR, LF, NUL): what "the whole line" means. */
const withoutTrailer = (line: string) => line.replace(/[\r\n\0]+$/, '');

/** Pieces that drive the parser down its every path when strung together. */
const fragments = fc.constantFrom(
  '<',
  '>',
  '<13>',
  '<189>',
  '<191>',
  '<192>',
  '<013>',
  '1 ',
  '88: ',
  ': ',
  '-',
  ' ',
  '  ',
  ':',
  '[',
  ']',
  '"',
  '\\',
  '=',
  '*',
  '.',
  '%',
  '\t',
  '\r\n',
  '\0',
  '\uFEFF',
  'Oct',
  ' 11 ',
  ' 1 ',
  '2018 ',
  '22:14:15',
  '.663',
  ' UTC',
  '2026-01-12T11:15:58',
  '2026-13-45T25:61:61',
  'Z',
  '+00:00',
  '+0000',
  '1d02h',
  'host1',
  '2001:db8::1',
  '::ffff:10.0.0.7',
  'sshd',
  '[1234]',
  '[-]',
  'info',
  '%ASA-6-302013',
  '%SYS-5-CONFIG_I',
  '[ex@1 a="b\\"c"]',
  '[origin ip="1" ip="2"]',
  'é',
  '😀',
);
const syslogish = fc.array(fragments, { maxLength: 24 }).map((parts) => parts.join(''));
const anyText = fc.oneof(
  syslogish,
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ maxLength: 200 }),
);

const substringFields = [
  'timestamp',
  'timestamp_zone',
  'host',
  'level',
  'app_name',
  'procid',
  'msgid',
  'structured_data',
] as const;

describe('parseSyslog properties', () => {
  it('never throws for a string, and always returns the contract', () => {
    fc.assert(
      fc.property(anyText, (line) => {
        const header = parseSyslog(line);
        expect(syslogHeaderSchema.safeParse(header).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('never loses text: unread means the whole line, read means a suffix of it', () => {
    fc.assert(
      fc.property(anyText, (line) => {
        const header = parseSyslog(line);
        const whole = withoutTrailer(line);
        if (header.header === 'parsed') {
          expect(header.header_issue).toBeNull();
          expect(whole.endsWith(header.message)).toBe(true);
        } else {
          expect(header.header_issue).not.toBeNull();
          expect(header.message).toBe(whole);
        }
        if (header.header === 'none') {
          expect(header.pri).toBeNull();
          expect(header.host).toBeNull();
          expect(header.app_name).toBeNull();
        }
        // Nothing is made up: every text field is a piece of the line.
        for (const field of substringFields) {
          const value = header[field];
          if (value !== null) expect(whole.includes(value), `${field} "${value}"`).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('isSyslogLine (format_switch) and parseSyslog (syslog_header) never disagree', () => {
    fc.assert(
      fc.property(anyText, (line) => {
        expect(isSyslogLine(line)).toBe(parseSyslog(line).header !== 'none');
      }),
      { numRuns: 3000 },
    );
  });

  it('throws only its coded error, and only for what is not a string', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        fc.pre(typeof value !== 'string');
        try {
          parseSyslog(value as string);
          expect.unreachable('a non-string was accepted');
        } catch (error) {
          expect(error).toBeInstanceOf(SyslogHeaderError);
          expect((error as SyslogHeaderError).code).toBe('NOT_A_STRING');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads back the fields of well-formed RFC 3164 lines', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const two = (n: number) => String(n).padStart(2, '0');
    const bsdTime = fc
      .record({
        month: fc.constantFrom(...months),
        day: fc.integer({ min: 1, max: 28 }),
        h: fc.integer({ min: 0, max: 23 }),
        m: fc.integer({ min: 0, max: 59 }),
        s: fc.integer({ min: 0, max: 59 }),
      })
      .map(
        ({ month, day, h, m, s }) => `${month} ${String(day).padStart(2, ' ')} ${two(h)}:${two(m)}:${two(s)}`,
      );
    const isoTime = fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2099-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/);
    const host = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.')),
      fc.ipV4(),
      fc.ipV6().filter((ip) => ip.includes('::') || ip.split(':').length === 8),
    );
    const app = fc.stringMatching(/^[a-zA-Z_/][a-zA-Z0-9_./-]{0,30}$/);
    const pid = fc.option(fc.integer({ min: 1, max: 4_194_304 }).map(String), { nil: null });
    const message = fc.string({ maxLength: 80 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        fc.oneof(bsdTime, isoTime),
        host,
        app,
        pid,
        message,
        (pri, timestamp, hostname, appName, procid, msg) => {
          const tag = procid === null ? `${appName}:` : `${appName}[${procid}]:`;
          const line = `<${pri}>${timestamp} ${hostname} ${tag} ${msg}`;
          const header = parseSyslog(line);
          expect(header).toMatchObject({
            header: 'parsed',
            pri,
            facility: pri >> 3,
            severity: pri & 7,
            timestamp,
            host: hostname,
            app_name: appName,
            procid,
            message: withoutTrailer(msg),
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a line of the table with its framing trailer reads the same as without', () => {
    for (const row of realWorldLines) {
      const plain = parseSyslog(row.line);
      const framed = parseSyslog(`${row.line}\r\n`);
      expect(framed).toEqual(plain);
    }
  });
});
