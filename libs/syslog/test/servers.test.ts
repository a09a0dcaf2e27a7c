/**
 * The syslog servers on real sockets: TCP and TLS framing, UDP, RELP with our client, flow
 * control, malformed input closing one connection only, and socket-level fuzzing.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPki } from '../../../test/support/certs.js';
import { eventually } from '../../../test/support/eventually.js';
import { encodeOctetCounted } from '../src/framing.js';
import type { SyslogPeer } from '../src/listener.js';
import { RelpClient } from '../src/relp-client.js';
import { type RelpDone, type RelpServer, startRelpServer } from '../src/relp-server.js';
import { type StreamServer, startStreamServer } from '../src/stream-server.js';
import { startUdpServer } from '../src/udp-server.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the server closed `socket` (end or reset). */
function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    socket.on('error', () => {});
    socket.once('close', () => resolve());
    socket.resume();
  });
}

async function tcpServer(limits = {}): Promise<{ server: StreamServer; got: string[]; peers: SyslogPeer[] }> {
  const got: string[] = [];
  const peers: SyslogPeer[] = [];
  const server = await startStreamServer({
    host: '127.0.0.1',
    port: 0,
    limits,
    onFrames: (frames, peer) => {
      for (const f of frames) {
        got.push(f.message.toString());
        peers.push(peer);
      }
    },
  });
  closers.push(() => server.close(100));
  return { server, got, peers };
}

describe('stream server (TCP)', () => {
  it('reads both framings on one connection, and the peer', async () => {
    const { server, got, peers } = await tcpServer();
    const s = await connect(server.port);
    s.write(
      Buffer.concat([
        Buffer.from('<13>one\n'),
        encodeOctetCounted('<13>two\nlines'),
        Buffer.from('<13>three\r\n'),
      ]),
    );
    await eventually(() => got.length === 3, 5000, '3 messages');
    expect(got).toEqual(['<13>one', '<13>two\nlines', '<13>three']);
    expect(peers[0]).toMatchObject({
      remoteHost: '127.0.0.1',
      remotePort: s.localPort,
      localPort: server.port,
    });
    s.destroy();
  });

  it("drops the LF a sender counted into an octet-counted frame (syslog-ng's syslog()), as rsyslog does", async () => {
    const { server, got } = await tcpServer();
    const s = await connect(server.port);
    // What syslog-ng 3.38 writes: the count includes its LF. A CRLF and a NUL go the same way; an
    // LF inside stays, and a frame that was only its trailer is no message.
    const sent = [
      '<13>1 2026-11-30T17:08:47+00:00 vm sngapp - - [meta sequenceId="1"] one\n',
      '<13>two\r\n',
      '<13>three\u0000',
      '\n',
      '<13>four\nlines',
      '<13>five\n\n',
    ];
    s.write(Buffer.concat(sent.map((m) => encodeOctetCounted(m))));
    await eventually(() => got.length === 5, 5000, '5 messages');
    expect(got).toEqual([
      '<13>1 2026-11-30T17:08:47+00:00 vm sngapp - - [meta sequenceId="1"] one',
      '<13>two',
      '<13>three',
      '<13>four\nlines',
      '<13>five\n',
    ]);
    expect(server.stats.messages).toBe(5);
    s.destroy();
  });

  it('closes a connection with a malformed frame, keeps what came before it, and serves the others', async () => {
    const { server, got } = await tcpServer();
    const bad = await connect(server.port);
    const good = await connect(server.port);
    bad.write('<13>before\n12x garbage');
    await closed(bad);
    expect(server.stats.framingErrors).toBe(1);
    good.write('<13>still served\n');
    await eventually(() => got.length === 2, 5000, 'the other connection still served');
    expect(got).toEqual(['<13>before', '<13>still served']);
    good.destroy();
  });

  it('stops reading while held, then reads on', async () => {
    const { server, got } = await tcpServer();
    const s = await connect(server.port);
    const release = server.hold();
    s.write('<13>a\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    release();
    await eventually(() => got.length === 1, 5000, 'read after release');
    s.destroy();
  });

  it('truncates past max_message_bytes and counts it', async () => {
    const { server, got } = await tcpServer({ maxMessageBytes: 8 });
    const s = await connect(server.port);
    s.write('<13>0123456789\n<13>ok\n');
    await eventually(() => got.length === 2, 5000, '2 messages');
    expect(got).toEqual(['<13>0123', '<13>ok']);
    expect(server.stats.truncated).toBe(1);
    s.destroy();
  });

  it('fuzz: garbage never crashes the server nor grows its memory; malformed frames close the connection', async () => {
    const { server, got } = await tcpServer({ maxMessageBytes: 256, maxFrameBytes: 1024 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 300 }),
            fc.constantFrom('9999999 ', '5 <1>', '0 ', '12x'),
          ),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (chunks) => {
          const s = await connect(server.port);
          const wasClosed = closed(s);
          for (const c of chunks) s.write(typeof c === 'string' ? c : Buffer.from(c));
          s.end();
          await wasClosed;
        },
      ),
      { numRuns: 60 },
    );
    for (const m of got) expect(Buffer.byteLength(m)).toBeLessThanOrEqual(256 * 3); // utf8 decoding of binary
    // A malformed frame, whatever follows it: the server closes the connection by itself.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('12x', '0 ', '99999999999 ', '5000 '),
        fc.uint8Array({ maxLength: 200 }),
        async (bad, tail) => {
          const s = await connect(server.port);
          const wasClosed = closed(s);
          s.write(Buffer.concat([Buffer.from(bad), Buffer.from(tail)]));
          await wasClosed;
        },
      ),
      { numRuns: 40 },
    );
    // Still serving.
    const before = got.length;
    const s = await connect(server.port);
    s.write('<13>after the fuzz\n');
    await eventually(() => got.length === before + 1, 5000, 'served after the fuzz');
    s.destroy();
    expect(server.stats.openConnections).toBeLessThanOrEqual(1);
  });
});

