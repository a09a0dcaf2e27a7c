import { describe, expect, it } from 'vitest';
import { mergeDefinitions, parseDefinitions, standardDefinitions } from './definitions.js';
import type { GrokError } from './errors.js';
import { Grok } from './grok.js';

const lib = standardDefinitions();
const grok = (...expressions: string[]) => new Grok(expressions, lib);

describe('the standard library', () => {
  it('compiles every shipped pattern (Oniguruma syntax: atomic groups, lookbehind, POSIX classes)', () => {
    expect(lib.size).toBeGreaterThan(300);
    for (const name of lib.keys()) expect(() => grok(`%{${name}}`), name).not.toThrow();
  });

  it('parses syslog lines as rsyslog, logger and real daemons write them (RFC 3164 and 5424)', () => {
    const line = grok('%{SYSLOGLINE}');
    expect(
      line.match(
        'Nov 23 05:00:00 front1 sshd[4242]: Accepted publickey for deploy from 10.1.2.3 port 50022 ssh2',
      )?.fields,
    ).toEqual({
      timestamp: 'Nov 23 05:00:00',
      logsource: 'front1',
      program: 'sshd',
      pid: '4242',
      message: 'Accepted publickey for deploy from 10.1.2.3 port 50022 ssh2',
    });
    expect(
      line.match("Oct  1 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")?.fields,
    ).toMatchObject({
      timestamp: 'Oct  1 22:14:15',
      logsource: 'mymachine',
      program: 'su',
    });
    expect(line.match('2026-11-21T05:31:09+00:00 vm myapp: hello relp 2')?.fields).toMatchObject({
      timestamp8601: '2026-11-21T05:31:09+00:00',
      logsource: 'vm',
      program: 'myapp',
      message: 'hello relp 2',
    });
    const v5424 = grok('%{SYSLOG5424LINE}').match(
      '<165>1 2026-11-21T05:32:03.143954+00:00 vm myapp 4242 ID47 [exampleSDID@32473 iut="3"] rfc5424 LF framed',
    );
    expect(v5424?.fields).toMatchObject({
      syslog5424_pri: '165',
      syslog5424_ver: '1',
      syslog5424_ts: '2026-11-21T05:32:03.143954+00:00',
      syslog5424_host: 'vm',
      syslog5424_app: 'myapp',
      syslog5424_proc: '4242',
      syslog5424_msgid: 'ID47',
      syslog5424_msg: 'rfc5424 LF framed',
    });
    expect(
      grok('%{CRONLOG}').match('Nov 23 05:00:01 back1 CRON[811]: (root) CMD (run-parts /etc/cron.hourly)')
        ?.fields,
    ).toMatchObject({
      program: 'CRON',
      user: 'root',
      action: 'CMD',
      message: 'run-parts /etc/cron.hourly',
    });
  });

  it('parses Apache and NGINX access and error lines, with typed captures', () => {
    const access = new Grok(
      [
        '%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \\[%{HTTPDATE:timestamp}\\] "%{WORD:verb} %{NOTSPACE:request} HTTP/%{NUMBER:httpversion:float}" %{NUMBER:response:int} (?:-|%{NUMBER:bytes:int}) %{QS:referrer} %{QS:agent}',
      ],
      lib,
    );
    const combined =
      '203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
    expect(access.match(combined)?.fields).toEqual({
      clientip: '203.0.113.9',
      ident: '-',
      auth: 'frank',
      timestamp: '10/Oct/2000:13:55:36 -0700',
      verb: 'GET',
      request: '/apache_pb.gif',
      httpversion: 1,
      response: 200,
      bytes: 2326,
      referrer: '"http://www.example.com/start.html"',
      agent: '"Mozilla/4.08 [en] (Win98; I ;Nav)"',
    });
    // NGINX's default access format is Apache's combined one; "-" for no body.
    const nginx = grok('%{NGINX_ACCESSLOG}').match(
      '10.1.2.4 - - [23/Nov/2026:05:00:00 +0000] "POST /api/v1/login HTTP/1.1" 401 - "-" "curl/8.5.0"',
    );
    expect(nginx?.fields).toMatchObject({
      clientip: '10.1.2.4',
      verb: 'POST',
      response: '401',
      agent: '"curl/8.5.0"',
    });
    expect(nginx?.fields).not.toHaveProperty('bytes');

    const a24 = grok('%{HTTPD_ERRORLOG}').match(
      '[Mon Nov 23 05:00:00.123456 2026] [core:error] [pid 2121:tid 140245] [client 10.1.2.4:51234] AH00126: Invalid URI in request GET /%%% HTTP/1.1',
    );
    expect(a24?.fields).toMatchObject({
      module: 'core',
      loglevel: 'error',
      pid: '2121',
      clientip: '10.1.2.4',
      errorcode: 'AH00126',
    });
    const a22 = grok('%{HTTPD_ERRORLOG}').match(
      '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test',
    );
    expect(a22?.fields).toMatchObject({
      loglevel: 'error',
      clientip: '127.0.0.1',
      message: 'client denied by server configuration: /export/home/live/ap/htdocs/test',
    });

    const ngx = grok('%{NGINX_ERRORLOG}').match(
      '2026/11/23 05:00:00 [error] 1234#1234: *42 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 10.1.2.3, server: example.com, request: "GET /favicon.ico HTTP/1.1", host: "example.com"',
    );
    expect(ngx?.fields).toEqual({
      timestamp: '2026/11/23 05:00:00',
      loglevel: 'error',
      pid: 1234,
      tid: 1234,
      connection_id: 42,
      message: 'open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)',
      clientip: '10.1.2.3',
      server: 'example.com',
      request: 'GET /favicon.ico HTTP/1.1',
      host: 'example.com',
    });
  });

  it('parses sshd messages', () => {
    const ssh = grok('%{SSHD_MESSAGE}');
    expect(
      ssh.match('Accepted publickey for deploy from 10.1.2.3 port 50022 ssh2: RSA SHA256:Hm3vZ1k')?.fields,
    ).toEqual({
      ssh_method: 'publickey',
      ssh_user: 'deploy',
      ssh_client_ip: '10.1.2.3',
      ssh_client_port: 50022,
      ssh_protocol: 'ssh2',
      ssh_key: 'RSA SHA256:Hm3vZ1k',
    });
    expect(
      ssh.match('Failed password for invalid user admin from 203.0.113.5 port 40022 ssh2')?.fields,
    ).toMatchObject({
      ssh_method: 'password',
      ssh_invalid_user: 'invalid user ',
      ssh_user: 'admin',
    });
    expect(ssh.match('Invalid user oracle from 198.51.100.7 port 52214')?.fields).toMatchObject({
      ssh_user: 'oracle',
    });
    expect(
      ssh.match('Connection closed by authenticating user root 198.51.100.7 port 52214 [preauth]')?.fields,
    ).toMatchObject({
      ssh_user: 'root',
      ssh_stage: 'preauth',
    });
    expect(
      ssh.match('Received disconnect from 198.51.100.7 port 52214:11: Bye Bye [preauth]')?.fields,
    ).toMatchObject({
      ssh_disconnect_code: 11,
      ssh_disconnect_reason: 'Bye Bye',
    });
    expect(
      grok('%{SSHD_LINE}').match(
        'Nov 23 05:00:00 front1 sshd[4242]: Failed password for root from 10.9.9.9 port 22 ssh2',
      )?.fields,
    ).toMatchObject({
      program: 'sshd',
      logsource: 'front1',
      ssh_user: 'root',
    });
  });

  it('parses Cisco ASA and other firewall lines', () => {
    const asa = grok('%{CISCO_TAGGED_SYSLOG} %{GREEDYDATA:cisco_message}');
    const line =
      '<166>Nov 23 2026 05:00:00: %ASA-6-302013: Built inbound TCP connection 1234567 for outside:198.51.100.7/52214 (198.51.100.7/52214) to inside:10.1.2.3/443 (203.0.113.1/443)';
    const m = asa.match(line);
    expect(m?.fields).toMatchObject({ syslog_pri: '166', ciscotag: 'ASA-6-302013' });
    const built = grok('%{CISCOFW302013_302014_302015_302016}').match(String(m?.fields.cisco_message));
    expect(built?.fields).toMatchObject({
      action: 'Built',
      direction: 'inbound',
      protocol: 'TCP',
      connection_id: '1234567',
      src_interface: 'outside',
      src_ip: '198.51.100.7',
      src_port: '52214',
      dst_interface: 'inside',
      dst_ip: '10.1.2.3',
      dst_port: '443',
    });
    expect(
      grok('%{CISCOFW106023}').match(
        'Deny tcp src outside:203.0.113.5/40022 dst inside:10.1.2.3/22 by access-group "outside_access_in" [0x0, 0x0]',
      )?.fields,
    ).toMatchObject({
      action: 'Deny',
      protocol: 'tcp',
      src_ip: '203.0.113.5',
      dst_port: '22',
      policy_id: 'outside_access_in',
    });
    expect(
      grok('%{SHOREWALL}').match(
        'Nov 23 05:00:00 fw1 kernel: Shorewall:net2fw:DROP:IN=eth0 OUT= MAC=00:53:00:aa:bb:cc:00:53:00:dd:ee:ff:08:00 SRC=203.0.113.5 DST=10.1.2.3 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=40022 DPT=23 WINDOW=29200 RES=0x00 SYN URGP=0',
      )?.fields,
    ).toMatchObject({ nf_action2: 'DROP', nf_src_ip: '203.0.113.5', nf_dst_port: '23', nf_protocol: 'TCP' });
  });
});

