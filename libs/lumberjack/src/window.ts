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
import { type DecoderLimits, defaultLimits, FrameDecoder } from './decoder.js';
import { LumberjackProtocolError } from './errors.js';
import type { Frame, Version } from './frames.js';

export interface ReaderLimits extends DecoderLimits {
  /** Largest inflated content of one 'C' frame (the zip-bomb guard). */
  readonly maxInflatedBytes: number;
}

export const defaultReaderLimits: ReaderLimits = { ...defaultLimits, maxInflatedBytes: 64 * 1024 * 1024 };

export interface LumberjackEvent {
  readonly seq: number;
  /** The JSON object of a 'J' frame, or the string map of a 'D' frame. */
  readonly fields: Record<string, unknown>;
}

export interface Window {
  readonly version: Version;
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

  constructor(limits: ReaderLimits = defaultReaderLimits) {
    this.#limits = limits;
    this.#decoder = new FrameDecoder(limits);
  }

  /** True while a window has started and not all its events have arrived (or a frame is half inflated). */
  get inWindow(): boolean {
    return this.#current !== undefined || this.#inflated !== undefined;
  }

  /** Bytes held that are not yet a complete frame: at most one frame on the wire plus one inflated. */
  get buffered(): number {
    return this.#decoder.buffered + (this.#inflated?.buffered ?? 0);
  }

  /** Feeds bytes; returns every window they complete, in order. Throws LumberjackProtocolError. */
  push(chunk: Buffer): Window[] {
    const done: Window[] = [];
    for (const frame of this.#decoder.push(chunk)) this.#frame(frame, done, 0);
    return done;
  }

  #frame(frame: Frame, done: Window[], depth: number): void {
    if (depth === 0 && frame.type !== 'compressed' && this.#inflated !== undefined) {
      throw new LumberjackProtocolError(
        'TRUNCATED_COMPRESSED',
        `a ${frame.type} frame arrived while the compressed content before it ends inside a frame (${this.#inflated.buffered} bytes left over)`,
        frame.offset,
      );
    }
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
          done.push({ version: frame.version, events: [], ackSeq: 0, offset: frame.offset });
        else this.#current = { version: frame.version, size: frame.size, events: [], offset: frame.offset };
        return;
      }
      case 'json':
        this.#event(frame.seq, parseObject(frame.payload, frame.seq, frame.offset), frame.offset, done);
        return;
      case 'kv':
        this.#event(frame.seq, frame.fields, frame.offset, done);
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
        if (depth === 0) {
          const inner = this.#inflated ?? new FrameDecoder(this.#limits, frame.offset);
          this.#inflated = undefined;
          for (const f of inner.push(content)) this.#frame(f, done, depth + 1);
          if (inner.buffered > 0) this.#inflated = inner;
          return;
        }
        // Nested (go-lumber allows it): the inner compressed frame must hold whole frames.
        const inner = new FrameDecoder(this.#limits, frame.offset);
        for (const f of inner.push(content)) this.#frame(f, done, depth + 1);
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

  #event(seq: number, fields: Record<string, unknown>, offset: number, done: Window[]): void {
    const w = this.#current;
    if (w === undefined) {
      throw new LumberjackProtocolError(
        'DATA_OUTSIDE_WINDOW',
        `data frame (seq ${seq}) outside any window`,
        offset,
      );
    }
    w.events.push({ seq, fields });
    if (w.events.length === w.size) {
      this.#current = undefined;
      done.push({ version: w.version, events: w.events, ackSeq: seq, offset: w.offset });
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
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
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