describe('stream server (TLS)', () => {
  it('reads over TLS and gives the client certificate subject with mutual TLS; refuses a rogue client', async () => {
    const pki = createTestPki();
    const got: { msg: string; peer: SyslogPeer }[] = [];
    const server = await startStreamServer({
      host: '127.0.0.1',
      port: 0,
      tls: { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, clientAuth: 'required' },
      onFrames: (frames, peer) => {
        for (const f of frames) got.push({ msg: f.message.toString(), peer });
      },
    });
    closers.push(() => server.close(100));
    const s = tls.connect({
      port: server.port,
      host: '127.0.0.1',
      ca: pki.ca.cert,
      cert: pki.client.cert,
      key: pki.client.key,
      servername: 'localhost',
    });
    await new Promise((r) => s.once('secureConnect', r));
    s.write(encodeOctetCounted('<13>1 - - app - - - over tls'));
    await eventually(() => got.length === 1, 5000, 'TLS message');
    expect(got[0]?.msg).toBe('<13>1 - - app - - - over tls');
    expect(got[0]?.peer.tlsSubject).toBe('CN=collector-1');
    s.destroy();
    const rogue = tls.connect({
      port: server.port,
      host: '127.0.0.1',
      ca: pki.ca.cert,
      cert: pki.rogueClient.cert,
      key: pki.rogueClient.key,
      servername: 'localhost',
    });
    rogue.on('error', () => {});
    await new Promise((r) => rogue.once('close', r));
    expect(server.stats.refusedConnections).toBe(1);
  });
});

/** A UDP socket closed after the test, and `send` to 127.0.0.1:`port`. */
function udpClient(port: number) {
  const client = dgram.createSocket('udp4');
  closers.push(() => {
    client.close();
  });
  const send = (m: string) => new Promise<void>((r) => client.send(m, port, '127.0.0.1', () => r()));
  return { client, send };
}

