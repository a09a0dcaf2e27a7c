/** The Lumberjack receiver over real sockets (TCP and mutual TLS). */
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../../test/support/certs.js';
import { eventually } from '../../../test/support/eventually.js';
import {
  decodeAck,
  encodeJsonFrame,
  encodeKvFrame,
  encodeWindow,
  encodeWindowHeader,
  type LumberjackServer,
  type LumberjackServerOptions,
  startLumberjackServer,
  type Window,
  type WindowDone,
} from '../src/index.js';

const servers: LumberjackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
});

async function serve(
  onWindow: LumberjackServerOptions['onWindow'],
  extra: Partial<LumberjackServerOptions> = {},
): Promise<LumberjackServer> {
  const server = await startLumberjackServer({ host: '127.0.0.1', port: 0, onWindow, ...extra });
  servers.push(server);
  return server;
}

/** A raw client: writes bytes, collects ACKs, knows when the server closed. */
function client(socket: net.Socket) {
  const acks: number[] = [];
  let buf = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const ack = decodeAck(buf);
      if (ack === undefined) break;
      acks.push(ack.seq);
      buf = buf.subarray(6);
    }
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  return { acks, socket, closed: () => closed };
}

const connect = (port: number) =>
  new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
  });

const events = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ message: `${tag}-${i}` }));

describe('Lumberjack server (real sockets)', () => {
  it('acknowledges pipelined windows in window order, whatever order they are confirmed in', async () => {
    const pending: { window: Window; done: WindowDone }[] = [];
    const server = await serve((window, _peer, done) => pending.push({ window, done }));
    const c = client(await connect(server.port));
    c.socket.write(
      Buffer.concat([
        encodeWindow(events(3, 'a')),
        encodeWindow(events(5, 'b')),
        encodeWindow(events(2, 'c')),
      ]),
    );
    await eventually(() => pending.length === 3);
    expect(pending.map((p) => p.window.events.map((e) => e.fields.message))[1]).toEqual([
      'b-0',
      'b-1',
      'b-2',
      'b-3',
      'b-4',
    ]);
    pending[2]?.done.ack();
    pending[1]?.done.ack();
    await new Promise((r) => setTimeout(r, 100));
    expect(c.acks).toEqual([]);
    pending[0]?.done.ack();
    await eventually(() => c.acks.length === 3);
    expect(c.acks).toEqual([3, 5, 2]);
    expect(server.stats).toMatchObject({ windows: 3, events: 10, acked: 10 });
    c.socket.destroy();
  });

  it('sends ACK 0 keepalives while a window waits, and answers W 0 with ACK 0', async () => {
    const pending: WindowDone[] = [];
    const server = await serve((_w, _p, done) => pending.push(done), { keepaliveMs: 100 });
    const c = client(await connect(server.port));
    c.socket.write(encodeWindowHeader(2, 0));
    await eventually(() => c.acks.length === 1);
    expect(c.acks).toEqual([0]);
    c.socket.write(encodeWindow(events(4, 'k')));
    // Not confirmed yet: only keepalives (ACK 0) may arrive, and they keep coming.
    await eventually(() => c.acks.length >= 4);
    expect(c.acks.every((ack) => ack === 0)).toBe(true);
    pending[0]?.ack();
    await eventually(() => c.acks.at(-1) === 4);
    const keepalives = c.acks.slice(1, -1);
    expect(keepalives.length).toBeGreaterThanOrEqual(3);
    expect(keepalives.every((a) => a === 0)).toBe(true);
    c.socket.destroy();
  });

  it('keeps a v1 window alive with v1 keepalives (1A), then acknowledges it in v1', async () => {
    const pending: WindowDone[] = [];
    const server = await serve((_w, _p, done) => pending.push(done), { keepaliveMs: 50 });
    const socket = await connect(server.port);
    let bytes = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      bytes = Buffer.concat([bytes, d]);
    });
    socket.write(
      Buffer.concat([
        encodeWindowHeader(1, 2),
        encodeKvFrame(1, 1, { line: 'first' }),
        encodeKvFrame(1, 2, { line: 'second' }),
      ]),
    );
    await eventually(() => bytes.length >= 12, 5000, 'two keepalives');
    pending[0]?.ack();
    await eventually(() => bytes.length % 6 === 0 && bytes.readUInt32BE(bytes.length - 4) === 2);
    const frames = Array.from({ length: bytes.length / 6 }, (_, i) => bytes.subarray(i * 6, i * 6 + 6));
    // Every frame a v1 sender reads: '1' 'A' seq, keepalives (0) then the window's ACK (2).
    expect(frames.map((f) => f.toString('latin1', 0, 2))).toEqual(frames.map(() => '1A'));
    expect(frames.map((f) => f.readUInt32BE(2))).toEqual([...frames.slice(0, -1).map(() => 0), 2]);
    socket.destroy();
  });

  it('closes only the connection that sent a malformed frame, and keeps serving', async () => {
    const server = await serve((_w, _p, done) => done.ack());
    const good = client(await connect(server.port));
    const bad = client(await connect(server.port));
    bad.socket.write(Buffer.from('XYZ\n'));
    await eventually(() => bad.closed());
    expect(server.stats.protocolErrors).toBe(1);
    good.socket.write(encodeWindow(events(2, 'g')));
    await eventually(() => good.acks.length === 1);
    expect(good.closed()).toBe(false);
    const later = client(await connect(server.port));
    later.socket.write(encodeWindow(events(1, 'l')));
    await eventually(() => later.acks.length === 1);
    good.socket.destroy();
    later.socket.destroy();
  });

  it('closes without ACK a window the application fails, so the sender resends', async () => {
    const server = await serve((_w, _p, done) => done.fail('output down'));
    const c = client(await connect(server.port));
    c.socket.write(encodeWindow(events(2, 'f')));
    await eventually(() => c.closed());
    expect(c.acks).toEqual([]);
    expect(server.stats.failedWindows).toBe(1);
  });

  it('closes a connection whose window does not complete in time', async () => {
    const server = await serve((_w, _p, done) => done.ack(), { windowTimeoutMs: 200 });
    const c = client(await connect(server.port));
    c.socket.write(Buffer.concat([encodeWindowHeader(2, 2), encodeJsonFrame(2, 1, Buffer.from('{"a":1}'))]));
    await eventually(() => c.closed(), 3000);
    expect(server.stats.timeouts).toBe(1);
  });

  it('stops reading past maxPendingWindows unacknowledged windows, and resumes after the ACK', async () => {
    const pending: WindowDone[] = [];
    const server = await serve((_w, _p, done) => pending.push(done), { maxPendingWindows: 1 });
    const c = client(await connect(server.port));
    c.socket.write(encodeWindow(events(1, 'x')));
    await eventually(() => pending.length === 1);
    // The socket is paused now: the next window stays in the kernel's buffers.
    c.socket.write(encodeWindow(events(1, 'y')));
    await new Promise((r) => setTimeout(r, 150));
    expect(pending).toHaveLength(1);
    pending[0]?.ack();
    await eventually(() => pending.length === 2);
    pending[1]?.ack();
    await eventually(() => c.acks.length === 2);
    c.socket.destroy();
  });
});

