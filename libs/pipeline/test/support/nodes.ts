/**
 * Scaffolding shared by the pipeline's tests (the unit tests beside src/ and those of test/): a logger
 * that says nothing, an input the test drives by hand, an output that records what it is given and
 * confirms it at once or when the test says, and the Engine around them. Test-only: outside
 * tsconfig.lib.json (rootDir src), so never in dist/.
 */
import { Engine, type EngineNode, type EngineOptions, ERRORS_STREAM } from '../../src/engine.js';
import type {
  Delivery,
  Fields,
  InputContext,
  InputNode,
  NodeLogger,
  Outcome,
  OutputNode,
  PipelineNodeImpl,
} from '../../src/types.js';

/** A NodeLogger that drops everything: the tests assert on events and outcomes, not on logs. */
export const quiet: NodeLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** An input the test drives by hand: every event it emits is one the test sent. */
export class TestInput implements InputNode {
  readonly kind = 'input' as const;
  /** The engine's context, from `start` on. */
  ctx: InputContext | undefined;
  /** Whether the engine stopped it (the start of a drain). */
  stopped = false;

  /** @param stream the stream `send` and `flood` emit on unless told otherwise. */
  constructor(readonly stream = 'logs') {}

  async start(ctx: InputContext): Promise<void> {
    this.ctx = ctx;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /**
   * Emits one tracked event (the engine takes `fields` over); resolves with its outcome once every
   * output confirmed it, or it failed or timed out. It does not wait for max_pending room.
   * @throws Error when the engine has not started this input.
   */
  send(fields: Fields, stream = this.stream): Promise<Outcome> {
    const ctx = this.#started();
    return new Promise((resolve) => ctx.emit(stream, fields, resolve));
  }

  /**
   * Emits `count` events made by `make(i)` as fast as max_pending allows (waiting on `ready()`
   * at the limit, as a real input does); resolves with their outcomes, in order.
   */
  async flood(count: number, make: (i: number) => Fields): Promise<Outcome[]> {
    const ctx = this.#started();
    const outcomes: Promise<Outcome>[] = [];
    for (let i = 0; i < count; i++) {
      if (ctx.inFlight >= ctx.maxPending) await ctx.ready();
      outcomes.push(new Promise((resolve) => ctx.emit(this.stream, make(i), resolve)));
    }
    return Promise.all(outcomes);
  }

  #started(): InputContext {
    if (this.ctx === undefined) throw new Error('TestInput: the engine has not started this input');
    return this.ctx;
  }
}

/** An output's confirmation callback, as `OutputNode.write` receives it. */
export type Done = (err?: Error) => void;

/**
 * An output that records every delivery, in order, and confirms it at once (`'confirm'`) or holds
 * its confirmation for the test (`'hold'`: `pending[i]` confirms or fails `received[i]`, or
 * `release` settles every one held). The mode may change mid-test; it applies to later writes.
 */
export class TestOutput implements OutputNode {
  readonly kind = 'output' as const;
  /** The deliveries as the engine handed them over (not copies). */
  readonly received: Delivery[] = [];
  /** The confirmations held in `'hold'` mode, oldest first; the test calls or splices them. */
  readonly pending: Done[] = [];
  /** Whether the engine closed it (after a drain). */
  closed = false;

  constructor(public mode: 'confirm' | 'hold' = 'confirm') {}

  write(event: Delivery, done: Done): void {
    this.received.push(event);
    if (this.mode === 'confirm') done();
    else this.pending.push(done);
  }

  /** Settles every held confirmation: confirms them, or fails them all with `err`. */
  release(err?: Error): void {
    for (const done of this.pending.splice(0)) done(err);
  }

  /** The fields of every delivery, in order. */
  fields(): Readonly<Fields>[] {
    return this.received.map((d) => d.fields);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** What a test may set of the engine's options (it always logs to `quiet`). */
export type TestEngineOptions = Partial<EngineOptions>;

/** An Engine over `nodes` logging to `quiet` (unless given a logger): max_pending 100 and message_timeout 5 s unless given. */
export function testEngine(nodes: readonly EngineNode[], options: TestEngineOptions = {}): Engine {
  return new Engine(nodes, { maxPending: 100, messageTimeoutMs: 5000, logger: quiet, ...options });
}

/** The fields of a `_ppf_errors` stream when a test does not say otherwise. */
export const ERROR_FIELDS: readonly string[] = ['_ppf_id', '_ppf_error_message', '_ppf_error_document'];

/** The shape most node tests run: one input, the node under test, and what collects its errors. */
export interface InputToNode {
  /** The input, as component `inputName` (default `in`), publishing `fields` on stream `logs`. */
  readonly input: InputNode;
  readonly fields: readonly string[];
  readonly inputName?: string;
  /** The node under test, as component `nodeName` (default `out`), subscribed to the input's `logs`. */
  readonly node: PipelineNodeImpl;
  readonly nodeName?: string;
  /**
   * When given, the node publishes `_ppf_errors` with `errorFields` (default ERROR_FIELDS), and
   * this output, as component `errors`, subscribes to it.
   */
  readonly errors?: OutputNode;
  readonly errorFields?: readonly string[];
}

/** input -> node [-> errors], as testEngine builds it (with `options`). */
export function inputToNode(spec: InputToNode, options: TestEngineOptions = {}): Engine {
  const inputName = spec.inputName ?? 'in';
  const nodeName = spec.nodeName ?? 'out';
  const nodes: EngineNode[] = [
    {
      component: inputName,
      impl: spec.input,
      publish: [{ stream: 'logs', fields: spec.fields }],
      subscribe: [],
    },
    {
      component: nodeName,
      impl: spec.node,
      publish:
        spec.errors === undefined
          ? []
          : [{ stream: ERRORS_STREAM, fields: spec.errorFields ?? ERROR_FIELDS }],
      subscribe: [{ component: inputName, stream: 'logs' }],
    },
  ];
  if (spec.errors !== undefined) {
    nodes.push({
      component: 'errors',
      impl: spec.errors,
      publish: [],
      subscribe: [{ component: nodeName, stream: ERRORS_STREAM }],
    });
  }
  return testEngine(nodes, options);
}
