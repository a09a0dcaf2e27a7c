/**
 * syslog_output in the engine against rsyslog from Debian (a foreground rsyslogd per test, with
 * its own configuration, writing what it receives to a file): TCP with octet counting and with LF
 * framing, TLS, RELP across a SIGKILL of rsyslog (nothing it acknowledged is lost, everything
 * else is sent again), and load balancing with failover over two servers.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syslogOutputSettings } from '@drover/channel-model';
import { freePorts } from '@drover/dev-services';
import { parseSyslog } from '@drover/syslog';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPki } from '../../../test/support/certs.js';
import { eventually } from '../../../test/support/eventually.js';
import { type RsyslogServer, startRsyslogServer } from '../../../test/support/rsyslog-server.js';
import type { Engine } from '../src/engine.js';
import { SyslogOutput } from '../src/nodes/syslog-output.js';
import { inputToNode, quiet, TestInput } from './support/nodes.js';

const servers: RsyslogServer[] = [];
const engines: Engine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.drain(5000);
  for (const s of servers.splice(0)) await s.stop();
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'drover-syslog-out-'));
  chmodSync(d, 0o755);
  return d;
}

async function pipeline(
  settings: Record<string, unknown>,
): Promise<{ input: TestInput; output: SyslogOutput }> {
  const input = new TestInput();
  const output = new SyslogOutput(
    syslogOutputSettings.parse({ retry_initial_ms: 100, retry_max_ms: 500, ...settings }),
    quiet,
  );
  const engine = inputToNode(
    { input, fields: ['log', 'syslog', 'seq', '_ppf_timestamp'], node: output },
    { maxPending: 2000, messageTimeoutMs: 60_000 },
  );
  engines.push(engine);
  await engine.start();
  return { input, output };
}

const seqOf = (line: string) => Number(/seq=(\d+)/.exec(line)?.[1]);

describe('syslog_output to rsyslog', () => {
  it('TCP, octet counting: RFC 5424 lines from the parsed header fields, every event once', async () => {
    const [port = 0] = await freePorts(1);
    const server = await startRsyslogServer(dir(), { kind: 'tcp', port });
    servers.push(server);
    const { input } = await pipeline({ destinations: [{ host: '127.0.0.1', port }], header_field: 'syslog' });
    const outcomes = await input.flood(2000, (i) => ({
      syslog: {
        facility: 4,
        severity: 2,
        host: 'web-1',
        app_name: 'sshd',
        procid: '4242',
        msgid: 'ID47',
        timestamp: '2026-11-29T10:00:00.000Z',
        structured_data: '[origin ip="10.0.0.1"]',
        message: `Accepted publickey for deploy multi word seq=${i}`,
      },
    }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => server.lines().length >= 2000, 30_000, '2000 lines in rsyslog');
    const lines = server.lines();
    expect(new Set(lines.map(seqOf)).size).toBe(2000);
    expect(lines[0]).toBe(
      '<34>1 2026-11-29T10:00:00.000Z web-1 sshd 4242 ID47 [origin ip="10.0.0.1"] Accepted publickey for deploy multi word seq=0',
    );
    expect(parseSyslog(lines[1] as string)).toMatchObject({
      format: 'rfc5424',
      app_name: 'sshd',
      host: 'web-1',
    });
  });

  it('TCP, LF framing: the line as it came (raw), an LF inside written #012 as rsyslog escapes it', async () => {
    const [port = 0] = await freePorts(1);
    const server = await startRsyslogServer(dir(), { kind: 'tcp', port });
    servers.push(server);
    const { input } = await pipeline({
      destinations: [{ host: '127.0.0.1', port }],
      format: 'raw',
      framing: 'lf',
    });
    const outcomes = await input.flood(500, (i) => ({
      log:
        i === 7
          ? `<13>Nov 29 10:00:00 host app: first\nsecond seq=${i}`
          : `<13>Nov 29 10:00:00 host app: line seq=${i}`,
    }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => server.lines().length >= 500, 30_000, '500 lines in rsyslog');
    const lines = server.lines();
    expect(new Set(lines.map(seqOf)).size).toBe(500);
    expect(lines).toContain('<13>Nov 29 10:00:00 host app: first#012second seq=7');
  });

  it('TLS (RFC 5425): verifies the server against the CA; RFC 3164 lines', async () => {
    const pki = createTestPki(dir());
    const [port = 0] = await freePorts(1);
    const server = await startRsyslogServer(dir(), {
      kind: 'tls',
      port,
      ca: pki.ca.certFile,
      cert: pki.server.certFile,
      key: pki.server.keyFile,
    });
    servers.push(server);
    const { input } = await pipeline({
      destinations: [{ host: '127.0.0.1', port, ssl: true, ssl_trusted_certificate: pki.ca.certFile }],
      format: 'rfc3164',
      hostname: 'collector-1',
      app_name: 'drover',
    });
    const outcomes = await input.flood(1000, (i) => ({
      log: `over TLS seq=${i}`,
      _ppf_timestamp: Date.UTC(2026, 10, 9, 8, 7, 6),
    }));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => server.lines().length >= 1000, 30_000, '1000 lines in rsyslog');
    expect(server.lines()[0]).toBe('<13>Nov  9 08:07:06 collector-1 drover: over TLS seq=0');
    expect(new Set(server.lines().map(seqOf)).size).toBe(1000);
  });

  it('RELP across a SIGKILL of rsyslog: every event confirmed is in rsyslog, at least once', async () => {
    const [port = 0] = await freePorts(1);
    const where = dir();
    let server = await startRsyslogServer(where, { kind: 'relp', port });
    servers.push(server);
    const { input, output } = await pipeline({
      destinations: [{ host: '127.0.0.1', port, protocol: 'relp' }],
      format: 'raw',
    });
    const total = 20_000;
    const sent = input.flood(total, (i) => ({ log: `<13>Nov 29 10:00:00 host app: relp seq=${i}` }));
    await eventually(() => server.lines().length >= 5000, 60_000, '5000 lines before the kill');
    await server.kill();
    const before = server.lines().length;
    server = await startRsyslogServer(where, { kind: 'relp', port });
    servers.push(server);
    const outcomes = await sent;
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(
      () => new Set(server.lines().map(seqOf)).size >= total,
      60_000,
      `${total} distinct in rsyslog`,
    );
    const lines = server.lines();
    expect(before).toBeLessThan(total);
    expect(new Set(lines.map(seqOf)).size).toBe(total);
    expect(output.stats.connections).toBeGreaterThanOrEqual(2);
    expect(output.stats.resent).toBeGreaterThan(0);
  });

  it('RELP over TLS with a client certificate', async () => {
    const pki = createTestPki(dir());
    const [port = 0] = await freePorts(1);
    const server = await startRsyslogServer(dir(), {
      kind: 'relp_tls',
      port,
      ca: pki.ca.certFile,
      cert: pki.server.certFile,
      key: pki.server.keyFile,
    });
    servers.push(server);
    const { input } = await pipeline({
      destinations: [
        {
          host: '127.0.0.1',
          port,
          protocol: 'relp',
          ssl: true,
          ssl_trusted_certificate: pki.ca.certFile,
          ssl_certificate: pki.client.certFile,
          ssl_private_key: pki.client.keyFile,
        },
      ],
      format: 'raw',
    });
    const outcomes = await input.flood(1000, (i) => ({
      log: `<13>Nov 29 10:00:00 host app: relp tls seq=${i}`,
    }));
    // Confirmed over RELP means answered 200: already in the file.
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(server.lines().map(seqOf)).size).toBe(1000);
  });

  it('balances over two RELP servers, and moves everything to the other when one dies', async () => {
    const [a = 0, b = 0] = await freePorts(2);
    const first = await startRsyslogServer(dir(), { kind: 'relp', port: a });
    const second = await startRsyslogServer(dir(), { kind: 'relp', port: b });
    servers.push(first, second);
    const { input } = await pipeline({
      destinations: [
        { host: '127.0.0.1', port: a, protocol: 'relp' },
        { host: '127.0.0.1', port: b, protocol: 'relp' },
      ],
      format: 'raw',
      window_size: 64,
    });
    const total = 10_000;
    const sent = input.flood(total, (i) => ({ log: `<13>Nov 29 10:00:00 host app: lb seq=${i}` }));
    await eventually(
      () => first.lines().length >= 1000 && second.lines().length >= 1000,
      60_000,
      'both servers used',
    );
    await first.kill();
    expect((await sent).every((o) => o.ok)).toBe(true);
    const all = new Set([...first.lines(), ...second.lines()].map(seqOf));
    expect(all.size).toBe(total);
  });
});