describe('UDP server (RFC 5426)', () => {
  it('takes one datagram as one message, trailer dropped; drops and counts while held', async () => {
    const got: string[] = [];
    const server = await startUdpServer({
      host: '127.0.0.1',
      port: 0,
      onMessage: (m) => {
        got.push(m.toString());
        return true;
      },
    });
    closers.push(() => server.close());
    const { send } = udpClient(server.port);
    await send('<13>Nov 21 05:31:56 vm myapp: udp\n');
    await eventually(() => got.length === 1, 5000, 'datagram');
    expect(got).toEqual(['<13>Nov 21 05:31:56 vm myapp: udp']);
    const release = server.hold();
    await send('<13>dropped');
    await eventually(() => server.stats.dropped === 1, 5000, 'dropped while held');
    release();
    await send('<13>after');
    await eventually(() => got.length === 2, 5000, 'after release');
  });

  it('truncates a message past maxMessageBytes, counts it, and logs it with its peer once per 10 s', async () => {
    const got: { text: string; truncated: boolean }[] = [];
    const warnings: { obj: object; msg: string }[] = [];
    const server = await startUdpServer({
      host: '127.0.0.1',
      port: 0,
      maxMessageBytes: 16,
      logger: {
        info: () => {},
        warn: (obj, msg) => warnings.push({ obj, msg }),
      },
      onMessage: (m, truncated) => {
        got.push({ text: m.toString(), truncated });
        return true;
      },
    });
    closers.push(() => server.close());
    const { client, send } = udpClient(server.port);
    await send('<13>0123456789abcdefghij');
    await send('<13>second one, long too');
    await send('<13>short');
    await eventually(() => got.length === 3, 5000, 'three datagrams');
    expect(got).toEqual([
      { text: '<13>0123456789ab', truncated: true },
      { text: '<13>second one, ', truncated: true },
      { text: '<13>short', truncated: false },
    ]);
    expect(server.stats.truncated).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({
      peer: `127.0.0.1:${client.address().port}`,
      bytes: 24,
      maxMessageBytes: 16,
    });
  });
});

interface RelpHarness {
  server: RelpServer;
  got: string[];
  pending: RelpDone[];
}

async function relpServer(
  mode: 'ack' | 'hold',
  options: { maxDataBytes?: number; maxUnanswered?: number } = {},
): Promise<RelpHarness> {
  const got: string[] = [];
  const pending: RelpDone[] = [];
  const server = await startRelpServer({
    host: '127.0.0.1',
    port: 0,
    ...options,
    onMessage: (m, _peer, done) => {
      got.push(m.toString());
      if (mode === 'ack') done.ack();
      else pending.push(done);
    },
  });
  closers.push(() => server.close(100));
  return { server, got, pending };
}

