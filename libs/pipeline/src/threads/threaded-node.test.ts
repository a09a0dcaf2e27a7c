/**
 * Processing nodes on real worker threads (they run the built dist/, see threaded-node.ts): order
 * kept, errors and the timeout guard, a grok pattern that backtracks catastrophically.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quiet } from '../../test/support/nodes.js';
import type { Delivery, Fields, ProcessResult } from '../types.js';
import { ThreadedNode } from './threaded-node.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-threads-'));
writeFileSync(
  join(dir, 'fn.js'),
  `import { threadId } from 'node:worker_threads';
export default (event, emit) => {
  if (event.msg === 'throw') throw new Error('cannot handle ' + event.msg);
  if (event.msg === 'loop') for (;;) {}
  // Uneven work, so workers finish out of order.
  let x = 0;
  for (let i = 0; i < (event.n % 7) * 20000; i++) x += i;
  emit('out', { ...event, thread: threadId, x });
};
`,
);
const started: ThreadedNode[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((n) => n.close()));
});

async function start(
  type: string,
  settings: Record<string, unknown>,
  options: Partial<Parameters<typeof ThreadedNode.start>[1]> = {},
) {
  const node = await ThreadedNode.start(
    { type, component: 'node', settings, publish: [{ stream: 'out', fields: [] }], baseDir: dir },
    { workers: 2, ordered: true, timeoutMs: undefined, ...options },
    quiet,
  );
  started.push(node);
  return node;
}

/** The first event a result emitted. */
const first = (r: ProcessResult | undefined): Fields => (r?.emits[0]?.[1] ?? {}) as Fields;

function send(node: ThreadedNode, fields: Fields[]): Promise<ProcessResult[]> {
  return new Promise((resolve) => {
    const results: ProcessResult[] = [];
    for (const f of fields) {
      const event: Delivery = { component: 'in', stream: 'logs', fields: f };
      node.process(event, (r) => {
        results.push(r);
        if (results.length === fields.length) resolve(results);
      });
    }
  });
}

describe('processing nodes on worker threads', () => {
  it('runs on several threads and releases results in arrival order', async () => {
    const node = await start('function', { module: 'fn.js' });
    const events = Array.from({ length: 2000 }, (_, n) => ({ msg: 'x', n }));
    const results = await send(node, events);
    expect(results.map((r) => first(r).n)).toEqual(events.map((e) => e.n));
    expect(new Set(results.map((r) => first(r).thread)).size).toBe(2);
  });

  it('releases results as they finish with ordered: false', async () => {
    const node = await start('function', { module: 'fn.js' }, { ordered: false });
    const results = await send(
      node,
      Array.from({ length: 2000 }, (_, n) => ({ msg: 'x', n })),
    );
    expect(new Set(results.map((r) => first(r).n)).size).toBe(2000);
  });

  it('reports a throw as the error of that event only', async () => {
    const node = await start('function', { module: 'fn.js' });
    const results = await send(node, [
      { msg: 'a', n: 1 },
      { msg: 'throw', n: 2 },
      { msg: 'b', n: 3 },
    ]);
    expect(results[1]).toEqual({ emits: [], error: 'cannot handle throw' });
    expect(results[2]?.emits[0]?.[1]).toMatchObject({ msg: 'b' });
  });

  it('restarts a worker stuck on one event past timeout_ms; that event is an error, the others go on', async () => {
    const node = await start('function', { module: 'fn.js' }, { workers: 1, timeoutMs: 200 });
    const results = await send(node, [
      { msg: 'a', n: 1 },
      { msg: 'loop', n: 2 },
      { msg: 'b', n: 3 },
    ]);
    expect(results[1]).toEqual({ emits: [], error: 'not processed within 200 ms (worker thread restarted)' });
    expect(results[2]?.emits[0]?.[1]).toMatchObject({ msg: 'b' });
    expect(node.stats).toEqual({ timeouts: 1, restarts: 1 });
    // The replacement works.
    expect((await send(node, [{ msg: 'c', n: 4 }]))[0]?.emits[0]?.[1]).toMatchObject({ msg: 'c' });
  });

  it('guards grok against catastrophic backtracking: the line flows on, tagged', async () => {
    const settings = { patterns: ['^(a+)+$', '%{INT:n:int}'], field: 'log' };
    const node = await start('grok', settings, {
      workers: 1,
      timeoutMs: 300,
      onTimeout: (e) => ({ emits: [['out', { ...e.fields, tags: ['_groktimeout'] }]] }),
    });
    const evil = `${'a'.repeat(40)}!`;
    const results = await send(node, [{ log: '42' }, { log: evil }, { log: '7' }]);
    expect(results.map((r) => r.emits[0]?.[1])).toEqual([
      { log: '42', n: 42 },
      { log: evil, tags: ['_groktimeout'] },
      { log: '7', n: 7 },
    ]);
  });

  it('fails the start when a worker cannot build the node, saying why', async () => {
    await expect(start('function', { module: 'missing.js' })).rejects.toThrow(/missing\.js/);
  });
});
