/**
 * The receiver's flow control over real sockets: `hold()` stops reading on every connection
 * (without blaming the peer for the windows it cannot finish meanwhile), and connections past
 * `maxConnections` are refused.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { encodeWindow, type LumberjackServer, startLumberjackServer, type Window } from '../src/index.js';

const servers: LumberjackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
});

const connect = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });

const windowOf = (tag: string, n = 3) =>
  encodeWindow(Array.from({ length: n }, (_, i) => ({ message: `${tag}-${i}` })));

describe('Lumberjack server flow control (real sockets)', () => {
  it('reads no connection while held, and every one again once every hold is released', async () => {
    const seen: Window[] = [];
    const server = await startLumberjackServer({
      host: '127.0.0.1',
      port: 0,
      windowTimeoutMs: 100,
      onWindow: (window, _peer, done) => {
        seen.push(window);
        done.ack();
      },
    });
    servers.push(server);
    const [a, b] = [await connect(server.port), await connect(server.port)];
    a.write(windowOf('a0'));
    await eventually(() => seen.length === 1, 5000, 'a first window');

    const first = server.hold();
    const second = server.hold();
    const half = windowOf('a1');
    a.write(half.subarray(0, 20)); // a window cut in two while held: not the peer's fault
    b.write(windowOf('b0'));
    await new Promise((r) => setTimeout(r, 300)); // three window timeouts
    expect(seen).toHaveLength(1);
    first();
    first(); // a release counts once
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(1);
    second();
    await eventually(() => seen.length === 2, 5000, 'b read again');
    a.write(half.subarray(20));
    await eventually(() => seen.length === 3, 5000, 'a read again');
    expect(seen.map((w) => w.events[0]?.fields.message).sort()).toEqual(['a0-0', 'a1-0', 'b0-0']);
    expect(server.stats.timeouts).toBe(0);
    a.destroy();
    b.destroy();
  });

  it('refuses connections past maxConnections, counted, and serves the others', async () => {
    let windows = 0;
    const server = await startLumberjackServer({
      host: '127.0.0.1',
      port: 0,
      maxConnections: 2,
      onWindow: (_w, _p, done) => {
        windows++;
        done.ack();
      },
    });
    servers.push(server);
    const kept = [await connect(server.port), await connect(server.port)];
    await eventually(() => server.stats.openConnections === 2, 5000, 'two open');
    const extra = await connect(server.port);
    const closed = new Promise<void>((resolve) => extra.on('close', () => resolve()));
    await closed;
    expect(server.stats.refusedConnections).toBe(1);
    kept[0]?.write(windowOf('k'));
    await eventually(() => windows === 1, 5000, 'a kept connection served');
    for (const s of kept) s.destroy();
  });
});
