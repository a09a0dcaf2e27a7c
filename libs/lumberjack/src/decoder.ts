/**
 * Incremental frame decoder: bytes in any split across reads, frames out. Every length is
 * checked against its limit as soon as its header is read, so a peer can never make us buffer
 * more than one frame's worth (maxFrameBytes) plus one read.
 */
import { LumberjackProtocolError } from './errors.js';
import { COMPRESSED, type Frame, JSON_DATA, KV_DATA, V1, V2, type Version, WINDOW } from './frames.js';

export interface DecoderLimits {
  /** Largest window ('W') accepted; go-lumber's default is 10,000. */
  readonly maxWindowSize: number;
  /** Largest JSON payload, compressed payload or key/value frame, in bytes. */
  readonly maxFrameBytes: number;
}

export const defaultLimits: DecoderLimits = { maxWindowSize: 10_000, maxFrameBytes: 16 * 1024 * 1024 };

const EMPTY = Buffer.alloc(0);

/**
 * Where FrameDecoder.scan puts what it decodes: 'J' frames as a view on the decoder's bytes (no
 * frame object, no Buffer per event: the receiver's hot path), every other frame as a Frame.
 */
export interface FrameSink {
  /** A 'J' frame; its payload is `buf[start, end)`, valid during the call only. */
  json(version: Version, seq: number, buf: Buffer, start: number, end: number, offset: number): void;
  frame(frame: Frame): void;
}

export class FrameDecoder {
  readonly #limits: DecoderLimits;
  #buf: Buffer = EMPTY;
  /** Reads that arrived while the frame at the front of #buf was still incomplete. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes the incomplete frame at the front needs in all (0: not known yet). */
  #need = 0;
  /** Stream offset of #buf[0]. */
  #base: number;
  /** Set by #next: where the frame it decoded ends. */
  #end = 0;

  constructor(limits: DecoderLimits = defaultLimits, baseOffset = 0) {
    this.#limits = limits;
    this.#base = baseOffset;
  }

  /** Bytes received and not yet part of a complete frame. */
  get buffered(): number {
    return this.#buf.length + this.#pendingBytes;
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.scan(chunk, {
      json: (version, seq, buf, start, end, offset) =>
        frames.push({ type: 'json', version, seq, payload: buf.subarray(start, end), offset }),
      frame: (frame) => frames.push(frame),
    });
    return frames;
  }

  /**
   * Feeds bytes; hands every frame they complete to `sink`, in order. Throws
   * LumberjackProtocolError (what was handed to the sink before stays handed). A frame larger
   * than one read is joined once, when its last byte has arrived, not at every read.
   */
  scan(chunk: Buffer, sink: FrameSink): void {
    if (this.#buf.length === 0) this.#buf = chunk;
    else if (this.#need > this.#buf.length + this.#pendingBytes + chunk.length) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      return;
    } else {
      this.#buf = Buffer.concat([this.#buf, ...this.#pending, chunk]);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    this.#need = 0;
    let pos = 0;
    while (this.#next(pos, sink)) pos = this.#end;
    this.#base += pos;
    this.#buf = pos === this.#buf.length ? EMPTY : this.#buf.subarray(pos);
  }

  /** Decodes the frame at `pos` into `sink` (#end: where it ends); false while it is incomplete (#need: how long it is, when known). */
  #next(pos: number, sink: FrameSink): boolean {
    const b = this.#buf;
    const left = b.length - pos;
    if (left < 2) return false;
    const offset = this.#base + pos;
    const vb = b[pos];
    if (vb !== V1 && vb !== V2) {
      throw new LumberjackProtocolError('BAD_VERSION', `unknown protocol version byte 0x${hex(vb)}`, offset);
    }
    const version: Version = vb === V1 ? 1 : 2;
    const type = b[pos + 1];
    switch (type) {
      case JSON_DATA: {
        if (left < 10) return false;
        const seq = b.readUInt32BE(pos + 2);
        const len = b.readUInt32BE(pos + 6);
        this.#checkSize(len, 'JSON frame', offset);
        if (len === 0) throw new LumberjackProtocolError('BAD_JSON', `empty JSON frame (seq ${seq})`, offset);
        if (left < 10 + len) {
          this.#need = 10 + len;
          return false;
        }
        this.#end = pos + 10 + len;
        sink.json(version, seq, b, pos + 10, this.#end, offset);
        return true;
      }
      case WINDOW: {
        if (left < 6) return false;
        const size = b.readUInt32BE(pos + 2);
        if (size > this.#limits.maxWindowSize) {
          throw new LumberjackProtocolError(
            'WINDOW_TOO_LARGE',
            `window of ${size} events over the limit of ${this.#limits.maxWindowSize}`,
            offset,
          );
        }
        this.#end = pos + 6;
        sink.frame({ type: 'window', version, size, offset });
        return true;
      }
      case COMPRESSED: {
        if (left < 6) return false;
        const len = b.readUInt32BE(pos + 2);
        this.#checkSize(len, 'compressed frame', offset);
        if (left < 6 + len) {
          this.#need = 6 + len;
          return false;
        }
        this.#end = pos + 6 + len;
        sink.frame({ type: 'compressed', version, payload: b.subarray(pos + 6, this.#end), offset });
        return true;
      }
      case KV_DATA: {
        const kv = this.#kv(pos, version, offset);
        if (kv === undefined) return false;
        this.#end = kv.end;
        sink.frame(kv.frame);
        return true;
      }
      default:
        throw new LumberjackProtocolError('BAD_TYPE', `unknown frame type 0x${hex(type)}`, offset);
    }
  }

  #checkSize(len: number, what: string, offset: number): void {
    if (len > this.#limits.maxFrameBytes) {
      throw new LumberjackProtocolError(
        'FRAME_TOO_LARGE',
        `${what} of ${len} bytes over the limit of ${this.#limits.maxFrameBytes}`,
        offset,
      );
    }
  }

  /** v1 'D': seq, pairs, then pairs x (klen, key, vlen, value); the whole frame within limits. */
  #kv(pos: number, version: Version, offset: number): { frame: Frame; end: number } | undefined {
    const b = this.#buf;
    if (b.length - pos < 10) return undefined;
    const seq = b.readUInt32BE(pos + 2);
    const pairs = b.readUInt32BE(pos + 6);
    if (pairs === 0)
      throw new LumberjackProtocolError('BAD_DATA_FRAME', `data frame with no fields (seq ${seq})`, offset);
    if (pairs > this.#limits.maxFrameBytes / 8) {
      throw new LumberjackProtocolError('FRAME_TOO_LARGE', `data frame of ${pairs} fields`, offset);
    }
    const fields: Record<string, string> = {};
    let at = pos + 10;
    for (let i = 0; i < pairs; i++) {
      const strings: string[] = [];
      for (let j = 0; j < 2; j++) {
        if (b.length - at < 4) return undefined;
        const len = b.readUInt32BE(at);
        this.#checkSize(at + 4 + len - pos, 'data frame', offset);
        if (b.length - at - 4 < len) return undefined;
        strings.push(b.toString('utf8', at + 4, at + 4 + len));
        at += 4 + len;
      }
      fields[strings[0] as string] = strings[1] as string;
    }
    return { frame: { type: 'kv', version, seq, fields, offset }, end: at };
  }
}

function hex(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0');
}
