/**
 * What nodes see of the engine. Events are plain records of fields; a node emits on the streams
 * its `publish` declares, and only the declared fields travel.
 */
export type Fields = Record<string, unknown>;

/** An event as a subscriber receives it. */
export interface Delivery {
  /** The component and stream it comes from. */
  readonly component: string;
  readonly stream: string;
  readonly fields: Readonly<Fields>;
}

export type Emit = (stream: string, fields: Fields) => void;

export interface NodeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The outcome of one event an input emitted: every output confirmed it, or not. */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface InputContext {
  /**
   * Starts a tracked event on `stream`: `onDone` is called once, when every output that received
   * it (or events derived from it) confirmed, or when it failed or timed out. The engine takes
   * `fields` over: it sets `_ppf_id` and `_ppf_timestamp` on it unless the input did.
   */
  emit(stream: string, fields: Fields, onDone: (outcome: Outcome) => void): void;
  /** Resolves when this input may emit more (fewer than `maxPending` events in flight). */
  ready(): Promise<void>;
  readonly inFlight: number;
  /**
   * This input's in-flight limit now: `inFlight` at or past it means wait for `ready()`. At most
   * the pipeline's `max.spout.pending`, less while the pipeline's thread is saturated
   * (PendingWindow, never under its floor); it changes every 100 ms, so read it each time.
   */
  readonly maxPending: number;
  readonly logger: NodeLogger;
}

export interface InputNode {
  readonly kind: 'input';
  start(ctx: InputContext): Promise<void>;
  /** Stop reading new events (events in flight still complete). */
  stop(): Promise<void>;
  /** After the drain: nothing of this input is in flight any more (or the drain timed out). */
  drained?(): Promise<void>;
  /**
   * The input's own gauges and counters (listener connections, spool depth...), by metric name
   * in snake_case; the runtime exports them as `punchline_node_<name>{component=...}`.
   */
  metrics?(): Readonly<Record<string, number>>;
}

export interface ProcessingNode {
  readonly kind: 'processing';
  /**
   * Emits zero or more events; throwing routes the event to `_ppf_errors`. A node that joins
   * events into one (`pack`) calls `hold()` instead of emitting: the delivery then stays open past
   * this call, until the joined event it goes into (JoinContext.emitJoined) is confirmed, or
   * fails with it.
   */
  process(event: Delivery, emit: Emit, hold: () => HeldEvent): void;
  /** Joining nodes: called once before any event flows, with what joined events go out through. */
  start?(ctx: JoinContext): void;
  /** The inputs stopped (a drain): emit what is held now rather than after a linger. */
  flush?(): void;
  /**
   * After the drain, when nothing is in flight any more (worker threads stop here; a joining node
   * stops its timers and fails, through JoinContext.fail, anything still held).
   */
  close?(): Promise<void>;
}

/** A delivery a joining node holds (see ProcessingNode.process): its fields, and the engine's handle on it. */
export interface HeldEvent {
  readonly fields: Readonly<Fields>;
}

export interface JoinContext {
  /**
   * Emits one event made of `parts` on `stream` (the engine tracks it like any event): when it
   * is confirmed downstream every part is; when it fails, every part fails back to its input.
   * A part goes into one joined event only: parts already used (or failed) are ignored.
   */
  emitJoined(parts: readonly HeldEvent[], stream: string, fields: Fields): void;
  /** Fails held parts back to their inputs (the node closes with events it could not emit). */
  fail(parts: readonly HeldEvent[], reason: string): void;
  readonly logger: NodeLogger;
}

/**
 * What a processing node made of one event when it completes later (on a worker thread): what it
 * emitted, in order, and the error it threw after those emits, if it threw. The engine handles it
 * exactly as a synchronous `process` that emitted the same and threw the same.
 */
export interface ProcessResult {
  readonly emits: readonly (readonly [stream: string, fields: Fields])[];
  readonly error?: string;
}

/** A processing node whose work completes asynchronously (`workers: N`). */
export interface DeferredProcessingNode {
  readonly kind: 'deferred';
  /** Calls `done` once with what became of the event. */
  process(event: Delivery, done: (result: ProcessResult) => void): void;
  close?(): Promise<void>;
}

export interface OutputNode {
  readonly kind: 'output';
  /**
   * Writes the event; `done()` once it is safely stored downstream, `done(err)` if it cannot be
   * now (the event fails back to its input, which has it sent again). `done(new RejectedEvent(..))`
   * when it can never be stored as it is (a mapping conflict, a value the encoding cannot carry):
   * retrying would fail forever, so the engine routes it to the output's `_ppf_errors` stream.
   */
  write(event: Delivery, done: (err?: Error) => void): void;
  /**
   * Called once before any input starts: connect, and throw what can never work (a login or a
   * certificate the server refuses), so the pipeline stops at start saying why. What may recover
   * (a server that does not answer yet) is logged, not thrown: events fail back until it answers.
   */
  start?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An output's verdict that one event can never be stored as it is. The engine sends the event to
 * the output's `_ppf_errors` stream (with this message and the whole input event), or, when the
 * output publishes none, fails it back to its input like any other error.
 */
export class RejectedEvent extends Error {
  override readonly name = 'RejectedEvent';
  readonly code = 'EVENT_REJECTED';
}

export type PipelineNodeImpl = InputNode | ProcessingNode | DeferredProcessingNode | OutputNode;
