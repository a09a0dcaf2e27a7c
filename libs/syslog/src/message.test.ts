import { describe, expect, it } from 'vitest';
import { parseSyslog } from './header.js';
import { formatRfc3164, formatRfc5424, priority, type SyslogMessageParts } from './message.js';

const parts: SyslogMessageParts = {
  facility: 4,
  severity: 2,
  timestamp: new Date(Date.UTC(2003, 9, 11, 22, 14, 15, 3)),
  hostname: 'mymachine.example.com',
  appName: 'su',
  procid: null,
  msgid: 'ID47',
  structuredData: null,
  message: "'su root' failed for lonvick on /dev/pts/8",
};

describe('formatRfc5424', () => {
  it('writes the RFC example (§6.5), NIL for what is missing', () => {
    expect(formatRfc5424(parts)).toBe(
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
    );
  });

  it('keeps well-formed structured data and an RFC 3339 timestamp text, drops malformed ones', () => {
    const sd = '[exampleSDID@32473 iut="3" eventSource="Ap\\"p"][timeQuality tzKnown="1"]';
    const line = formatRfc5424({
      ...parts,
      structuredData: sd,
      timestamp: '2026-11-21T05:32:03.143954+00:00',
    });
    expect(line).toContain(
      `2026-11-21T05:32:03.143954+00:00 mymachine.example.com su - ID47 ${sd} 'su root'`,
    );
    expect(formatRfc5424({ ...parts, structuredData: '[broken', timestamp: 'Nov 21 05:32:03' })).toMatch(
      /^<34>1 - mymachine\.example\.com su - ID47 - /,
    );
  });

  it('makes header fields PRINTUSASCII and cuts them to their RFC length', () => {
    const line = formatRfc5424({ ...parts, hostname: 'my host', appName: 'a'.repeat(60), message: '' });
    expect(line).toBe(`<34>1 2003-10-11T22:14:15.003Z my_host ${'a'.repeat(48)} - ID47 -`);
  });

  it('is read back by the header parser as it was written', () => {
    const header = parseSyslog(formatRfc5424({ ...parts, procid: '4242' }));
    expect(header).toMatchObject({
      format: 'rfc5424',
      facility: 4,
      severity: 2,
      host: 'mymachine.example.com',
      app_name: 'su',
      procid: '4242',
      msgid: 'ID47',
      message: parts.message,
    });
  });
});

describe('formatRfc3164', () => {
  it('writes a space-padded day, the time in UTC, and TAG[pid]', () => {
    const line = formatRfc3164({
      ...parts,
      timestamp: new Date(Date.UTC(2026, 9, 1, 7, 5, 9)),
      procid: '42',
    });
    expect(line).toBe(
      "<34>Oct  1 07:05:09 mymachine.example.com su[42]: 'su root' failed for lonvick on /dev/pts/8",
    );
    expect(parseSyslog(line)).toMatchObject({
      format: 'rfc3164',
      host: 'mymachine.example.com',
      app_name: 'su',
    });
  });
});

describe('priority', () => {
  it('is facility x 8 + severity, and refuses out-of-range values', () => {
    expect(priority(23, 7)).toBe(191);
    expect(() => priority(24, 0)).toThrow(/facility 24/);
    expect(() => priority(1, 8)).toThrow(/severity 8/);
  });
});
