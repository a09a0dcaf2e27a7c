/**
 * Windows from frames (protocols.md §1.2-1.5): a 'W' announces N events; the window is complete
 * when N data frames ('J' or 'D', plain or inside 'C' frames, in any mix) have arrived. Its ACK is
 * the seq of its last event. `W 0` is an empty window (acknowledged with 0, as Logstash does).
 *
 * What Logstash's beats input accepts, we accept: a 'W' inside a compressed frame (a sender that
 * compresses the whole window, header included), and a frame whose bytes are split across two
 * compressed frames (the inflated content is one stream: what one 'C' leaves unfinished, the next
 * 'C' continues). A plain frame arriving while compressed content is unfinished is an error.
 */
import { inflateSync } from 'node:zlib';
import { type DecoderLimits, defaultLimits, FrameDecoder, type FrameSink } from './decoder.js';
import { LumberjackProtocolError } from './errors.js';
import type { Frame, Version } from './frames.js';

export interface ReaderLimits extends DecoderLimits {
  /** Largest inflated content of one 'C' frame (the zip-bomb guard). */
  readonly maxInflatedBytes: number;
}

export const defaultReaderLimits: ReaderLimits = { ...defaultLimits, maxInflatedBytes: 64 * 1024 * 1024 };

export interface LumberjackEvent {
  readonly seq: number;
  /**
   * The JSON object of a 'J' frame, or the string map of a 'D' frame. A 'J' frame is parsed
   * when this is first read, not when its window is decoded: a window that waits for room in the
   * pipeline waits as bytes, not as objects for every garbage collection to copy. A malformed one
   * throws LumberjackProtocolError (BAD_JSON) then; `windowFields` reads a whole window.
   */
  readonly fields: Record<string, unknown>;
}

/** A 'J' frame's event: its payload, `buf[start, end)` (bytes no one writes to again), parsed on first read. */
class JsonEvent implements LumberjackEvent {
  readonly seq: number;
  #buf: Buffer | undefined;
  readonly #start: number;
  readonly #end: number;
  readonly #offset: number;
  #fields: Record<string, unknown> | undefined;

  constructor(seq: number, buf: Buffer, start: number, end: number, offset: number) {
    this.seq = seq;
    this.#buf = buf;
    this.#start = start;
    this.#end = end;
    this.#offset = offset;
  }

  get fields(): Record<string, unknown> {
    if (this.#fields === undefined) {
      this.#fields = parseText(
        (this.#buf as Buffer).toString('utf8', this.#start, this.#end),
        this.seq,
        this.#offset,
      );
      this.#buf = undefined;
    }
    return this.#fields;
  }
}

/**
 * Every event's fields of a window, in order; throws LumberjackProtocolError (BAD_JSON, with the
 * event's seq and the frame's stream offset) at the first 'J' frame that is not a JSON object.
 */
export function windowFields(window: Window): Record<string, unknown>[] {
  return window.events.map((e) => e.fields);
}

export interface Window {
  readonly version: Version;
  /** Its events, in order (see LumberjackEvent.fields: 'J' frames are parsed when read). */
  readonly events: LumberjackEvent[];
  /** What to acknowledge: the seq of the last event (0 for an empty window). */
  readonly ackSeq: number;
  /** Stream offset of the 'W' frame. */
  readonly offset: number;
}

const MAX_NESTING = 2;

