import { describe, expect, it, vi } from 'vitest';
import { TestInput, TestOutput, testEngine } from '../test/support/nodes.js';
import { type EngineNode, errorDocument } from './engine.js';
import { DEFAULT_FLOOR } from './pending-window.js';
import {
  type Delivery,
  type Fields,
  type HeldEvent,
  type InputContext,
  type InputNode,
  type JoinContext,
  type Outcome,
  type OutputNode,
  type ProcessingNode,
  RejectedEvent,
} from './types.js';

const processing = (fn: ProcessingNode['process']): ProcessingNode => ({ kind: 'processing', process: fn });

const inputNode = (impl: InputNode, fields = ['msg', '_ppf_id', '_ppf_timestamp']): EngineNode => ({
  component: 'in',
  impl,
  publish: [{ stream: 'logs', fields }],
  subscribe: [],
});

describe('pipeline engine', () => {
  it('confirms an event once every output that received it confirmed', async () => {
    const input = new TestInput();
    const a = new TestOutput('hold');
    const b = new TestOutput('hold');
    const engine = testEngine([
      inputNode(input),
      { component: 'a', impl: a, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
      { component: 'b', impl: b, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ]);
    await engine.start();
    let outcome: Outcome | undefined;
    void input.send({ msg: 'hello' }).then((o) => {
      outcome = o;
    });
    a.pending[0]?.();
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    b.pending[0]?.();
    await Promise.resolve();
    expect(outcome).toEqual({ ok: true });
    expect(engine.inFlight).toBe(0);
  });

  it('carries only the declared fields, with a unique _ppf_id and a timestamp set at the input', async () => {
    const input = new TestInput();
    const out = new TestOutput();
    const engine = testEngine([
      inputNode(input),
      { component: 'out', impl: out, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ]);
    await engine.start();
    await input.send({ msg: 'one', secret: 'not declared' });
    await input.send({ msg: 'two' });
    expect(out.received.map((d) => Object.keys(d.fields).sort())).toEqual([
      ['_ppf_id', '_ppf_timestamp', 'msg'],
      ['_ppf_id', '_ppf_timestamp', 'msg'],
    ]);
    expect(out.received[0]?.fields._ppf_id).not.toBe(out.received[1]?.fields._ppf_id);
  });

  it('fails the event back when an output fails it, and ignores a late confirmation', async () => {
    const input = new TestInput();
    const good = new TestOutput('hold');
    const bad = new TestOutput('hold');
    const engine = testEngine([
      inputNode(input),
      { component: 'good', impl: good, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
      { component: 'bad', impl: bad, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ]);
    await engine.start();
    const outcome = input.send({ msg: 'x' });
    bad.pending[0]?.(new Error('broker unavailable'));
    good.pending[0]?.();
    expect(await outcome).toEqual({ ok: false, reason: 'bad: broker unavailable' });
    expect(engine.stats().components.in).toMatchObject({ acked: 0, failed: 1 });
  });

  it('routes a processing error to _ppf_errors with the message and the original document', async () => {
    const input = new TestInput();
    const logs = new TestOutput();
    const errors = new TestOutput('hold');
    const engine = testEngine([
      inputNode(input),
      {
        component: 'parse',
        impl: processing((event, emit) => {
          if (event.fields.msg === 'bad') throw new Error('cannot parse');
          emit('parsed', { ...event.fields, parsed: true });
        }),
        publish: [
          { stream: 'parsed', fields: ['msg', 'parsed', '_ppf_id'] },
          { stream: '_ppf_errors', fields: ['_ppf_id', '_ppf_error_message', '_ppf_error_document'] },
        ],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      { component: 'logs', impl: logs, publish: [], subscribe: [{ component: 'parse', stream: 'parsed' }] },
      {
        component: 'errors',
        impl: errors,
        publish: [],
        subscribe: [{ component: 'parse', stream: '_ppf_errors' }],
      },
    ]);
    await engine.start();
    expect(await input.send({ msg: 'good' })).toEqual({ ok: true });
    expect(logs.received[0]?.fields).toMatchObject({ msg: 'good', parsed: true });
    let outcome: Outcome | undefined;
    void input.send({ msg: 'bad' }).then((o) => {
      outcome = o;
    });
    await Promise.resolve();
    expect(outcome).toBeUndefined(); // confirmed only when the error output confirms
    const error = errors.received[0]?.fields;
    expect(error?._ppf_error_message).toBe('cannot parse');
    expect(JSON.parse(String(error?._ppf_error_document))).toMatchObject({ msg: 'bad' });
    errors.pending[0]?.();
    await Promise.resolve();
    expect(outcome).toEqual({ ok: true });
  });

  it('puts the whole input event in _ppf_error_document, undeclared fields included, however far downstream', async () => {
    const input = new TestInput();
    const errors = new TestOutput();
    const engine = testEngine([
      inputNode(input),
      {
        component: 'first',
        impl: processing((event, emit) => emit('next', { ...event.fields, step: 1 })),
        publish: [{ stream: 'next', fields: ['msg', 'step', '_ppf_id'] }],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      {
        component: 'second',
        impl: processing(() => {
          throw new Error('no parser for this');
        }),
        publish: [
          { stream: '_ppf_errors', fields: ['_ppf_id', '_ppf_error_message', '_ppf_error_document'] },
        ],
        subscribe: [{ component: 'first', stream: 'next' }],
      },
      {
        component: 'errors',
        impl: errors,
        publish: [],
        subscribe: [{ component: 'second', stream: '_ppf_errors' }],
      },
    ]);
    await engine.start();
    // A Filebeat-shaped event: only `msg` is declared by the input's publish.
    const event = {
      msg: 'x',
      message: 'Sep 11 13:56:05 host1 sshd[1]: hello',
      host: { name: 'host1' },
      log: { file: { path: '/var/log/auth.log' }, offset: 42 },
    };
    expect(await input.send(structuredClone(event))).toEqual({ ok: true });
    const error = errors.received[0]?.fields;
    expect(error?._ppf_error_message).toBe('no parser for this');
    expect(JSON.parse(String(error?._ppf_error_document))).toEqual({
      ...event,
      _ppf_id: error?._ppf_id,
      _ppf_timestamp: expect.any(Number),
    });
  });

  it("routes an event an output rejects to the output's _ppf_errors with the whole input event", async () => {
    const input = new TestInput();
    const store = new TestOutput('hold');
    const errors = new TestOutput();
    const engine = testEngine([
      inputNode(input),
      {
        component: 'store',
        impl: store,
        publish: [
          { stream: '_ppf_errors', fields: ['_ppf_id', '_ppf_error_message', '_ppf_error_document'] },
        ],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      {
        component: 'errors',
        impl: errors,
        publish: [],
        subscribe: [{ component: 'store', stream: '_ppf_errors' }],
      },
    ]);
    await engine.start();
    const outcome = input.send({ msg: 'x', extra: { nested: true } });
    store.pending[0]?.(new RejectedEvent('mapper_parsing_exception: failed to parse field [status]'));
    expect(await outcome).toEqual({ ok: true });
    const error = errors.received[0]?.fields;
    expect(error?._ppf_error_message).toBe('mapper_parsing_exception: failed to parse field [status]');
    expect(JSON.parse(String(error?._ppf_error_document))).toMatchObject({
      msg: 'x',
      extra: { nested: true },
    });
    expect(engine.stats().components.store).toMatchObject({ errors: 1, failed: 0 });
  });

  it('keeps the whole input event for a late rejection when another output of the event has no _ppf_errors', async () => {
    // The engine lets an event's input document go once no open delivery can route an error:
    // here one can (store), so it must still be there when store rejects, after archive confirmed.
    const input = new TestInput();
    const archive = new TestOutput('hold');
    const store = new TestOutput('hold');
    const errors = new TestOutput();
    const engine = testEngine([
      inputNode(input),
      { component: 'archive', impl: archive, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
      {
        component: 'store',
        impl: store,
        publish: [{ stream: '_ppf_errors', fields: ['_ppf_error_document'] }],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      {
        component: 'errors',
        impl: errors,
        publish: [],
        subscribe: [{ component: 'store', stream: '_ppf_errors' }],
      },
    ]);
    await engine.start();
    const outcome = input.send({ msg: 'x', undeclared: [1, 2] });
    archive.pending[0]?.();
    store.pending[0]?.(new RejectedEvent('refused'));
    expect(await outcome).toEqual({ ok: true });
    expect(JSON.parse(String(errors.received[0]?.fields._ppf_error_document))).toMatchObject({
      msg: 'x',
      undeclared: [1, 2],
    });
  });

  it('fails a rejected event back to its input when the output publishes no _ppf_errors', async () => {
    const input = new TestInput();
    const store = new TestOutput('hold');
    const engine = testEngine([
      inputNode(input),
      { component: 'store', impl: store, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ]);
    await engine.start();
    const outcome = input.send({ msg: 'x' });
    store.pending[0]?.(new RejectedEvent('cannot encode'));
    expect(await outcome).toEqual({ ok: false, reason: 'store: cannot encode' });
  });

  it('writes an error document even for values JSON cannot carry', () => {
    const root: Fields = { big: 12n, msg: 'x' };
    root.self = root;
    expect(JSON.parse(errorDocument(root))).toEqual({ big: '12', msg: 'x', self: '[cycle]' });
  });

  it('fails the event when a node throws and publishes no _ppf_errors', async () => {
    const input = new TestInput();
    const engine = testEngine([
      inputNode(input),
      {
        component: 'boom',
        impl: processing(() => {
          throw new Error('boom');
        }),
        publish: [],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
    ]);
    await engine.start();
    expect(await input.send({ msg: 'x' })).toEqual({ ok: false, reason: 'boom: boom' });
  });

  it('confirms at once an event on a stream nobody subscribes to, and refuses undeclared streams', async () => {
    const input = new TestInput();
    const engine = testEngine([inputNode(input)]);
    await engine.start();
    expect(await input.send({ msg: 'x' })).toEqual({ ok: true });
    expect(await input.send({ msg: 'x' }, 'nope')).toEqual({
      ok: false,
      reason: 'in: emits on stream "nope", which its publish does not declare',
    });
  });

  it('fails an event not confirmed within message_timeout', async () => {
    const input = new TestInput();
    const stuck = new TestOutput('hold');
    const engine = testEngine(
      [
        inputNode(input),
        { component: 'stuck', impl: stuck, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
      ],
      { messageTimeoutMs: 50 },
    );
    await engine.start();
    expect(await input.send({ msg: 'x' })).toEqual({ ok: false, reason: 'not confirmed within 50 ms' });
    stuck.pending[0]?.(); // too late: ignored
    expect(engine.inFlight).toBe(0);
  });

  it('times out only the events older than message_timeout; younger ones stay in flight', async () => {
    vi.useFakeTimers();
    try {
      const input = new TestInput();
      const stuck = new TestOutput('hold');
      const engine = testEngine(
        [
          inputNode(input),
          { component: 'stuck', impl: stuck, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
        ],
        { messageTimeoutMs: 400 },
      );
      await engine.start();
      const old = input.send({ msg: 'old' });
      await vi.advanceTimersByTimeAsync(200);
      const young = input.send({ msg: 'young' });
      await vi.advanceTimersByTimeAsync(250); // past the old one's deadline, not the young one's
      expect(await old).toEqual({ ok: false, reason: 'not confirmed within 400 ms' });
      expect(engine.inFlight).toBe(1);
      stuck.pending[1]?.();
      expect(await young).toEqual({ ok: true });
      expect(engine.inFlight).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  /**
   * An output that confirms each event `delayMs` after it was written, at most `perMs` events per
   * millisecond (a server of that capacity, first come first served): what a broker does, on fake
   * timers.
   */
  class TimedOutput implements OutputNode {
    readonly kind = 'output' as const;
    readonly #queue: { at: number; done: (err?: Error) => void }[] = [];
    constructor(
      readonly delayMs: number,
      readonly perMs: number,
    ) {}
    write(_event: Delivery, done: (err?: Error) => void): void {
      this.#queue.push({ at: Date.now(), done });
    }
    tick(): void {
      const now = Date.now();
      for (let n = 0; n < this.perMs; n++) {
        const next = this.#queue[0];
        if (next === undefined || next.at + this.delayMs > now) return;
        this.#queue.shift();
        next.done();
      }
    }
    async close(): Promise<void> {}
  }

  /**
   * Floods `count` events through `out` with max_pending 5,000, the pipeline's thread reported
   * `busy`; the most in flight at once and whether every event was confirmed.
   */
  async function floodThrough(
    out: TimedOutput,
    count: number,
    busy: number,
  ): Promise<{ peak: number; ok: boolean }> {
    vi.useFakeTimers();
    try {
      const input = new TestInput();
      const engine = testEngine(
        [
          inputNode(input),
          { component: 'out', impl: out, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
        ],
        { maxPending: 5000, messageTimeoutMs: 60_000, utilization: () => busy },
      );
      await engine.start();
      let peak = 0;
      const ticker = setInterval(() => {
        peak = Math.max(peak, engine.inFlight);
        out.tick();
      }, 1);
      const outcomes = input.flood(count, (i) => ({ msg: `m${i}` }));
      while (engine.stats().components.in?.acked !== count) await vi.advanceTimersByTimeAsync(10);
      clearInterval(ticker);
      return { peak, ok: (await outcomes).every((o) => o.ok) };
    } finally {
      vi.useRealTimers();
    }
  }

  it('keeps only the floor in flight, not max_pending, while the thread is saturated', async () => {
    const { peak, ok } = await floodThrough(new TimedOutput(0, 100), 30_000, 1);
    expect(ok).toBe(true);
    expect(peak).toBe(DEFAULT_FLOOR);
  });

  it('grows the window to max_pending when the output is far and the thread has time', async () => {
    // Every event confirmed 50 ms after it was written, however many: 1,000 in flight would cap
    // the rate at 20 events/ms.
    const { peak, ok } = await floodThrough(new TimedOutput(50, Number.POSITIVE_INFINITY), 60_000, 0.3);
    expect(ok).toBe(true);
    expect(peak).toBe(5000);
  });

  it('holds an input at max_pending events in flight until one is confirmed', async () => {
    const input = new TestInput();
    const out = new TestOutput('hold');
    const engine = testEngine(
      [
        inputNode(input),
        { component: 'out', impl: out, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
      ],
      { maxPending: 2 },
    );
    await engine.start();
    const ctx = input.ctx as InputContext;
    void input.send({ msg: '1' });
    void input.send({ msg: '2' });
    let ready = false;
    void ctx.ready().then(() => {
      ready = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(ready).toBe(false);
    expect(ctx.inFlight).toBe(2);
    out.pending[0]?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(ready).toBe(true);
  });

  it('drains: stops inputs, waits for events in flight, closes outputs', async () => {
    const input = new TestInput();
    const out = new TestOutput('hold');
    const engine = testEngine([
      inputNode(input),
      { component: 'out', impl: out, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ]);
    await engine.start();
    const outcome = input.send({ msg: 'x' });
    const drained = engine.drain(5000);
    await new Promise((r) => setTimeout(r, 20));
    expect(input.stopped).toBe(true);
    expect(out.closed).toBe(false);
    out.pending[0]?.();
    expect(await drained).toBe(0);
    expect(await outcome).toEqual({ ok: true });
    expect(out.closed).toBe(true);
  });

  it('gives up draining after the timeout and says how many were left', async () => {
    const input = new TestInput();
    const engine = testEngine([
      inputNode(input),
      {
        component: 'out',
        impl: new TestOutput('hold'),
        publish: [],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
    ]);
    await engine.start();
    void input.send({ msg: 'x' });
    expect(await engine.drain(30)).toBe(1);
  });
});

/** A joining node: holds every event, emits them joined when told (as `pack` does on its triggers). */
class Joiner implements ProcessingNode {
  readonly kind = 'processing' as const;
  ctx: JoinContext | undefined;
  held: HeldEvent[] = [];
  flushed = 0;
  closed = false;
  throwAfterHold = false;
  start(ctx: JoinContext) {
    this.ctx = ctx;
  }
  process(event: Delivery, _emit: unknown, hold: () => HeldEvent) {
    this.held.push(hold());
    if (this.throwAfterHold && event.fields.msg === 'bad') throw new Error('cannot pack bad');
  }
  join() {
    const parts = this.held.splice(0);
    this.ctx?.emitJoined(parts, 'packs', { msgs: parts.map((p) => p.fields.msg).join(',') });
  }
  flush() {
    this.flushed++;
    this.join();
  }
  async close() {
    this.closed = true;
    this.ctx?.fail(this.held.splice(0), 'closed');
  }
}

function joinPipeline(joiner: Joiner, out: TestOutput, input: TestInput, over = {}) {
  return testEngine(
    [
      inputNode(input),
      {
        component: 'pack',
        impl: joiner,
        publish: [
          { stream: 'packs', fields: ['msgs'] },
          { stream: '_ppf_errors', fields: ['msg', '_ppf_error_message', '_ppf_error_document'] },
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
    ],
    over,
  );
}

describe('joined events (pack)', () => {
  it('confirms every part once the joined event is confirmed, and not before', async () => {
    const input = new TestInput();
    const joiner = new Joiner();
    const out = new TestOutput('hold');
    const engine = joinPipeline(joiner, out, input);
    await engine.start();
    const outcomes: (Outcome | undefined)[] = [undefined, undefined, undefined];
    ['a', 'b', 'c'].forEach((msg, i) => {
      void input.send({ msg }).then((o) => {
        outcomes[i] = o;
      });
    });
    expect(engine.inFlight).toBe(3);
    joiner.join();
    expect(out.received.map((d) => d.fields)).toEqual([{ msgs: 'a,b,c' }]);
    await Promise.resolve();
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    out.pending[0]?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(engine.inFlight).toBe(0);
    // A part goes into one joined event only.
    joiner.ctx?.emitJoined([], 'packs', { msgs: 'nothing' });
    expect(out.received).toHaveLength(1);
  });

  it('fails every part back when the joined event fails', async () => {
    const input = new TestInput();
    const joiner = new Joiner();
    const out = new TestOutput('hold');
    const engine = joinPipeline(joiner, out, input);
    await engine.start();
    const sent = [input.send({ msg: 'a' }), input.send({ msg: 'b' })];
    joiner.join();
    out.pending[0]?.(new Error('broker down'));
    expect(await Promise.all(sent)).toEqual([
      { ok: false, reason: 'out: broker down' },
      { ok: false, reason: 'out: broker down' },
    ]);
  });

  it('lets a part time out alone, and the others still confirm with the pack', async () => {
    vi.useFakeTimers();
    try {
      const input = new TestInput();
      const joiner = new Joiner();
      const out = new TestOutput('hold');
      const engine = joinPipeline(joiner, out, input, { messageTimeoutMs: 1000 });
      await engine.start();
      const old = input.send({ msg: 'old' });
      await vi.advanceTimersByTimeAsync(600);
      const young = input.send({ msg: 'young' });
      joiner.join();
      await vi.advanceTimersByTimeAsync(600);
      expect(await old).toEqual({ ok: false, reason: 'not confirmed within 1000 ms' });
      out.pending[0]?.();
      expect(await young).toEqual({ ok: true });
      expect(engine.inFlight).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('routes a throw after hold() to _ppf_errors once, without closing the delivery twice', async () => {
    const input = new TestInput();
    const joiner = new Joiner();
    joiner.throwAfterHold = true;
    const out = new TestOutput();
    const engine = joinPipeline(joiner, out, input);
    await engine.start();
    const bad = input.send({ msg: 'bad' });
    expect(await bad).toEqual({ ok: true }); // its error event was confirmed
    const good = input.send({ msg: 'good' });
    joiner.join(); // the used-up hold of 'bad' is ignored
    expect(await good).toEqual({ ok: true });
    expect(out.received.map((d) => d.stream)).toEqual(['_ppf_errors', 'packs']);
    expect(out.received[1]?.fields).toEqual({ msgs: 'bad,good' });
  });

  it('flushes joining nodes when the inputs stop, and closes them after the drain', async () => {
    const input = new TestInput();
    const joiner = new Joiner();
    const out = new TestOutput();
    const engine = joinPipeline(joiner, out, input);
    await engine.start();
    const sent = input.send({ msg: 'last' });
    expect(await engine.drain(1000)).toBe(0);
    expect(joiner.flushed).toBe(1);
    expect(joiner.closed).toBe(true);
    expect(await sent).toEqual({ ok: true });
  });
});
