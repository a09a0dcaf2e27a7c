import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fields } from '../types.js';
import { Dispatch, FormatSwitch, FunctionNode, fieldAt, SyslogHeader } from './processing.js';

const run = (node: { process: (e: never, emit: (s: string, f: Fields) => void) => void }, fields: Fields) => {
  const out: [string, Fields][] = [];
  node.process({ component: 'c', stream: 's', fields } as never, (s, f) => out.push([s, f]));
  return out;
};

describe('processing nodes', () => {
  it('format_switch tells JSON objects, syslog lines and text apart', () => {
    const sw = new FormatSwitch({ field: 'log', formats: { ecs: 'json', syslog: 'syslog', other: 'text' } });
    expect(run(sw, { log: '{"a":1}' })[0]?.[0]).toBe('ecs');
    expect(run(sw, { log: '<13>Nov 23 05:00:00 h app: x' })[0]?.[0]).toBe('syslog');
    expect(run(sw, { log: '{not json' })[0]?.[0]).toBe('other');
    expect(() => run(new FormatSwitch({ field: 'log', formats: { j: 'json' } }), { log: 'x' })).toThrow(
      /none of the formats/,
    );
    expect(() => run(sw, { nolog: 1 })).toThrow(/field "log" is missing/);
  });

  it('format_switch calls syslog what syslog_header reads (one recogniser, issue 14)', () => {
    const sw = new FormatSwitch({ field: 'log', formats: { syslog: 'syslog', other: 'text' } });
    const syslog = [
      // Ubuntu 24.04 /var/log/syslog: no PRI, RFC 3339 time. The old switch sent it to _ppf_errors.
      '2026-01-12T11:15:58.792703+00:00 nas1 sshd[1581943]: Invalid user user1 from 10.0.0.4 port 5678',
      'Jan 12 11:15:58 rhel9 sshd[1234]: Accepted publickey for user1',
      '<189>88: *Feb 28 00:20:10.663: %SYS-5-CONFIG_I: Configured from console by user1 on vty0 (10.0.0.1)',
      '<189>date=2019-04-09 time=04:27:29 devname=fw01 type=traffic',
      '<29>2018-7-23 01:00:34.270.1 switch1 %%01IFNET/4/IF_STATE(l)[4997]:Interface down', // partial: still syslog
    ];
    for (const log of syslog) expect(run(sw, { log })[0]?.[0], log).toBe('syslog');
    const text = [
      '2024-01-15 10:00:00,123 INFO [main] com.example.App - Started', // an app log line, no PRI, no TAG
      'Jan 12 11:15:58 INFO starting', // a timestamp but no TAG
      '<200>Nov 21 05:31:56 vm app: x', // PRI over 191
      'plain text',
    ];
    for (const log of text) expect(run(sw, { log })[0]?.[0], log).toBe('other');
  });

  it("syslog_header emits the recogniser's fields, the message in the field, the line in raw_log", () => {
    const node = new SyslogHeader({ field: 'log', output: 'syslog' }, 'out');
    const line = '<30>Sep 11 13:56:05 2001:db8:115e:c0b::a:1 named[16548]: edns-disabled: success';
    const [[stream, fields] = []] = run(node, { log: line, subsystem: 'dns' });
    expect(stream).toBe('out');
    expect(fields).toMatchObject({
      log: 'edns-disabled: success',
      raw_log: line,
      subsystem: 'dns',
      syslog: {
        header: 'parsed',
        header_issue: null,
        format: 'rfc3164',
        pri: 30,
        facility: 3,
        severity: 6,
        timestamp: 'Sep 11 13:56:05',
        host: '2001:db8:115e:c0b::a:1',
        app_name: 'named',
        procid: '16548',
        message: 'edns-disabled: success',
      },
    });
    expect(() => run(node, { log: 3 })).toThrow(/field "log" is missing or not a string/);
  });

  it('syslog_header marks a header it cannot read and keeps the whole line, guessing nothing', () => {
    const node = new SyslogHeader({ field: 'log', output: 'syslog' }, 'out');
    const line =
      '<149>2647599: vmx01 RP/0/RSP1/CPU0:Mar 28 15:08:30.941 UTC: bgp[1051]: %ROUTING-BGP-5-MAXPFX : limit';
    const [[, fields] = []] = run(node, { log: line });
    expect(fields).toMatchObject({
      log: line,
      raw_log: line,
      syslog: {
        header: 'partial',
        header_issue: { code: 'CISCO_HEADER_UNREADABLE' },
        pri: 149,
        sequence: 2647599,
        host: null,
        app_name: null,
        message: line,
      },
    });
    // Not syslog at all: still emitted (never an error), marked `none`.
    const [[, text] = []] = run(node, { log: 'plain text' });
    expect(text).toMatchObject({ log: 'plain text', syslog: { header: 'none', app_name: null } });
  });

  it("syslog_header takes the sender's host name when the line names none (host_fallback)", () => {
    const node = new SyslogHeader({ field: 'log', output: 'syslog', host_fallback: 'beat.host.name' }, 'out');
    const beat = { host: { name: 'web-01' } };
    const withoutHost = run(node, { log: 'Nov 29 20:31:01 sshd[4000]: Accepted publickey', beat })[0]?.[1];
    expect(withoutHost?.syslog).toMatchObject({
      host: 'web-01',
      host_source: 'beat.host.name',
      app_name: 'sshd',
    });
    const withHost = run(node, { log: 'Nov 29 20:31:01 db-7 sshd[4000]: Accepted publickey', beat })[0]?.[1];
    expect(withHost?.syslog).toMatchObject({ host: 'db-7', host_source: 'header' });
    // Not syslog: no host is made up for it; nor when the sender gave no name.
    const text = run(node, { log: 'plain text', beat })[0]?.[1];
    expect(text?.syslog).toMatchObject({ header: 'none', host: null, host_source: null });
    const nameless = run(node, { log: 'Nov 29 20:31:01 sshd[4000]: x', beat: {} })[0]?.[1];
    expect(nameless?.syslog).toMatchObject({ host: null, host_source: null });
  });

  it('dispatch follows a dotted path, with a default for the unknown', () => {
    const d = new Dispatch({ field: 'syslog.app_name', streams: { sshd: 'linux' }, default: 'unknown' });
    expect(run(d, { syslog: { app_name: 'sshd' } })[0]?.[0]).toBe('linux');
    expect(run(d, { syslog: { app_name: 'x' } })[0]?.[0]).toBe('unknown');
    expect(() => run(new Dispatch({ field: 'f', streams: {} }), { f: 1 })).toThrow(
      /no stream for f=1 and no default/,
    );
    expect(fieldAt({ a: { b: { c: 3 } } }, 'a.b.c')).toBe(3);
    expect(fieldAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('function runs the channel module; what it throws is the node error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-fn-'));
    writeFileSync(
      join(dir, 'upper.mjs'),
      'export default (event, emit) => { if (event.log === "boom") throw new Error("bad event"); emit("out", { ...event, log: event.log.toUpperCase() }); };',
    );
    const fn = await FunctionNode.load({ module: 'upper.mjs' }, dir);
    expect(run(fn, { log: 'hello' })).toEqual([['out', { log: 'HELLO' }]]);
    expect(() => run(fn, { log: 'boom' })).toThrow('bad event');
    writeFileSync(join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(FunctionNode.load({ module: 'none.mjs' }, dir)).rejects.toThrow(
      /no default export function/,
    );
  });
});