describe('RELP server with the RELP client', () => {
  it('answers each message once confirmed; the client resolves in order', async () => {
    const { server, got } = await relpServer('ack');
    const client = new RelpClient({ host: '127.0.0.1', port: server.port });
    await Promise.all(Array.from({ length: 500 }, (_, i) => client.send(`<13>msg ${i}`)));
    await client.close();
    expect(got).toHaveLength(500);
    expect(got[499]).toBe('<13>msg 499');
    expect(server.stats.acked).toBe(500);
  });

  it('drops a trailing LF, CRLF or NUL from a message, as rsyslog does; an LF inside stays', async () => {
    const { server, got } = await relpServer('ack');
    const client = new RelpClient({ host: '127.0.0.1', port: server.port });
    await client.send('<13>one\n');
    await client.send('<13>two\r\n');
    await client.send('<13>three\u0000');
    await client.send('<13>four\nstill four');
    await client.send('<13>five');
    await client.close();
    expect(got).toEqual(['<13>one', '<13>two', '<13>three', '<13>four\nstill four', '<13>five']);
    expect(server.stats.acked).toBe(5);
  });

  it('a failed message closes the session; the client resends it and what followed on a new session', async () => {
    const { server, got, pending } = await relpServer('hold');
    const client = new RelpClient({ host: '127.0.0.1', port: server.port, retryMs: 20 });
    const sent = [0, 1, 2].map((i) => client.send(`<13>m${i}`));
    await eventually(() => pending.length === 3, 5000, '3 messages held');
    pending[0]?.ack();
    await sent[0];
    pending[1]?.fail('downstream down');
    // Session 2: m1 and m2 again, answered this time.
    await eventually(() => pending.length === 5, 5000, 'resent on a new session');
    expect(got).toEqual(['<13>m0', '<13>m1', '<13>m2', '<13>m1', '<13>m2']);
    pending[3]?.ack();
    pending[4]?.ack();
    await Promise.all(sent);
    expect(client.sessions).toBe(2);
    expect(server.stats.failedSessions).toBe(1);
    await client.close();
  });

  it('stops reading a connection past maxUnanswered', async () => {
    const { server, got, pending } = await relpServer('hold', { maxUnanswered: 5 });
    const total = 2000;
    const client = new RelpClient({ host: '127.0.0.1', port: server.port, windowSize: total });
    const sent = Array.from({ length: total }, (_, i) => client.send(`<13>m${i} `.padEnd(200, 'x')));
    await eventually(() => got.length >= 5, 5000, '5 held');
    await new Promise((r) => setTimeout(r, 100));
    // Reading stops once 5 are unanswered (the rest of the chunk that got there is still decoded).
    expect(got.length).toBeLessThan(total / 2);
    while (got.length < total || pending.length > 0) {
      for (const d of pending.splice(0)) d.ack();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sent);
    await client.close();
  });

  it('counts and logs a refused session (syslog before open, an open without syslog) with the peer', async () => {
    const warnings: { obj: object; msg: string }[] = [];
    const server = await startRelpServer({
      host: '127.0.0.1',
      port: 0,
      logger: { info: () => {}, warn: (obj, msg) => warnings.push({ obj, msg }) },
      onMessage: (_m, _peer, done) => done.ack(),
    });
    closers.push(() => server.close(100));
    for (const bytes of ['1 syslog 3 abc\n', '1 open 14 relp_version=0\n']) {
      const s = await connect(server.port);
      const answer: Buffer[] = [];
      s.on('data', (d: Buffer) => answer.push(d));
      const wasClosed = closed(s);
      s.write(bytes);
      await wasClosed;
      expect(Buffer.concat(answer).toString()).toMatch(/^1 rsp \d+ 500 .*\n0 serverclose 0\n$/);
    }
    expect(server.stats.protocolErrors).toBe(2);
    expect(warnings.map((w) => w.obj)).toEqual([
      expect.objectContaining({
        code: 'COMMAND_DISABLED',
        peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      }),
      expect.objectContaining({
        code: 'INVALID_OFFER',
        err: expect.stringContaining('open without commands=syslog'),
      }),
    ]);
  });

  it('fuzz: garbage never crashes the server; the session ends with serverclose', async () => {
    const { server, got } = await relpServer('ack', { maxDataBytes: 1024 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 200 }),
            fc.constantFrom(
              '1 open 30 relp_version=0\ncommands=syslog\n',
              '2 syslog 5 <1>ab\n',
              '3 syslog 99999999 ',
              '9 close 0\n',
              '0 serverclose 0\n',
            ),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        async (chunks) => {
          const s = await connect(server.port);
          const wasClosed = closed(s);
          for (const c of chunks) s.write(typeof c === 'string' ? c : Buffer.from(c));
          s.end();
          await wasClosed;
        },
      ),
      { numRuns: 60 },
    );
    // Garbage before or instead of a session: serverclose, and the server closes by itself.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('x', '1 open 3 abc\n', '2 syslog 1 a\n', '1 open 99999 '),
        fc.uint8Array({ maxLength: 200 }),
        async (bad, tail) => {
          const s = await connect(server.port);
          let received = '';
          s.on('data', (d: Buffer) => {
            received += d.toString('latin1');
          });
          const wasClosed = closed(s);
          s.write(Buffer.concat([Buffer.from(bad), Buffer.from(tail)]));
          await wasClosed;
          expect(received.endsWith('0 serverclose 0\n')).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    const before = got.length;
    const client = new RelpClient({ host: '127.0.0.1', port: server.port });
    await client.send('<13>after the fuzz');
    await client.close();
    expect(got.length).toBe(before + 1);
  });
});
