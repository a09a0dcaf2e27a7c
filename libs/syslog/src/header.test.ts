/**
 * The recogniser's rules one by one, on the edges the real-world table
 * (`test/real-world-lines.ts`) does not reach.
 */
import { describe, expect, it } from 'vitest';
import { SyslogHeaderError } from './errors.js';
import { isSyslogLine, parseSyslog, parseSyslogStrict } from './header.js';
import { isHostname } from './hostname.js';
import { readTag } from './tag.js';

const issue = (line: string) => parseSyslog(line).header_issue?.code;

describe('PRI', () => {
  it('reads 0..191 with facility and severity, leading zeros and spaces around it tolerated', () => {
    expect(parseSyslog('<0>Oct 11 22:14:15 h a: m')).toMatchObject({ pri: 0, facility: 0, severity: 0 });
    expect(parseSyslog('<191>Oct 11 22:14:15 h a: m')).toMatchObject({ pri: 191, facility: 23, severity: 7 });
    expect(parseSyslog('<013>Oct 11 22:14:15 h a: m')).toMatchObject({ pri: 13, host: 'h' });
    expect(parseSyslog('  <13> Oct 11 22:14:15 h a: m')).toMatchObject({ pri: 13, host: 'h', app_name: 'a' });
    expect(parseSyslog('\uFEFF<13>Oct 11 22:14:15 h a: m')).toMatchObject({ header: 'parsed', pri: 13 });
  });

  it('says PRI_INVALID for what starts with "<" but is no PRI, and keeps the whole line', () => {
    for (const line of ['<192>Oct 11 22:14:15 h a: m', '<>x', '<1234>x', '<abc>x', '<html><body>', '<13']) {
      const h = parseSyslog(line);
      expect(h, line).toMatchObject({ header: 'none', format: null, pri: null, message: line });
      expect(h.header_issue?.code, line).toBe('PRI_INVALID');
    }
  });
});

describe('timestamps', () => {
  it('reads the RFC 3164 variants', () => {
    expect(parseSyslog('<13>Oct  1 22:14:15 h a: m').timestamp).toBe('Oct  1 22:14:15');
    expect(parseSyslog('<13>Oct 1 22:14:15 h a: m').timestamp).toBe('Oct 1 22:14:15');
    expect(parseSyslog('<13>Nov 21 2026 05:31:56.123 h a: m')).toMatchObject({
      timestamp: 'Nov 21 2026 05:31:56.123',
      host: 'h',
    });
    expect(parseSyslog('<13>Nov 21 05:31:56 2026 h a: m')).toMatchObject({
      timestamp: 'Nov 21 05:31:56 2026',
      host: 'h',
    });
    expect(parseSyslog('<13>Nov 21 05:31:56 +0100 h a: m')).toMatchObject({
      timestamp: 'Nov 21 05:31:56',
      timestamp_zone: '+0100',
      host: 'h',
    });
  });

  it('reads ISO 8601 with T always, with a space only after a PRI', () => {
    expect(parseSyslog('<13>2026-01-12 11:15:58,123 h a: m')).toMatchObject({
      timestamp: '2026-01-12 11:15:58,123',
      host: 'h',
      app_name: 'a',
    });
    expect(parseSyslog('2026-01-12 11:15:58 h a: m').header).toBe('none');
    expect(parseSyslog('2026-01-12T11:15:58+01 h a: m')).toMatchObject({ timestamp_zone: '+01', host: 'h' });
  });

  it('says TIMESTAMP_INVALID for values out of range, TIMESTAMP_UNRECOGNISED for unknown forms', () => {
    expect(issue('<13>Oct 11 25:14:15 h a: m')).toBe('TIMESTAMP_INVALID');
    expect(issue('<13>Oct 32 22:14:15 h a: m')).toBe('TIMESTAMP_INVALID');
    expect(issue('<13>2026-13-01T00:00:00Z h a: m')).toBe('TIMESTAMP_INVALID');
    expect(issue('<13>1 2026-01-01T24:00:00Z h a - - - m')).toBe('TIMESTAMP_INVALID');
    expect(issue('<13>11/10/2024 22:14:15 h a: m')).toBe('TIMESTAMP_UNRECOGNISED');
    expect(issue('<13>22:14:15 h a: m')).toBe('TIMESTAMP_UNRECOGNISED');
    // Without a PRI the same lines are simply not syslog.
    expect(parseSyslog('Oct 11 25:14:15 h a: m').header).toBe('none');
  });

  it('never takes a TAG or a host for a zone', () => {
    expect(parseSyslog('<13>Oct 11 22:14:15 su: m')).toMatchObject({ timestamp_zone: null, app_name: 'su' });
    expect(parseSyslog('<13>Oct 11 22:14:15 fw01: %SYS-5-X: m')).toMatchObject({ timestamp_zone: null });
  });
});

describe('HOSTNAME', () => {
  it('accepts names, IPv4, IPv6 and IPv4-mapped addresses, and nothing else', () => {
    for (const host of [
      'nas1',
      'host-1.example.com',
      'NetAuto_CSRv-03',
      '10.0.0.1',
      '2001:db8::1',
      '::1',
      '::',
    ]) {
      expect(isHostname(host), host).toBe(true);
    }
    for (const host of ['-lead', '.lead', 'a=b', 'x"y', 'a/b', 'fe80::1%eth0', 'a:b', '', 'x'.repeat(256)]) {
      expect(isHostname(host), host).toBe(false);
    }
  });

  it('a word that cannot be a host is message text, never a host', () => {
    expect(parseSyslog('<13>Oct 11 22:14:15 user=bob action=login')).toMatchObject({
      header: 'parsed',
      host: null,
      app_name: null,
      message: 'user=bob action=login',
    });
  });
});

