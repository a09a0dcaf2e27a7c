/**
 * The pipeline engine: runs a DAG of nodes in one process, Storm-like.
 *
 * At-least-once: every event an input emits starts a tracker counting the deliveries still open
 * for it and everything derived from it. A delivery to a processing node closes once the node has
 * handled it (its emits opened new deliveries first); a delivery to an output closes when the
 * output confirms it. When nothing is open the event is confirmed to its input; when an output
 * fails it, a node throws with no `_ppf_errors` stream to route to, or `messageTimeoutMs` passes,
 * it fails back to its input (which must not acknowledge it upstream). A processing node that
 * throws, or an output that rejects an event (`RejectedEvent`), while publishing `_ppf_errors`
 * turns the event into an error event there, confirmed when that stream's output confirms.
 *
 * An error loses nothing: the error event carries `_ppf_error_message` and
 * `_ppf_error_document`, the event exactly as its input produced it (every field it had, declared
 * in `publish` or not, with its `_ppf_id` and `_ppf_timestamp`) as JSON, whatever node failed and
 * however far downstream. The tracker keeps a reference to that object for this; nodes never
 * change an event they receive (they emit new objects; `function` works on a deep copy).
 *
 * Joined events (`pack`): a processing node may hold deliveries past `process` and later emit
 * one event made of them (JoinContext.emitJoined). That event has a tracker of its own whose
 * parts are the held deliveries' trackers: when it is confirmed, each part's held delivery closes
 * (so every packed event is confirmed to its own input, only once the pack is stored); when it
 * fails, every part fails back to its input. A part that times out on its own fails alone.
 *
 * Flow control: at most `maxPending` events in flight per input, fewer while the pipeline's thread
 * is saturated (PendingWindow); `ready()` makes inputs wait.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setLongInterval, setLongTimeout, type Timer } from '@drover/timers';
import { PipelineError } from './errors.js';
import { INTERVAL_MS, PendingWindow } from './pending-window.js';
import {
  type DeferredProcessingNode,
  type Delivery,
  type Fields,
  type HeldEvent,
  type InputContext,
  type InputNode,
  type JoinContext,
  type NodeLogger,
  type Outcome,
  type OutputNode,
  type PipelineNodeImpl,
  type ProcessingNode,
  RejectedEvent,
} from './types.js';

export const ERRORS_STREAM = '_ppf_errors';

export interface EngineNode {
  readonly component: string;
  readonly impl: PipelineNodeImpl;
  readonly publish: readonly { readonly stream: string; readonly fields: readonly string[] }[];
  readonly subscribe: readonly { readonly component: string; readonly stream: string }[];
}

export interface EngineOptions {
  /**
   * In-flight events per input at most (Punch's `topology.max.spout.pending`): the ceiling of each
   * input's window, which stays near its floor while the pipeline's thread is saturated (PendingWindow).
   */
  readonly maxPending: number;
  /**
   * The pipeline thread's busy share (0 to 1) since the previous call, read every
   * PendingWindow INTERVAL_MS: its event-loop utilisation unless given (tests).
   */
  readonly utilization?: () => number;
  /** An event not confirmed within this fails back to its input. */
  readonly messageTimeoutMs: number;
  readonly logger: NodeLogger;
}

export interface ComponentStats {
  in: number;
  out: number;
  acked: number;
  failed: number;
  errors: number;
}

export interface EngineStats {
  readonly components: Readonly<Record<string, ComponentStats>>;
  readonly inFlight: number;
  /**
   * Each input's in-flight limit now (PendingWindow: between its floor and `maxPending`), by
   * component; empty before the inputs start.
   */
  readonly inFlightLimit: Readonly<Record<string, number>>;
  /** Confirmation latency of events (emit at the input to confirmation), by bucket upper bound (ms). */
  readonly latencyMs: Readonly<Record<string, number>>;
}

const LATENCY_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 30000];

const OK: Outcome = Object.freeze({ ok: true });

class Tracker {
  open = 0;
  settled = false;
  /** A delivery that completes later may still need `root` (see Engine#release). */
  keepRoot = false;
  constructor(
    /** The input that emitted the event; none for a joined event. */
    readonly input: InputRunner | undefined,
    readonly startedAt: number,
    readonly onDone: (outcome: Outcome) => void,
    /**
     * The event as its input produced it (a joined event: as its node made it): what
     * `_ppf_error_document` holds. Dropped once its fan-out is done when no delivery still open
     * can route an error (Engine#release).
     */
    public root: Fields | undefined,
    /** A joined event: the trackers of its parts, each holding one delivery open. */
    readonly parts?: readonly Tracker[],
  ) {}
}