describe('Grok', () => {
  it('tries expressions in order; the first match wins; no match is undefined', () => {
    const g = grok('^%{INT:n:int}$', '^%{NUMBER:x:float}$', '%{WORD:w}');
    expect(g.match('42')).toEqual({ expression: 0, fields: { n: 42 }, unconverted: [] });
    expect(g.match('4.5')).toEqual({ expression: 1, fields: { x: 4.5 }, unconverted: [] });
    expect(g.match('hello world')?.expression).toBe(2);
    expect(g.match('  ')).toBeUndefined();
  });

  it('captures raw named groups, nested [a][b] fields, and skips empty captures', () => {
    const g = grok('(?<verb>[A-Z]+) %{NOTSPACE:[url][path]}(?<rest>.*)');
    expect(g.match('GET /x')?.fields).toEqual({ verb: 'GET', url: { path: '/x' } });
    expect(
      new Grok(['(?<verb>[A-Z]+) (?<rest>.*)'], lib, { keepEmptyCaptures: true }).match('GET ')?.fields,
    ).toEqual({ verb: 'GET', rest: '' });
  });

  it('reports captures it cannot convert and keeps their text', () => {
    const g = grok('%{NOTSPACE:n:int}');
    expect(g.match('abc')).toEqual({ expression: 0, fields: { n: 'abc' }, unconverted: ['n'] });
  });

  it('takes custom patterns from definition files, over the library', () => {
    const custom = parseDefinitions('# ours\nTICKET [A-Z]{3}-%{INT}\nWORD [a-z]+\n', 'grok/ours');
    const g = new Grok(['%{TICKET:ticket} %{WORD:w}'], mergeDefinitions(lib, custom));
    expect(g.match('ABC-123 hello')?.fields).toEqual({ ticket: 'ABC-123', w: 'hello' });
    expect(g.match('ABC-123 HELLO')).toBeUndefined();
  });

  it('refuses unknown, recursive and malformed patterns, naming where', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as GrokError;
      }
      throw new Error('no error');
    };
    expect(err(() => grok('%{NOPE:x}'))).toMatchObject({
      code: 'UNKNOWN_PATTERN',
      message: '"%{NOPE:x}": unknown pattern %{NOPE}',
    });
    const loop = parseDefinitions('A x%{B}\nB y%{A}\n', 'grok/loop');
    expect(err(() => new Grok(['%{A}'], mergeDefinitions(lib, loop)))).toMatchObject({
      code: 'RECURSIVE_PATTERN',
      at: 'grok/loop:2',
    });
    expect(err(() => parseDefinitions('GOOD x\nbad-name y\n', 'grok/bad'))).toMatchObject({
      code: 'MALFORMED_DEFINITION',
      at: 'grok/bad:2',
    });
    expect(err(() => grok('%{WORD:w:bool}'))).toMatchObject({ code: 'BAD_CAPTURE' });
    expect(err(() => grok('(unclosed'))).toMatchObject({ code: 'BAD_REGEX' });
  });
});
