/** lumberjack_input in the engine, over real sockets: ACK only after the outputs confirm. */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lumberjackInputSettings } from '@drover/channel-model';
import { decodeAck, encodeJsonFrame, encodeWindow, encodeWindowHeader } from '@drover/lumberjack';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import type { Engine } from '../src/engine.js';
import { LumberjackInput } from '../src/nodes/lumberjack-input.js';
import { inputToNode, TestOutput } from './support/nodes.js';

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.drain(100)));
});

async function setup(maxPending = 1000, more: Record<string, unknown> = {}) {
  const input = new LumberjackInput(
    lumberjackInputSettings.parse({ listen: { host: '127.0.0.1', port: 0 }, ...more }),
    'logs',
  );
  const out = new TestOutput('hold');
  const engine = inputToNode(
    {
      input,
      inputName: 'lj',
      fields: ['log', '_ppf_id', '_ppf_remote_host', '_ppf_local_port'],
      node: out,
    },
    { maxPending },
  );
  engines.push(engine);
  await engine.start();
  const socket = await new Promise<net.Socket>((resolve) => {
    const s = net.connect(input.port ?? 0, '127.0.0.1', () => resolve(s));
  });
  const acks: number[] = [];
  let closed = false;
  socket.on('data', (d: Buffer) => {
    for (let at = 0; at + 6 <= d.length; at += 6) acks.push(decodeAck(d, at)?.seq ?? -1);
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  return { input, out, socket, acks, closed: () => closed };
}

describe('lumberjack_input (real sockets, real engine)', () => {
  it('admits windows while under max_pending, then stops reading until there is room', async () => {
    const t = await setup(10);
    const second = net.connect(t.input.port ?? 0, '127.0.0.1');
    second.on('error', () => {});
    const win = (tag: string) => encodeWindow(Array.from({ length: 4 }, (_, i) => ({ log: `${tag}${i}` })));
    t.socket.write(Buffer.concat([win('a'), win('b'), win('c')]));
    second.write(Buffer.concat([win('d'), win('e')]));
    await eventually(() => t.out.received.length >= 12, 5000, 'three windows admitted');
    await new Promise((r) => setTimeout(r, 200));
    // a, b, c fill max_pending 10 (a window goes whole: 12); d and e wait for room.
    expect(t.out.received).toHaveLength(12);
    for (const done of t.out.pending.splice(0, 4)) done(); // a confirmed: room for one window
    await eventually(() => t.out.received.length === 16, 5000, 'one more window');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.out.received).toHaveLength(16);
    for (const done of t.out.pending.splice(0)) done();
    await eventually(() => t.out.received.length === 20, 5000, 'the last window');
    for (const done of t.out.pending.splice(0)) done();
    expect(new Set(t.out.received.map((d) => String(d.fields.log)))).toHaveLength(20);
    await eventually(() => t.acks.length === 3, 5000, 'a, b and c acknowledged');
    second.destroy();
  });

  it('acknowledges a window only once the output confirmed every event of it', async () => {
    const t = await setup();
    t.socket.write(encodeWindow([{ log: 'a' }, { log: 'b' }, { log: 'c' }], { compressionLevel: 3 }));
    await eventually(() => t.out.received.length === 3);
    expect(t.out.received.map((d) => d.fields.log)).toEqual(['a', 'b', 'c']);
    expect(t.out.received[0]?.fields._ppf_remote_host).toBe('127.0.0.1');
    expect(t.out.received[0]?.fields._ppf_local_port).toBe(t.input.port);
    t.out.pending[0]?.();
    t.out.pending[1]?.();
    await new Promise((r) => setTimeout(r, 50));
    expect(t.acks).toEqual([]);
    t.out.pending[2]?.();
    await eventually(() => t.acks.length === 1);
    expect(t.acks).toEqual([3]);
    t.socket.destroy();
  });

  it('closes the connection without ACK when the output fails an event, so the sender resends', async () => {
    const t = await setup();
    t.socket.write(encodeWindow([{ log: 'a' }, { log: 'b' }]));
    await eventually(() => t.out.received.length === 2);
    t.out.pending[0]?.();
    t.out.pending[1]?.(new Error('kafka unavailable'));
    await eventually(() => t.closed());
    expect(t.acks).toEqual([]);
  });

  it('closes without ACK a window with a malformed JSON event, emitting none of it; the window before is acknowledged', async () => {
    const t = await setup();
    const bad = Buffer.concat([
      encodeWindowHeader(2, 2),
      encodeJsonFrame(2, 1, Buffer.from('{"log":"fine"}')),
      encodeJsonFrame(2, 2, Buffer.from('{"log":')),
    ]);
    t.socket.write(encodeWindow([{ log: 'before' }]));
    await eventually(() => t.out.received.length === 1);
    for (const done of t.out.pending.splice(0)) done();
    await eventually(() => t.acks.length === 1, 5000, 'the first window acknowledged');
    t.socket.write(bad);
    await eventually(() => t.closed(), 5000, 'closed');
    expect(t.out.received.map((d) => d.fields.log)).toEqual(['before']);
    expect(t.acks).toEqual([1]);
  });

  it('with a spool: acknowledges a window once it is on disk, and replays what was not confirmed after a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-lj-spool-'));
    const first = await setup(1000, { spool: { dir } });
    first.socket.write(encodeWindow([{ log: 'a' }, { log: 'b' }, { log: 'c' }]));
    // Acknowledged while the output still holds every event: the spool has them.
    await eventually(() => first.acks.includes(3), 5000, 'ACK 3');
    await eventually(() => first.out.pending.length === 3, 5000, 'fed from the spool');
    expect(first.out.received.map((d) => d.fields.log)).toEqual(['a', 'b', 'c']);
    first.out.pending[0]?.();
    await eventually(() => first.input.metrics().spool_records === 2, 5000, 'one released');
    first.socket.destroy();
    // A second input on the same spool, the first never closed (as after SIGKILL): b and c again
    // (and a too when the checkpoint had not caught up: at-least-once).
    first.out.pending.length = 0;
    const second = await setup(1000, { spool: { dir } });
    second.socket.destroy();
    await eventually(
      () =>
        second.out.received
          .map((d) => d.fields.log)
          .join()
          .endsWith('b,c'),
      5000,
      'b and c replayed',
    );
    expect(second.input.metrics().spool_replayed).toBeGreaterThanOrEqual(2);
    expect(second.out.received[0]?.fields._ppf_remote_host).toBe('127.0.0.1');
    second.out.release();
  });
});