/** A delivery held open by a joining node: closed once, when its joined event settles. */
class Held implements HeldEvent {
  live = true;
  constructor(
    readonly tracker: Tracker,
    readonly fields: Readonly<Fields>,
  ) {}
}

const NO_CALLBACK = () => {};

interface Route {
  readonly node: EngineNode;
  readonly stats: ComponentStats;
  /** The node publishes `_ppf_errors`: an event it fails goes there, with its error document. */
  readonly errors: boolean;
}

class InputRunner implements InputContext {
  inFlight = 0;
  readonly #engine: Engine;
  readonly node: EngineNode;
  readonly logger: NodeLogger;
  /** How many of this input's events may be in flight now: up to `maxPending`, fewer while the thread is saturated. */
  readonly window: PendingWindow;
  #waiters: (() => void)[] = [];

  constructor(engine: Engine, node: EngineNode, logger: NodeLogger) {
    this.#engine = engine;
    this.node = node;
    this.logger = logger;
    this.window = new PendingWindow(engine.options.maxPending);
  }

  emit(stream: string, fields: Fields, onDone: (outcome: Outcome) => void): void {
    this.#engine.emitRoot(this, stream, fields, onDone);
  }

  get maxPending(): number {
    return this.window.limit;
  }

  ready(): Promise<void> {
    if (this.inFlight < this.window.limit) return Promise.resolve();
    // Reaching the limit may grow it at once (PendingWindow.held): then there is room now.
    this.window.held();
    if (this.inFlight < this.window.limit) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  wake(): void {
    while (this.#waiters.length > 0 && this.inFlight < this.window.limit) this.#waiters.shift()?.();
  }
}

export class Engine {
  readonly options: EngineOptions;
  readonly #nodes: readonly EngineNode[];
  /** Subscribers by publishing component, then stream (no key built per event). */
  readonly #routes = new Map<string, Map<string, Route[]>>();
  readonly #declared = new Map<string, ReadonlyMap<string, readonly string[]>>();
  readonly #stats: Record<string, ComponentStats> = {};
  readonly #inputs: InputRunner[] = [];
  readonly #latency: number[] = LATENCY_BUCKETS.map(() => 0);
  readonly #idPrefix = randomBytes(4).toString('hex');
  #nextId = 0;
  #drained: (() => void) | undefined;
  /**
   * Unsettled events in emit order, for `messageTimeoutMs`: one periodic sweep fails the expired
   * ones from the front (a timer per event costs more than the event itself at full rate). The
   * sweep runs only while something is in flight; an event fails at most one period late.
   */
  readonly #open = new Set<Tracker>();
  #sweeper: Timer | undefined;
  /** Sizes the inputs' windows every INTERVAL_MS while the engine runs. */
  #windows: Timer | undefined;

  constructor(nodes: readonly EngineNode[], options: EngineOptions) {
    this.options = options;
    this.#nodes = nodes;
    for (const node of nodes) {
      this.#stats[node.component] = { in: 0, out: 0, acked: 0, failed: 0, errors: 0 };
      this.#declared.set(node.component, new Map(node.publish.map((p) => [p.stream, p.fields])));
    }
    for (const node of nodes) {
      for (const sub of node.subscribe) {
        let byStream = this.#routes.get(sub.component);
        if (byStream === undefined) {
          byStream = new Map();
          this.#routes.set(sub.component, byStream);
        }
        const list = byStream.get(sub.stream) ?? [];
        list.push({
          node,
          stats: this.#stats[node.component] as ComponentStats,
          errors: this.#declared.get(node.component)?.has(ERRORS_STREAM) === true,
        });
        byStream.set(sub.stream, list);
      }
    }
  }

  get inFlight(): number {
    return this.#inputs.reduce((n, i) => n + i.inFlight, 0);
  }

  stats(): EngineStats {
    const latencyMs: Record<string, number> = {};
    LATENCY_BUCKETS.forEach((b, i) => {
      latencyMs[String(b)] = this.#latency[i] ?? 0;
    });
    const inFlightLimit: Record<string, number> = {};
    for (const input of this.#inputs) inFlightLimit[input.node.component] = input.window.limit;
    return { components: this.#stats, inFlight: this.inFlight, inFlightLimit, latencyMs };
  }

  /**
   * Starts the outputs (each connects, and throws what can never work: OutputNode.start), the
   * joining nodes, then every input; other processing nodes need no start.
   */
  async start(): Promise<void> {
    await Promise.all(
      this.#nodes.map((node) => (node.impl.kind === 'output' ? node.impl.start?.() : undefined)),
    );
    for (const node of this.#nodes) {
      if (node.impl.kind === 'processing' && node.impl.start !== undefined) {
        node.impl.start(this.#joinContext(node, this.#stats[node.component] as ComponentStats));
      }
    }
    const busy = this.options.utilization ?? eventLoopBusy();
    // adjust only ever lowers a limit (growth happens as an input reaches it), so no input is woken here.
    this.#windows = setLongInterval(() => {
      const share = busy();
      for (const input of this.#inputs) input.window.adjust(share);
    }, INTERVAL_MS).unref();
    for (const node of this.#nodes) {
      if (node.impl.kind !== 'input') continue;
      const runner = new InputRunner(this, node, this.options.logger);
      this.#inputs.push(runner);
      await (node.impl as InputNode).start(runner);
    }
  }

  /**
   * Stops the inputs, waits until every event in flight is confirmed or failed (at most
   * `timeoutMs`), then closes the outputs. Resolves with the number still in flight (0 = clean).
   */
  async drain(timeoutMs: number): Promise<number> {
    for (const node of this.#nodes) if (node.impl.kind === 'input') await (node.impl as InputNode).stop();
    for (const node of this.#nodes) if (node.impl.kind === 'processing') node.impl.flush?.();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setLongTimeout(resolve, timeoutMs);
        this.#drained = () => {
          timer.clear();
          resolve();
        };
      });
    }
    const left = this.inFlight;
    this.#windows?.clear();
    for (const node of this.#nodes)
      if (node.impl.kind === 'input') await (node.impl as InputNode).drained?.();
    for (const node of this.#nodes)
      if (node.impl.kind === 'processing' || node.impl.kind === 'deferred') await node.impl.close?.();
    for (const node of this.#nodes) if (node.impl.kind === 'output') await (node.impl as OutputNode).close();
    return left;
  }

  #joinContext(node: EngineNode, stats: ComponentStats): JoinContext {
    const take = (parts: readonly HeldEvent[]): Held[] => {
      const live: Held[] = [];
      for (const part of parts) {
        if (part instanceof Held && part.live) {
          part.live = false;
          live.push(part);
        }
      }
      return live;
    };
    return {
      logger: this.options.logger,
      emitJoined: (parts, stream, fields) => {
        const live = take(parts);
        if (live.length === 0) return;
        const group = new Tracker(
          undefined,
          Date.now(),
          NO_CALLBACK,
          fields,
          live.map((p) => p.tracker),
        );
        group.open++;
        try {
          this.#publish(group, node, stream, fields, stats);
        } catch (err) {
          this.#settle(group, { ok: false, reason: (err as Error).message });
          return;
        }
        this.#release(group);
        this.#close(group);
      },
      fail: (parts, reason) => {
        for (const part of take(parts)) {
          stats.failed++;
          this.#settle(part.tracker, { ok: false, reason: `${node.component}: ${reason}` });
        }
      },
    };
  }

  emitRoot(input: InputRunner, stream: string, fields: Fields, onDone: (outcome: Outcome) => void): void {
    const stats = this.#stats[input.node.component] as ComponentStats;
    const tracker = new Tracker(input, Date.now(), onDone, fields);
    if (++input.inFlight >= input.window.limit) input.window.held();
    this.#open.add(tracker);
    this.#sweeper ??= setLongInterval(
      () => this.#sweep(),
      sweepPeriod(this.options.messageTimeoutMs),
    ).unref();
    // The input hands the object over; values it set itself win (an event read back from Kafka
    // keeps its original id).
    if (fields._ppf_id === undefined) fields._ppf_id = `${this.#idPrefix}-${(this.#nextId++).toString(36)}`;
    if (fields._ppf_timestamp === undefined) fields._ppf_timestamp = tracker.startedAt;
    // The root delivery itself is open until its fan-out is done.
    tracker.open++;
    try {
      this.#publish(tracker, input.node, stream, fields, stats);
    } catch (err) {
      this.#settle(tracker, { ok: false, reason: (err as Error).message });
      return;
    }
    this.#release(tracker);
    this.#close(tracker);
  }

  /**
   * After an event's synchronous fan-out: its error document can only be needed by a delivery
   * still open that may yet route an error (an output or a deferred node publishing
   * `_ppf_errors`, a held delivery). Without one, the event as its input made it is let go:
   * an event in flight then holds only what its outputs still need, not its whole input
   * document (the receiver at max_pending: ~1 KB less per event for the GC to copy).
   */
  #release(tracker: Tracker): void {
    if (!tracker.keepRoot) tracker.root = undefined;
  }

  /** Filters to the declared fields and delivers to every subscriber of (component, stream). */
  #publish(tracker: Tracker, from: EngineNode, stream: string, fields: Fields, stats: ComponentStats): void {
    const declared = this.#declared.get(from.component)?.get(stream);
    if (declared === undefined) {
      throw new PipelineError(
        `emits on stream "${stream}", which its publish does not declare`,
        from.component,
      );
    }
    stats.out++;
    const routes = this.#routes.get(from.component)?.get(stream);
    if (routes === undefined || routes.length === 0) return;
    const delivery: Delivery = { component: from.component, stream, fields: pick(fields, declared) };
    for (const route of routes) {
      if (tracker.settled) return;
      tracker.open++;
      this.#deliver(tracker, route, delivery);
    }
  }

  #deliver(tracker: Tracker, route: Route, delivery: Delivery): void {
    route.stats.in++;
    const impl = route.node.impl;
    if (impl.kind === 'output') {
      let called = false;
      // Held until the output answers only when a rejection would need it: nothing else keeps
      // the event alive once the output has it.
      const rejectable = route.errors ? delivery : undefined;
      if (route.errors) tracker.keepRoot = true;
      impl.write(delivery, (err) => {
        if (called) return;
        called = true;
        if (err === undefined) {
          route.stats.acked++;
          this.#close(tracker);
        } else if (err instanceof RejectedEvent) {
          if (rejectable !== undefined) this.#toErrors(tracker, route, rejectable, err.message);
          else this.#rejectedWithoutErrorsStream(tracker, route, err.message);
        } else {
          route.stats.failed++;
          this.#settle(tracker, { ok: false, reason: `${route.node.component}: ${err.message}` });
        }
      });
      return;
    }
    if (impl.kind === 'processing') {
      this.#process(tracker, route, impl, delivery);
      return;
    }
    if (impl.kind === 'deferred') {
      tracker.keepRoot = true;
      this.#processDeferred(tracker, route, impl, delivery);
      return;
    }
    this.#settle(tracker, {
      ok: false,
      reason: `${route.node.component} is an input and subscribes to nothing`,
    });
  }

  #process(tracker: Tracker, route: Route, impl: ProcessingNode, delivery: Delivery): void {
    const node = route.node;
    let held: Held | undefined;
    try {
      impl.process(
        delivery,
        (stream, fields) => this.#publish(tracker, node, stream, fields, route.stats),
        () => {
          tracker.keepRoot = true;
          held ??= new Held(tracker, delivery.fields);
          return held;
        },
      );
      route.stats.acked++;
    } catch (err) {
      // The error event closes this delivery: a hold taken before the throw must not close it again.
      if (held !== undefined) held.live = false;
      this.#toErrors(tracker, route, delivery, err instanceof Error ? err.message : String(err));
      return;
    }
    if (held === undefined) this.#close(tracker);
  }

  /**
   * A node that completes later (worker threads): its result is published as a synchronous node's
   * emits would have been, and its error routed as its throw would have been, unless the event
   * was settled meanwhile (failed elsewhere or timed out), when the result is dropped.
   */
  #processDeferred(tracker: Tracker, route: Route, impl: DeferredProcessingNode, delivery: Delivery): void {
    const node = route.node;
    impl.process(delivery, (result) => {
      if (tracker.settled) return;
      try {
        for (const [stream, fields] of result.emits)
          this.#publish(tracker, node, stream, fields, route.stats);
        if (result.error !== undefined) throw new Error(result.error);
        route.stats.acked++;
      } catch (err) {
        this.#toErrors(tracker, route, delivery, err instanceof Error ? err.message : String(err));
        return;
      }
      this.#close(tracker);
    });
  }

  /**
   * A node failed one event for good (a processing node threw, an output rejected it): it goes to
   * the node's `_ppf_errors` stream with the whole input event, and this delivery closes; without
   * that stream the event fails back to its input.
   */
  #toErrors(tracker: Tracker, route: Route, delivery: Delivery, message: string): void {
    const node = route.node;
    if (!route.errors) {
      this.#rejectedWithoutErrorsStream(tracker, route, message);
      return;
    }
    route.stats.errors++;
    if (tracker.settled) return;
    const root = tracker.root;
    if (root === undefined) {
      // #release let it go: a bug of the engine, never a loss (the event fails back to its input).
      route.stats.failed++;
      this.#settle(tracker, {
        ok: false,
        reason: `${node.component}: ${message} (the engine no longer held the event for its error document)`,
      });
      return;
    }
    try {
      this.#publish(
        tracker,
        node,
        ERRORS_STREAM,
        { ...delivery.fields, _ppf_error_message: message, _ppf_error_document: errorDocument(root) },
        route.stats,
      );
    } catch (inner) {
      this.#settle(tracker, { ok: false, reason: (inner as Error).message });
      return;
    }
    this.#close(tracker);
  }

  /** A node without `_ppf_errors` failed the event for good: it fails back to its input. */
  #rejectedWithoutErrorsStream(tracker: Tracker, route: Route, message: string): void {
    route.stats.errors++;
    if (tracker.settled) return;
    route.stats.failed++;
    this.#settle(tracker, { ok: false, reason: `${route.node.component}: ${message}` });
  }

  #close(tracker: Tracker): void {
    if (tracker.settled) return;
    tracker.open--;
    if (tracker.open === 0) this.#settle(tracker, OK);
  }

  /** Fails every event older than `messageTimeoutMs`; they are in emit order, so it stops at the first younger one. */
  #sweep(): void {
    const timeout = this.options.messageTimeoutMs;
    const now = Date.now();
    for (const tracker of this.#open) {
      if (now - tracker.startedAt < timeout) break;
      this.#settle(tracker, { ok: false, reason: `not confirmed within ${timeout} ms` });
    }
    if (this.#open.size === 0) {
      this.#sweeper?.clear();
      this.#sweeper = undefined;
    }
  }

  #settle(tracker: Tracker, outcome: Outcome): void {
    if (tracker.settled) return;
    tracker.settled = true;
    const input = tracker.input;
    if (input === undefined) {
      // A joined event: its parts' held deliveries close with it, or fail with it.
      for (const part of tracker.parts ?? []) {
        if (outcome.ok) this.#close(part);
        else this.#settle(part, outcome);
      }
      return;
    }
    this.#open.delete(tracker);
    input.inFlight--;
    const stats = this.#stats[input.node.component] as ComponentStats;
    if (outcome.ok) {
      stats.acked++;
      const ms = Date.now() - tracker.startedAt;
      let at = 0;
      while (at < LATENCY_BUCKETS.length - 1 && ms > (LATENCY_BUCKETS[at] as number)) at++;
      this.#latency[at] = (this.#latency[at] ?? 0) + 1;
    } else {
      stats.failed++;
    }
    try {
      tracker.onDone(outcome);
    } catch (err) {
      this.options.logger.error({ err, component: input.node.component }, 'input callback threw');
    }
    input.wake();
    if (this.#drained !== undefined && this.inFlight === 0) this.#drained();
  }
}

/** The event-loop utilisation of this thread since the previous call (perf_hooks). */
function eventLoopBusy(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/** A tenth of the timeout, between 10 ms and 1 s. */
function sweepPeriod(timeoutMs: number): number {
  return Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10)));
}

/**
 * `_ppf_error_document`: the input's event as JSON. A value JSON cannot carry (a BigInt, a
 * cycle) is written as its string form rather than losing the document.
 */
export function errorDocument(root: Readonly<Fields>): string {
  try {
    return JSON.stringify(root);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(root, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value !== null && typeof value === 'object') {
        if (seen.has(value)) return '[cycle]';
        seen.add(value);
      }
      return value;
    });
  }
}

function pick(fields: Fields, declared: readonly string[]): Fields {
  const out: Fields = {};
  for (const name of declared) if (name in fields) out[name] = fields[name];
  return out;
}
