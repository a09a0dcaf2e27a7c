/** syslog_input in the engine, over real sockets: fields, RELP answers after confirmation, flow control, the spool. */
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syslogInputSettings } from '@drover/channel-model';
import { decodeCheckpoint } from '@drover/spool';
import { encodeOctetCounted, RelpClient } from '@drover/syslog';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { ERRORS_STREAM } from '../src/engine.js';
import { SyslogInput } from '../src/nodes/syslog-input.js';
import { TestOutput, testEngine } from './support/nodes.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const FIELDS = [
  'log',
  'raw_log',
  'syslog',
  'app',
  '_ppf_id',
  '_ppf_timestamp',
  '_ppf_remote_host',
  '_ppf_remote_port',
  '_ppf_local_port',
  '_ppf_transport',
  '_ppf_peer_subject',
];

async function setup(
  settings: Record<string, unknown>,
  options: { maxPending?: number; mode?: TestOutput['mode']; timeoutMs?: number } = {},
) {
  const input = new SyslogInput(syslogInputSettings.parse(settings), 'logs', true, 'syslog_in');
  const out = new TestOutput(options.mode);
  const engine = testEngine(
    [
      {
        component: 'syslog_in',
        impl: input,
        publish: [
          { stream: 'logs', fields: FIELDS },
          { stream: ERRORS_STREAM, fields: ['_ppf_error_message', '_ppf_error_document', 'raw_log'] },
        ],
        subscribe: [],
      },
      {
        component: 'out',
        impl: out,
        publish: [],
        subscribe: [
          { component: 'syslog_in', stream: 'logs' },
          { component: 'syslog_in', stream: ERRORS_STREAM },
        ],
      },
    ],
    { maxPending: options.maxPending ?? 1000, messageTimeoutMs: options.timeoutMs ?? 10_000 },
  );
  await engine.start();
  let drained = false;
  const drain = async () => {
    if (drained) return;
    drained = true;
    out.release();
    await engine.drain(500);
  };
  cleanups.push(drain);
  return { input, out, engine, drain };
}

const checkpoint = (dir: string) => {
  try {
    return decodeCheckpoint(readFileSync(join(dir, 'checkpoint')));
  } catch {
    return undefined;
  }
};

const listener = (protocol: string) => ({ protocol, host: '127.0.0.1', port: 0 });

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
  });
}

