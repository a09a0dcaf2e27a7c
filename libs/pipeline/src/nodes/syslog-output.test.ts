/**
 * syslog_output's rejections and failover in the engine, against plain sockets of this process
 * (a minimal TCP syslog peer). The servers themselves: test/syslog-output.test.ts (rsyslog).
 */
import { createServer, type Server } from 'node:net';
import { syslogOutputSettings } from '@drover/channel-model';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/support/eventually.js';
import { inputToNode, quiet, TestInput, TestOutput } from '../../test/support/nodes.js';
import type { Engine } from '../engine.js';
import { SyslogOutput } from './syslog-output.js';

/** A TCP peer that keeps what it reads. */
async function peer(): Promise<{ server: Server; port: number; data: () => string }> {
  let data = '';
  const server = createServer((s) => s.on('data', (c) => (data += c.toString())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address !== null ? address.port : 0,
    data: () => data,
  };
}

async function closedPort(): Promise<number> {
  const p = await peer();
  await new Promise<void>((r) => p.server.close(() => r()));
  return p.port;
}

const engines: Engine[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.drain(1000);
  for (const s of servers.splice(0)) s.close();
});

async function pipeline(settings: Record<string, unknown>) {
  const input = new TestInput();
  const errors = new TestOutput();
  const output = new SyslogOutput(
    syslogOutputSettings.parse({ retry_initial_ms: 50, retry_max_ms: 100, ...settings }),
    quiet,
  );
  const engine = inputToNode(
    {
      input,
      fields: ['log', 'n'],
      node: output,
      errors,
      errorFields: ['_ppf_error_message', '_ppf_error_document'],
    },
    { maxPending: 100, messageTimeoutMs: 10_000 },
  );
  engines.push(engine);
  await engine.start();
  return { input, errors, output };
}

describe('syslog_output', () => {
  it('rejects to _ppf_errors an event no line can be made of, and a message over max_message_bytes', async () => {
    const p = await peer();
    servers.push(p.server);
    const { input, errors } = await pipeline({
      destinations: [{ host: '127.0.0.1', port: p.port }],
      format: 'raw',
      max_message_bytes: 64,
    });
    const outcomes = await Promise.all([
      input.send({ n: 1 }),
      input.send({ log: 'x'.repeat(100) }),
      input.send({ log: '<13>fits' }),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(errors.fields().map((e) => e._ppf_error_message)).toEqual([
      'syslog_output: the event has no text field log',
      expect.stringMatching(/^syslog_output: 127\.0\.0\.1:\d+: message of 104 bytes over 64$/),
    ]);
    // Confirmed means written to the socket; the peer reads it a moment later.
    await eventually(() => p.data() === '8 <13>fits', 5000, 'the line at the peer');
  });

  it('sends to the destinations that answer while one cannot be reached', async () => {
    const p = await peer();
    servers.push(p.server);
    const { input, output } = await pipeline({
      destinations: [
        { host: '127.0.0.1', port: await closedPort() },
        { host: '127.0.0.1', port: p.port },
      ],
      format: 'raw',
      framing: 'lf',
    });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => input.send({ log: `line ${i}` })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await eventually(() => p.data().split('\n').filter(Boolean).length === 20, 5000, '20 lines at the peer');
    expect(output.stats.connections).toBe(1);
  });
});