describe('Lumberjack server over mutual TLS', () => {
  let pki: { ca: Buffer; serverKey: Buffer; serverCert: Buffer; clientKey: Buffer; clientCert: Buffer };

  beforeAll(() => {
    const { ca, server, client } = createTestPki();
    pki = {
      ca: ca.cert,
      serverKey: server.key,
      serverCert: server.cert,
      clientKey: client.key,
      clientCert: client.cert,
    };
  });

  it('accepts a client with a certificate from the CA, and refuses one without', async () => {
    const peers: string[] = [];
    const server = await serve(
      (_w, peer, done) => {
        peers.push(peer.clientCn ?? '');
        done.ack();
      },
      { tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, clientAuth: 'required' } },
    );
    const secure = await new Promise<tls.TLSSocket>((resolve) => {
      const s = tls.connect(
        {
          port: server.port,
          host: '127.0.0.1',
          ca: pki.ca,
          key: pki.clientKey,
          cert: pki.clientCert,
          servername: 'localhost',
          checkServerIdentity: () => undefined,
        },
        () => resolve(s),
      );
    });
    const c = client(secure);
    c.socket.write(encodeWindow(events(2, 's'), { compressionLevel: 3 }));
    await eventually(() => c.acks.length === 1);
    expect(c.acks).toEqual([2]);
    expect(peers).toEqual(['collector-1']);
    secure.destroy();

    const anonymous = tls.connect({
      port: server.port,
      host: '127.0.0.1',
      ca: pki.ca,
      checkServerIdentity: () => undefined,
    });
    const a = client(anonymous);
    anonymous.on('secureConnect', () => anonymous.write(encodeWindow(events(1, 'no'))));
    await eventually(() => a.closed(), 5000);
    expect(a.acks).toEqual([]);
    expect(peers).toEqual(['collector-1']);
  });
});