describe('syslog_input (real sockets, real engine)', () => {
  it('turns RFC 5424, RFC 3164 and JSON lines into the fields syslog_header gives, with the peer and transport', async () => {
    const t = await setup({ listeners: [listener('tcp')] });
    const s = await connect(t.input.ports[0] ?? 0);
    cleanups.push(() => s.destroy());
    s.write(
      Buffer.concat([
        encodeOctetCounted(
          '<165>1 2026-11-21T05:32:03.143954+00:00 vm myapp 4242 ID47 [exampleSDID@32473 iut="3"] rfc5424',
        ),
        Buffer.from('<13>Nov 21 05:31:56 vm myapp[12]: rfc3164\n'),
        Buffer.from('{"app":"billing","log":"json line","_ppf_id":"spoofed"}\n'),
      ]),
    );
    await eventually(() => t.out.received.length === 3, 5000, '3 events');
    const [a, b, c] = t.out.received.map((d) => d.fields);
    expect(a?.log).toBe('rfc5424');
    expect(a?.syslog).toMatchObject({
      format: 'rfc5424',
      app_name: 'myapp',
      procid: '4242',
      msgid: 'ID47',
      severity: 5,
    });
    expect(a?.raw_log).toMatch(/^<165>1 /);
    expect(a).toMatchObject({
      _ppf_transport: 'tcp',
      _ppf_remote_host: '127.0.0.1',
      _ppf_remote_port: s.localPort,
    });
    expect(b?.syslog).toMatchObject({ format: 'rfc3164', host: 'vm', app_name: 'myapp', procid: '12' });
    expect(b?.log).toBe('rfc3164');
    expect(c).toMatchObject({ app: 'billing', log: 'json line', _ppf_transport: 'tcp' });
    expect(c?._ppf_id).not.toBe('spoofed');
  });

  it('does not guess a header it cannot read; sends a line that must be JSON and is not to _ppf_errors', async () => {
    const t = await setup({ listeners: [listener('tcp')] });
    const s = await connect(t.input.ports[0] ?? 0);
    cleanups.push(() => s.destroy());
    s.write('<999>bad priority\n');
    await eventually(() => t.out.received.length === 1, 5000, 'event');
    const [bad] = t.out.received.map((d) => d.fields);
    expect(bad?.syslog).toMatchObject({ header: 'none', header_issue: { code: 'PRI_INVALID' } });
    expect(bad?.log).toBe('<999>bad priority');
    expect(t.input.metrics().headers_none).toBe(1);

    const j = await setup({ listeners: [listener('tcp')], format: 'json' });
    const sj = await connect(j.input.ports[0] ?? 0);
    cleanups.push(() => sj.destroy());
    sj.write('not json\n');
    await eventually(() => j.out.received.length === 1, 5000, 'error event');
    expect(j.out.received[0]?.stream).toBe(ERRORS_STREAM);
    expect(j.out.received[0]?.fields._ppf_error_message).toMatch(/not JSON/);
    expect(j.out.received[0]?.fields.raw_log).toBe('not json');
    expect(j.input.metrics().parse_errors).toBe(1);
  });

  it('RELP: answers only once the output confirmed, in order; a failed event makes the client resend', async () => {
    const t = await setup({ listeners: [listener('relp')] }, { mode: 'hold' });
    const client = new RelpClient({ host: '127.0.0.1', port: t.input.ports[0] ?? 0, retryMs: 20 });
    cleanups.push(() => client.destroy());
    const acked: number[] = [];
    const sent = [0, 1, 2].map((i) =>
      client.send(`<13>Nov 21 05:31:56 vm app: m${i}`).then(() => acked.push(i)),
    );
    await eventually(() => t.out.pending.length === 3, 5000, 'three held by the output');
    t.out.pending[1]?.();
    await new Promise((r) => setTimeout(r, 50));
    expect(acked).toEqual([]); // m1 is confirmed, but m0 is not: rsp go in order
    t.out.pending[0]?.();
    await eventually(() => acked.length === 2, 5000, 'm0 and m1 answered');
    t.out.pending[2]?.(new Error('broker down'));
    await eventually(() => t.out.received.length === 4, 5000, 'm2 resent on a new session');
    expect(t.out.received[3]?.fields.log).toBe('m2');
    expect(t.out.received[3]?.fields._ppf_transport).toBe('relp');
    t.out.pending[3]?.();
    await Promise.all(sent);
    expect(acked).toEqual([0, 1, 2]);
  });

  it('TCP: stops reading at max.spout.pending and reads on when there is room', async () => {
    const t = await setup({ listeners: [listener('tcp')] }, { maxPending: 5, mode: 'hold' });
    const s = await connect(t.input.ports[0] ?? 0);
    cleanups.push(() => s.destroy());
    const line = (i: number) => `<13>Nov 21 05:31:56 vm app: message ${i} ${'x'.repeat(200)}\n`;
    // Far more than one read's worth: the socket must stop being read.
    s.write(Array.from({ length: 3000 }, (_, i) => line(i)).join(''));
    await eventually(() => t.out.received.length >= 5, 5000, 'first events');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.out.received.length).toBeLessThan(3000);
    while (t.out.received.length < 3000) {
      for (const d of t.out.pending.splice(0)) d();
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(t.out.received.map((d) => d.fields.log)).toEqual(
      Array.from({ length: 3000 }, (_, i) => `message ${i} ${'x'.repeat(200)}`),
    );
  });

  it('TCP without spool: a failed event is emitted again, not lost', async () => {
    const t = await setup({ listeners: [listener('tcp')] }, { mode: 'hold' });
    const s = await connect(t.input.ports[0] ?? 0);
    cleanups.push(() => s.destroy());
    s.write('<13>Nov 21 05:31:56 vm app: once\n');
    await eventually(() => t.out.pending.length === 1, 5000, 'held');
    t.out.pending.shift()?.(new Error('broker down'));
    await eventually(() => t.out.pending.length === 1, 5000, 'emitted again');
    t.out.pending.shift()?.();
    expect(t.input.metrics().retried).toBe(1);
    expect(t.out.received.map((d) => d.fields.log)).toEqual(['once', 'once']);
    // The same event again: its id and reception time, not a new one.
    const [first, again] = t.out.received.map((d) => d.fields);
    expect(again?._ppf_id).toBe(first?._ppf_id);
    expect(again?._ppf_timestamp).toBe(first?._ppf_timestamp);
  });

  it('TCP without spool: a message emitted again is not counted again', async () => {
    const t = await setup({ listeners: [listener('tcp')] }, { mode: 'hold' });
    const s = await connect(t.input.ports[0] ?? 0);
    cleanups.push(() => s.destroy());
    s.write('no header at all\n');
    await eventually(() => t.out.pending.length === 1, 5000, 'held');
    t.out.pending.shift()?.(new Error('broker down'));
    await eventually(() => t.out.pending.length === 1, 5000, 'emitted again');
    t.out.pending.shift()?.();
    expect(t.out.received.map((d) => d.fields.log)).toEqual(['no header at all', 'no header at all']);
    expect(t.input.metrics()).toMatchObject({ messages: 1, retried: 1, headers_none: 1 });
  });

  it('spool: a message emitted again after a failure is not counted again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-syslog-spool-'));
    const t = await setup({ listeners: [listener('tcp')], spool: { dir } }, { mode: 'hold' });
    const s = await connect(t.input.ports[0] ?? 0);
    cleanups.push(() => s.destroy());
    s.write('no header at all\n');
    await eventually(() => t.out.pending.length === 1, 5000, 'held');
    t.out.pending.shift()?.(new Error('broker down'));
    await eventually(() => t.out.pending.length === 1, 5000, 'emitted again from the spool');
    t.out.pending.shift()?.();
    expect(t.out.received.map((d) => d.fields.log)).toEqual(['no header at all', 'no header at all']);
    expect(t.input.metrics()).toMatchObject({ messages: 1, spool_redelivered: 1, headers_none: 1 });
  });

  it('UDP: one datagram one event; dropped and counted while full', async () => {
    const t = await setup({ listeners: [listener('udp')] }, { maxPending: 1, mode: 'hold' });
    const client = dgram.createSocket('udp4');
    cleanups.push(() => {
      client.close();
    });
    const send = (m: string) =>
      new Promise<void>((r) => client.send(m, t.input.ports[0] ?? 0, '127.0.0.1', () => r()));
    await send('<13>Nov 21 05:31:56 vm app: first');
    await eventually(() => t.out.received.length === 1, 5000, 'first');
    await send('<13>Nov 21 05:31:56 vm app: dropped');
    await eventually(() => t.input.metrics().udp_dropped === 1, 5000, 'dropped');
    expect(t.out.received[0]?.fields._ppf_transport).toBe('udp');
  });

  it('spool: RELP is answered once the message is on disk; after a crash the unconfirmed are replayed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-syslog-spool-'));
    const settings = { listeners: [listener('relp')], spool: { dir } };
    const first = await setup(settings, { mode: 'hold' });
    const client = new RelpClient({ host: '127.0.0.1', port: first.input.ports[0] ?? 0 });
    await Promise.all([0, 1, 2, 3].map((i) => client.send(`<13>Nov 21 05:31:56 vm app: spooled ${i}`)));
    // All four answered while the output holds every one of them: they are in the spool.
    await eventually(() => first.out.pending.length === 4, 5000, 'fed from the spool');
    first.out.pending[0]?.();
    first.out.pending[2]?.();
    await eventually(() => first.input.metrics().spool_records === 2, 5000, 'two released');
    // The watermark (every record below it confirmed) reaches the checkpoint file: record 2 next.
    await eventually(() => checkpoint(dir) === 2, 5000, 'checkpoint written');
    client.destroy();
    expect(first.input.metrics()).toMatchObject({ spool_appended: 4, spool_replayed: 0 });
    // "Crash": a second input on the same spool, without the first one closing it.
    first.out.pending.length = 0;
    const second = await setup(settings);
    await eventually(() => second.out.received.length === 3, 5000, 'replayed');
    // From the first unconfirmed on: 2 was confirmed, but after 1 (a duplicate, as at-least-once allows).
    expect(second.out.received.map((d) => d.fields.log)).toEqual(['spooled 1', 'spooled 2', 'spooled 3']);
    expect(second.input.metrics().spool_replayed).toBe(3);
    expect(second.out.received[0]?.fields._ppf_transport).toBe('relp');
  });
});