export class WindowReader {
  readonly #limits: ReaderLimits;
  readonly #decoder: FrameDecoder;
  /** Inflated content that ends inside a frame, continued by the next compressed frame. */
  #inflated: FrameDecoder | undefined;
  #current: { version: Version; size: number; events: LumberjackEvent[]; offset: number } | undefined;
  /** Windows completed by the push under way (none between pushes: see push). */
  #done: Window[] = [];
  /** One sink per nesting depth (0: frames on the wire), made once. */
  readonly #sinks: FrameSink[];
  constructor(limits: ReaderLimits = defaultReaderLimits) {
    this.#limits = limits;
    this.#decoder = new FrameDecoder(limits);
    this.#sinks = Array.from({ length: MAX_NESTING + 1 }, (_, depth) => ({
      json: (_version, seq, buf, start, end, offset) => {
        this.#checkNotTruncated('json', depth, offset);
        // The decoder's buffers are fresh reads, joins or inflated blocks, never written again.
        this.#event(new JsonEvent(seq, buf, start, end, offset), offset);
      },
      frame: (frame) => this.#frame(frame, depth),
    }));
  }

  /** True while a window has started and not all its events have arrived (or a frame is half inflated). */
  get inWindow(): boolean {
    return this.#current !== undefined || this.#inflated !== undefined;
  }

  /** Bytes held that are not yet a complete frame: at most one frame on the wire plus one inflated. */
  get buffered(): number {
    return this.#decoder.buffered + (this.#inflated?.buffered ?? 0);
  }

  /**
   * Feeds bytes; returns every window they complete, in order. Throws LumberjackProtocolError.
   * The reader keeps none of them: a window it held until the next read would keep its events,
   * parsed once admitted, alive for as long as the connection waits (its ACK, max_pending). The
   * receiver at full rate held one parsed window per connection so: ~700 KB each, 2.8 MB of its
   * 96 MB heap with 4 connections (a heap snapshot), 45 MB with 64.
   */
  push(chunk: Buffer): Window[] {
    const done: Window[] = [];
    this.#done = done;
    try {
      this.#decoder.scan(chunk, this.#sinks[0] as FrameSink);
    } finally {
      this.#done = [];
    }
    return done;
  }

  /** A frame at `depth` 0 arrived while compressed content before it ends inside a frame. */
  #checkNotTruncated(type: string, depth: number, offset: number): void {
    if (depth === 0 && this.#inflated !== undefined) {
      throw new LumberjackProtocolError(
        'TRUNCATED_COMPRESSED',
        `a ${type} frame arrived while the compressed content before it ends inside a frame (${this.#inflated.buffered} bytes left over)`,
        offset,
      );
    }
  }

  #frame(frame: Frame, depth: number): void {
    if (frame.type !== 'compressed') this.#checkNotTruncated(frame.type, depth, frame.offset);
    switch (frame.type) {
      case 'window': {
        if (this.#current !== undefined) {
          throw new LumberjackProtocolError(
            'WINDOW_INTERRUPTED',
            `new window while the previous one has ${this.#current.events.length} of ${this.#current.size} events`,
            frame.offset,
          );
        }
        if (frame.size === 0)
          this.#done.push({ version: frame.version, events: [], ackSeq: 0, offset: frame.offset });
        else this.#current = { version: frame.version, size: frame.size, events: [], offset: frame.offset };
        return;
      }
      case 'json':
        // Not from scan (it hands 'J' frames to json()), kept for completeness.
        this.#event(
          { seq: frame.seq, fields: parseObject(frame.payload, frame.seq, frame.offset) },
          frame.offset,
        );
        return;
      case 'kv':
        this.#event({ seq: frame.seq, fields: frame.fields }, frame.offset);
        return;
      case 'compressed': {
        if (depth >= MAX_NESTING) {
          throw new LumberjackProtocolError(
            'NESTED_TOO_DEEP',
            'compressed frames nested too deep',
            frame.offset,
          );
        }
        const content = inflate(frame.payload, this.#limits.maxInflatedBytes, frame.offset);
        const sink = this.#sinks[depth + 1] as FrameSink;
        if (depth === 0) {
          const inner = this.#inflated ?? new FrameDecoder(this.#limits, frame.offset);
          this.#inflated = undefined;
          inner.scan(content, sink);
          if (inner.buffered > 0) this.#inflated = inner;
          return;
        }
        // Nested (go-lumber allows it): the inner compressed frame must hold whole frames.
        const inner = new FrameDecoder(this.#limits, frame.offset);
        inner.scan(content, sink);
        if (inner.buffered > 0) {
          throw new LumberjackProtocolError(
            'TRUNCATED_COMPRESSED',
            `nested compressed frame ends inside a frame (${inner.buffered} bytes left over)`,
            frame.offset,
          );
        }
      }
    }
  }

  #event(event: LumberjackEvent, offset: number): void {
    const w = this.#current;
    if (w === undefined) {
      throw new LumberjackProtocolError(
        'DATA_OUTSIDE_WINDOW',
        `data frame (seq ${event.seq}) outside any window`,
        offset,
      );
    }
    w.events.push(event);
    if (w.events.length === w.size) {
      this.#current = undefined;
      this.#done.push({ version: w.version, events: w.events, ackSeq: event.seq, offset: w.offset });
    }
  }
}

function inflate(payload: Buffer, max: number, offset: number): Buffer {
  try {
    return inflateSync(payload, { maxOutputLength: max });
  } catch (err) {
    const tooLarge =
      err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new LumberjackProtocolError(
      tooLarge ? 'INFLATED_TOO_LARGE' : 'INFLATE_FAILED',
      tooLarge
        ? `compressed frame inflates past the limit of ${max} bytes`
        : `compressed frame does not inflate: ${(err as Error).message}`,
      offset,
    );
  }
}

function parseObject(payload: Buffer, seq: number, offset: number): Record<string, unknown> {
  return parseText(payload.toString('utf8'), seq, offset);
}

function parseText(text: string, seq: number, offset: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LumberjackProtocolError(
      'BAD_JSON',
      `invalid JSON in event seq ${seq}: ${(err as Error).message}`,
      offset,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LumberjackProtocolError('BAD_JSON', `event seq ${seq} is not a JSON object`, offset);
  }
  return value as Record<string, unknown>;
}
