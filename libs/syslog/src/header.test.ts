import { describe, expect, it } from 'vitest';
import { parseSyslog, SyslogParseError } from './header.js';

describe('parseSyslog', () => {
  it('parses RFC 5424 (RFC examples and util-linux logger output)', () => {
    expect(
      parseSyslog("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed"),
    ).toEqual({
      format: 'rfc5424',
      pri: 34,
      facility: 4,
      severity: 2,
      version: 1,
      timestamp: '2003-10-11T22:14:15.003Z',
      host: 'mymachine.example.com',
      app_name: 'su',
      procid: null,
      msgid: 'ID47',
      structured_data: null,
      message: "'su root' failed",
    });
    const sd = parseSyslog(
      '<165>1 2026-11-21T05:32:03.143954+00:00 vm myapp 4242 ID47 [timeQuality tzKnown="1" isSynced="0"][exampleSDID@32473 iut="3" eventSource="Ap\\"p]"] rfc5424 LF framed',
    );
    expect(sd).toMatchObject({ app_name: 'myapp', procid: '4242', message: 'rfc5424 LF framed' });
    expect(sd.structured_data).toBe(
      '[timeQuality tzKnown="1" isSynced="0"][exampleSDID@32473 iut="3" eventSource="Ap\\"p]"]',
    );
    expect(parseSyslog('<13>1 - - myapp - - - rfc5424 snipped')).toMatchObject({
      timestamp: null,
      host: null,
      app_name: 'myapp',
      message: 'rfc5424 snipped',
    });
  });

  it('parses RFC 3164 with a space-padded day, a pid, and a message', () => {
    expect(parseSyslog("<34>Oct  1 22:14:15 mymachine su[123]: 'su root' failed\r\n")).toMatchObject({
      format: 'rfc3164',
      pri: 34,
      timestamp: 'Oct  1 22:14:15',
      host: 'mymachine',
      app_name: 'su',
      procid: '123',
      message: "'su root' failed",
    });
  });

  it('tolerates real-world deviations', () => {
    // rsyslog forwarding format: RFC 3339 time in a 3164 layout, with and without the colon.
    expect(parseSyslog('<13>2026-11-21T05:31:09+00:00 vm myapp: hello relp 2')).toMatchObject({
      timestamp: '2026-11-21T05:31:09+00:00',
      host: 'vm',
      app_name: 'myapp',
      message: 'hello relp 2',
    });
    expect(parseSyslog('<13>2026-11-21T05:31:09.538824+00:00 vm myapp hello relp 1')).toMatchObject({
      host: 'vm',
      app_name: 'myapp',
      message: 'hello relp 1',
    });
    // No hostname (local /dev/log style).
    expect(parseSyslog('<13>Oct 11 22:14:15 tag: msg')).toMatchObject({
      host: null,
      app_name: 'tag',
      message: 'msg',
    });
    // A year and fractional seconds; a TAG with / . and -.
    expect(parseSyslog('<14>Nov 21 2026 05:31:56.123 host-1 /usr/sbin/cron.d-x[9]: job done')).toMatchObject({
      timestamp: 'Nov 21 2026 05:31:56.123',
      host: 'host-1',
      app_name: '/usr/sbin/cron.d-x',
      procid: '9',
      message: 'job done',
    });
    // Leading spaces, no space after '>'.
    expect(parseSyslog('  <13>Nov 21 05:31:56 vm myapp: x')).toMatchObject({
      pri: 13,
      host: 'vm',
      app_name: 'myapp',
    });
    // No PRI at all, a timestamp first.
    expect(parseSyslog('Nov 21 05:31:56 vm myapp: x')).toMatchObject({ pri: null, host: 'vm', message: 'x' });
  });

  it('refuses what is not syslog', () => {
    expect(() => parseSyslog('<200>Nov 21 05:31:56 vm app: x')).toThrow(SyslogParseError);
    expect(() => parseSyslog('just some text')).toThrow(/neither a syslog priority nor a timestamp/);
    expect(() => parseSyslog('<13>1 2026-11-21T05:31:09Z h a p m [open sd')).toThrow(
      /structured data not closed/,
    );
  });
});
