/**
 * Processing that completes later (worker threads): the engine must treat its result exactly as
 * the same node's synchronous run, tracking and _ppf_errors included.
 */
import { describe, expect, it } from 'vitest';
import { TestInput, TestOutput, testEngine } from '../test/support/nodes.js';
import type { Engine, EngineNode } from './engine.js';
import type { DeferredProcessingNode, Delivery, Emit, Fields, ProcessResult } from './types.js';

/** What a node does, run synchronously or deferred (its result handed back later, by hand). */
type Behaviour = (event: Delivery, emit: Emit) => void;

function deferred(behaviour: Behaviour): DeferredProcessingNode & { release(): void; closed: boolean } {
  const waiting: (() => void)[] = [];
  return {
    kind: 'deferred',
    closed: false,
    process(event: Delivery, done: (result: ProcessResult) => void) {
      waiting.push(() => {
        const emits: [string, Fields][] = [];
        try {
          behaviour(event, (stream, fields) => emits.push([stream, fields]));
          done({ emits });
        } catch (err) {
          done({ emits, error: (err as Error).message });
        }
      });
    },
    release() {
      for (const run of waiting.splice(0)) run();
    },
    async close() {
      this.closed = true;
    },
  };
}

function pipeline(
  node: EngineNode['impl'],
  output: TestOutput,
  errors: TestOutput,
  input: TestInput,
  timeoutMs = 5000,
): Engine {
  return testEngine(
    [
      {
        component: 'in',
        impl: input,
        publish: [{ stream: 'logs', fields: ['msg', 'extra', '_ppf_id'] }],
        subscribe: [],
      },
      {
        component: 'node',
        impl: node,
        publish: [
          { stream: 'parsed', fields: ['msg', 'n', '_ppf_id'] },
          { stream: '_ppf_errors', fields: ['msg', '_ppf_id', '_ppf_error_message', '_ppf_error_document'] },
        ],
        subscribe: [{ component: 'in', stream: 'logs' }],
      },
      { component: 'out', impl: output, publish: [], subscribe: [{ component: 'node', stream: 'parsed' }] },
      {
        component: 'err',
        impl: errors,
        publish: [],
        subscribe: [{ component: 'node', stream: '_ppf_errors' }],
      },
    ],
    { messageTimeoutMs: timeoutMs },
  );
}

const behaviours: Record<string, Behaviour> = {
  'emits twice': (e, emit) => {
    emit('parsed', { ...e.fields, n: 1 });
    emit('parsed', { ...e.fields, n: 2 });
  },
  'emits, then throws': (e, emit) => {
    emit('parsed', { ...e.fields, n: 1 });
    throw new Error(`cannot parse ${String(e.fields.msg)}`);
  },
  'emits on a stream it does not declare': (e, emit) => emit('nowhere', { ...e.fields }),
  'emits nothing': () => {},
};

describe('deferred processing (worker threads) in the engine', () => {
  it.each(Object.keys(behaviours))(
    'handles a node that %s exactly as on the pipeline thread',
    async (name) => {
      const behaviour = behaviours[name] as Behaviour;
      const runs = [];
      for (const mode of ['sync', 'deferred'] as const) {
        const input = new TestInput();
        const output = new TestOutput();
        const errors = new TestOutput();
        const node =
          mode === 'sync' ? { kind: 'processing' as const, process: behaviour } : deferred(behaviour);
        const engine = pipeline(node, output, errors, input);
        await engine.start();
        const outcome = input.send({ msg: 'hello', extra: 'kept', _ppf_id: 'id-1', _ppf_timestamp: 1 });
        if ('release' in node) {
          // Nothing confirmed while the node has not answered.
          await new Promise((r) => setTimeout(r, 10));
          expect(engine.inFlight).toBe(1);
          node.release();
        }
        runs.push({
          outcome: await outcome,
          output: output.received,
          errors: errors.received,
          stats: engine.stats().components,
        });
      }
      expect(runs[1]).toEqual(runs[0]);
    },
  );

  it('drops a result that comes after the event timed out, and closes the node after the drain', async () => {
    const input = new TestInput();
    const output = new TestOutput();
    const node = deferred(behaviours['emits twice'] as Behaviour);
    const engine = pipeline(node, output, new TestOutput(), input, 50);
    await engine.start();
    const outcome = await input.send({ msg: 'slow', _ppf_id: 'id-2' });
    expect(outcome).toEqual({ ok: false, reason: 'not confirmed within 50 ms' });
    node.release();
    expect(output.received).toEqual([]);
    expect(await engine.drain(1000)).toBe(0);
    expect(node.closed).toBe(true);
  });
});
