/** lumberjack_output against real receivers: load balancing, resend elsewhere, keepalives. */
import net from 'node:net';
import { lumberjackOutputSettings } from '@drover/channel-model';
import {
  encodeAck,
  type LumberjackServer,
  type LumberjackServerOptions,
  startLumberjackServer,
  WindowReader,
} from '@drover/lumberjack';
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine.js';
import { LumberjackOutput } from '../src/nodes/lumberjack-output.js';
import { inputToNode, quiet, TestInput } from './support/nodes.js';

const servers: LumberjackServer[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.drain(200)));
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
});

async function receiver(
  onWindow: LumberjackServerOptions['onWindow'],
  extra: Partial<LumberjackServerOptions> = {},
) {
  const s = await startLumberjackServer({ host: '127.0.0.1', port: 0, onWindow, ...extra });
  servers.push(s);
  return s;
}

async function sender(ports: number[], extra: Record<string, unknown> = {}) {
  const input = new TestInput();
  const output = new LumberjackOutput(
    lumberjackOutputSettings.parse({
      destinations: ports.map((port) => ({ host: '127.0.0.1', port })),
      window_size: 10,
      linger_ms: 20,
      retry_initial_ms: 50,
      ...extra,
    }),
    quiet,
  );
  const engine = inputToNode(
    { input, fields: ['id', 'log'], node: output, nodeName: 'lj' },
    { maxPending: 10_000, messageTimeoutMs: 20_000 },
  );
  engines.push(engine);
  await engine.start();
  return { input, output };
}

describe('lumberjack_output (real receivers)', () => {
  it('load-balances windows over the live receivers and confirms every event once acknowledged', async () => {
    const got: Record<string, number[]> = { a: [], b: [] };
    const a = await receiver((w, _p, done) => {
      got.a?.push(...w.events.map((e) => Number(e.fields.id)));
      done.ack();
    });
    const b = await receiver((w, _p, done) => {
      got.b?.push(...w.events.map((e) => Number(e.fields.id)));
      done.ack();
    });
    const { input } = await sender([a.port, b.port]);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, id) => input.send({ id, log: `line ${id}` })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(got.a?.length).toBeGreaterThan(0);
    expect(got.b?.length).toBeGreaterThan(0);
    expect([...(got.a ?? []), ...(got.b ?? [])].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
  });

  it('resends a window another receiver did not acknowledge to one that does', async () => {
    const good: number[] = [];
    const bad = await receiver((_w, _p, done) => done.fail('disk full'));
    const ok = await receiver((w, _p, done) => {
      good.push(...w.events.map((e) => Number(e.fields.id)));
      done.ack();
    });
    const { input, output } = await sender([bad.port, ok.port]);
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, id) => input.send({ id, log: 'x' })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect([...new Set(good)].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(output.stats.resent).toBeGreaterThanOrEqual(1);
  });

  it('waits through keepalives past the ACK timeout while the receiver works', async () => {
    const slow = await receiver(
      (_w, _p, done) => {
        setTimeout(() => done.ack(), 400);
      },
      { keepaliveMs: 50 },
    );
    const { input, output } = await sender([slow.port], { ack_timeout_ms: 150 });
    expect(await input.send({ id: 1, log: 'x' })).toEqual({ ok: true });
    expect(output.stats.resent).toBe(0);
  });

  it('after a partial ACK, resends only the unacknowledged rest of the window', async () => {
    // A receiver that acknowledges the first 4 events of the window, then drops the connection.
    const partial: number[] = [];
    const flaky = net.createServer((socket) => {
      const reader = new WindowReader();
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        for (const window of reader.push(chunk)) {
          partial.push(...window.events.map((e) => Number(e.fields.id)));
          socket.write(encodeAck(window.version, window.events[3]?.seq ?? 0));
          setTimeout(() => socket.destroy(), 20);
        }
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const good: number[] = [];
    const ok = await receiver((w, _p, done) => {
      good.push(...w.events.map((e) => Number(e.fields.id)));
      done.ack();
    });
    try {
      const { input, output } = await sender([(flaky.address() as net.AddressInfo).port, ok.port], {
        linger_ms: 1000,
      });
      // One window of 10, which the round-robin hands to the flaky receiver first.
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, id) => input.send({ id, log: 'x' })));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(partial).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(good).toEqual([4, 5, 6, 7, 8, 9]);
      expect(output.stats.resent).toBe(1);
    } finally {
      flaky.close();
    }
  });
});