describe('TAG', () => {
  it('recognises its forms and nothing else', () => {
    expect(readTag('su: m', 0)).toMatchObject({ app: 'su', procid: null, end: 4 });
    expect(readTag('su:', 0)).toMatchObject({ app: 'su', end: 3 });
    expect(readTag('sshd[12]: m', 0)).toMatchObject({ app: 'sshd', procid: '12', end: 10 });
    expect(readTag('sshd[12] m', 0)).toMatchObject({ app: 'sshd', procid: '12', end: 9 });
    expect(readTag('kernel[-]: m', 0)).toMatchObject({ app: 'kernel', procid: null });
    expect(readTag('MSWinEventLog\t0', 0)).toMatchObject({ app: 'MSWinEventLog', end: 14 });
    for (const word of [
      'Connection closed',
      '88: x',
      '1d02h: x',
      '%SYS-5-X: y',
      'su:x',
      'a[1',
      'a[]: x',
      'a[1]x',
    ]) {
      expect(readTag(word, 0), word).toBeNull();
    }
  });

  it('takes up to 48 characters, as RFC 5424 APP-NAME', () => {
    expect(readTag(`${'a'.repeat(48)}: m`, 0)?.app).toBe('a'.repeat(48));
    expect(readTag(`${'a'.repeat(49)}: m`, 0)).toBeNull();
  });

  it('reads the F5 level word only when a TAG follows it', () => {
    expect(parseSyslog('<13>Oct 11 22:14:15 bigip info tmm[1]: m')).toMatchObject({
      level: 'info',
      app_name: 'tmm',
    });
    expect(parseSyslog('<13>Oct 11 22:14:15 bigip info about this')).toMatchObject({
      level: null,
      app_name: null,
      message: 'info about this',
    });
  });
});

describe('RFC 5424', () => {
  it('says FIELD_INVALID for an empty or missing header field, with what was read before', () => {
    expect(parseSyslog('<13>1 2026-01-12T11:15:58Z host  app - - - m')).toMatchObject({
      header: 'partial',
      header_issue: { code: 'FIELD_INVALID', detail: 'RFC 5424 APP-NAME is empty' },
      host: 'host',
      app_name: null,
    });
    expect(issue('<13>1 2026-01-12T11:15:58Z host app')).toBe('FIELD_INVALID');
    expect(issue('<13>1 - h')).toBe('FIELD_INVALID');
    expect(parseSyslog('<13>1 -').format).toBe('rfc3164'); // not recognisably RFC 5424
  });

  it('says SD_INVALID for malformed structured data', () => {
    for (const sd of ['[a b]', '[a b=c]', '[a b="c"', '[a b="c"][a d="e"]', '[=x]', '[a]x', 'x']) {
      expect(issue(`<13>1 - h a - - ${sd} m`), sd).toBe('SD_INVALID');
    }
  });

  it('accepts an unescaped "]" inside quotes and empty values', () => {
    expect(parseSyslog('<13>1 - h a - - [x@1 v="a]b" e=""] m').sd).toEqual({ 'x@1': { v: 'a]b', e: '' } });
  });

  it('needs a TIMESTAMP or "-" after the VERSION; else the line is RFC 3164 text', () => {
    expect(parseSyslog('<13>1 apple a day')).toMatchObject({ format: 'rfc3164', message: '1 apple a day' });
  });
});

describe('lines without PRI', () => {
  it('are syslog only with a timestamp and then a TAG or a Cisco message code', () => {
    expect(isSyslogLine('Jan 12 11:15:58 rhel9 sshd[1]: m')).toBe(true);
    expect(isSyslogLine('Jan 12 11:15:58 sshd[1]: m')).toBe(true);
    expect(isSyslogLine('Jan 12 11:15:58 sw1 %LINK-3-UPDOWN: m')).toBe(true);
    expect(isSyslogLine('Jan 12 11:15:58 rhel9  m')).toBe(true);
    for (const line of [
      'Jan 12 11:15:58 INFO starting the app',
      '2026-01-12T11:15:58Z INFO Started',
      'Jan 12 11:15:58 host',
      'Jan 12 11:15:58',
      'Jan 12 11:15:58 %not a code',
      'just some text',
      '',
      '{"json": true}',
    ]) {
      expect(parseSyslog(line), line).toMatchObject({
        header: 'none',
        message: line,
        timestamp: null,
        host: null,
      });
    }
  });
});

describe('errors', () => {
  it('parseSyslog throws NOT_A_STRING for what is not a string, nothing else', () => {
    expect(() => parseSyslog(42 as unknown as string)).toThrow(SyslogHeaderError);
    expect(() => parseSyslog(undefined as unknown as string)).toThrow(
      /NOT_A_STRING: expected a string, got undefined/,
    );
  });

  it('parseSyslogStrict throws the issue as a coded error with its offset', () => {
    expect(parseSyslogStrict('<13>Oct 11 22:14:15 h a: m').host).toBe('h');
    try {
      parseSyslogStrict('<13>Oct 11 22:14:15 h a: m'.replace('22:14', '42:14'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SyslogHeaderError);
      expect(error).toMatchObject({ code: 'TIMESTAMP_INVALID', offset: 4 });
    }
    expect(() => parseSyslogStrict('text')).toThrow(
      expect.objectContaining({ code: 'NO_HEADER', offset: 0 }),
    );
  });
});
