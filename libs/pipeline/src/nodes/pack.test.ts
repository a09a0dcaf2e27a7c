/** pack and unpack in the engine: triggers, formats, what is refused, at-least-once through the pack. */
import { packSettings, unpackSettings } from '@drover/channel-model';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestInput, TestOutput, testEngine } from '../../test/support/nodes.js';
import type { EngineNode } from '../engine.js';
import type { Fields, Outcome } from '../types.js';
import { Pack, Unpack, unpackJsonArray, unpackLines } from './pack.js';

function packPipeline(settings: Record<string, unknown>, out: TestOutput, input = new TestInput()) {
  const nodes: EngineNode[] = [
    {
      component: 'in',
      impl: input,
      publish: [{ stream: 'logs', fields: ['log', 'host', '_ppf_id'] }],
      subscribe: [],
    },
    {
      component: 'pack',
      impl: new Pack(packSettings.parse(settings), 'packs'),
      publish: [
        { stream: 'packs', fields: ['log', 'n'] },
        { stream: '_ppf_errors', fields: ['_ppf_error_message', '_ppf_error_document'] },
      ],
      subscribe: [{ component: 'in', stream: 'logs' }],
    },
    {
      component: 'out',
      impl: out,
      publish: [],
      subscribe: [
        { component: 'pack', stream: 'packs' },
        { component: 'pack', stream: '_ppf_errors' },
      ],
    },
  ];
  return { input, engine: testEngine(nodes, { maxPending: 1000, messageTimeoutMs: 30_000 }) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('pack', () => {
  it('packs max_count lines into one event, confirming each line only when the pack is confirmed', async () => {
    const out = new TestOutput('hold');
    const { input, engine } = packPipeline({ max_count: 3, count_field: 'n', linger_ms: 10_000 }, out);
    await engine.start();
    const outcomes: Outcome[] = [];
    for (const log of ['a', 'b', 'c', 'd']) void input.send({ log }).then((o) => outcomes.push(o));
    expect(out.received.map((d) => d.fields)).toEqual([{ log: 'a\nb\nc', n: 3 }]);
    await new Promise((r) => setTimeout(r, 0));
    expect(outcomes).toEqual([]);
    out.pending[0]?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(engine.inFlight).toBe(1); // 'd' waits for the next pack
    const drained = engine.drain(1000);
    await new Promise((r) => setTimeout(r, 0));
    expect(out.received[1]?.fields).toEqual({ log: 'd', n: 1 });
    out.pending[1]?.();
    expect(await drained).toBe(0);
  });

  it('cuts before max_bytes, sends an oversized event alone, and flushes after linger_ms', async () => {
    vi.useFakeTimers();
    const out = new TestOutput();
    const { input, engine } = packPipeline({ max_bytes: 10, linger_ms: 50 }, out);
    await engine.start();
    const sent = ['aaa', 'bbb', 'ccc', 'a line longer than ten bytes', 'z'].map((log) => input.send({ log }));
    // 'aaa\nbbb\n' is 8 bytes: 'ccc' would pass 10; the long one goes alone, then 'z' lingers.
    expect(out.received.map((d) => d.fields.log)).toEqual([
      'aaa\nbbb',
      'ccc',
      'a line longer than ten bytes',
    ]);
    await vi.advanceTimersByTimeAsync(49);
    expect(out.received).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(out.received.map((d) => d.fields.log)).toEqual([
      'aaa\nbbb',
      'ccc',
      'a line longer than ten bytes',
      'z',
    ]);
    expect((await Promise.all(sent)).every((o) => o.ok)).toBe(true);
  });

  it('fails every packed event back when the pack fails', async () => {
    const out = new TestOutput('hold');
    const { input, engine } = packPipeline({ max_count: 2 }, out);
    await engine.start();
    const sent = [input.send({ log: 'a' }), input.send({ log: 'b' })];
    out.pending[0]?.(new Error('Kafka is down'));
    expect(await Promise.all(sent)).toEqual([
      { ok: false, reason: 'out: Kafka is down' },
      { ok: false, reason: 'out: Kafka is down' },
    ]);
  });

  it('refuses a line with a line feed (lines), to _ppf_errors, and packs whole events as a JSON array', async () => {
    const out = new TestOutput();
    const lines = packPipeline({ max_count: 2 }, out);
    await lines.engine.start();
    expect(await lines.input.send({ log: 'one\ntwo' })).toEqual({ ok: true });
    expect(out.received[0]?.stream).toBe('_ppf_errors');
    expect(out.received[0]?.fields._ppf_error_message).toMatch(/holds a line feed/);

    const json = new TestOutput();
    const arrays = packPipeline({ format: 'json_array', max_count: 2 }, json);
    await arrays.engine.start();
    await Promise.all([
      arrays.input.send({ log: 'one\ntwo', host: 'h1', _ppf_id: 'x1' }),
      arrays.input.send({ log: 'three', _ppf_id: 'x2' }),
    ]);
    expect(unpackJsonArray(json.received[0]?.fields.log as string)).toEqual([
      { log: 'one\ntwo', host: 'h1', _ppf_id: 'x1' },
      { log: 'three', _ppf_id: 'x2' },
    ]);
  });
});

describe('unpack', () => {
  const run = (settings: Record<string, unknown>, fields: Fields) => {
    const emitted: [string, Fields][] = [];
    new Unpack(unpackSettings.parse(settings), 'logs').process(
      { component: 'k', stream: 's', fields },
      (stream, f) => emitted.push([stream, f]),
    );
    return emitted;
  };

  it('splits lines in order, with ids derived from the pack and its other fields kept', () => {
    expect(run({}, { log: 'a\n\nc', topic: 't', _ppf_id: 'p' })).toEqual([
      ['logs', { topic: 't', log: 'a', _ppf_id: 'p.0' }],
      ['logs', { topic: 't', log: '', _ppf_id: 'p.1' }],
      ['logs', { topic: 't', log: 'c', _ppf_id: 'p.2' }],
    ]);
    expect(unpackLines('only')).toEqual(['only']);
  });

  it('gives back the events of a JSON array, and refuses what is not one', () => {
    expect(run({ format: 'json_array', field: 'pack' }, { pack: '[{"a":1},{"b":2}]' })).toEqual([
      ['logs', { a: 1 }],
      ['logs', { b: 2 }],
    ]);
    expect(() => run({ format: 'json_array' }, { log: '{"a":1}' })).toThrow(/not a JSON array/);
    expect(() => run({ format: 'json_array' }, { log: '[1]' })).toThrow(/element 0 is not an object/);
    expect(() => run({ format: 'json_array' }, { log: '[{' })).toThrow(/not JSON/);
    expect(() => run({}, { other: 'x' })).toThrow(/no text field log/);
  });
});
