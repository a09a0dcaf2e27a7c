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

export class FrameDecoder {
  readonly #limits: DecoderLimits;
  #buf: Buffer = EMPTY;
  /** Stream offset of #buf[0]. */
  #base: number;

  constructor(limits: DecoderLimits = defaultLimits, baseOffset = 0) {
    this.#limits = limits;
    this.#base = baseOffset;
  }

  /** Bytes received and not yet part of a complete frame. */
  get buffered(): number {
    return this.#buf.length;
  }

  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: Frame[] = [];
    let pos = 0;
    for (;;) {
      const frame = this.#next(pos);
      if (frame === undefined) break;
      frames.push(frame.frame);
      pos = frame.end;
    }
    this.#base += pos;
    this.#buf = pos === this.#buf.length ? EMPTY : this.#buf.subarray(pos);
    return frames;
  }

  #next(pos: number): { frame: Frame; end: number } | undefined {
    const b = this.#buf;
    const left = b.length - pos;
    if (left < 2) return undefined;
    const offset = this.#base + pos;
    const vb = b[pos];
    if (vb !== V1 && vb !== V2) {
      throw new LumberjackProtocolError('BAD_VERSION', `unknown protocol version byte 0x${hex(vb)}`, offset);
    }
    const version: Version = vb === V1 ? 1 : 2;
    const type = b[pos + 1];
    switch (type) {
      case WINDOW: {
        if (left < 6) return undefined;
        const size = b.readUInt32BE(pos + 2);
        if (size > this.#limits.maxWindowSize) {
          throw new LumberjackProtocolError(
            'WINDOW_TOO_LARGE',
            `window of ${size} events over the limit of ${this.#limits.maxWindowSize}`,
            offset,
          );
        }
        return { frame: { type: 'window', version, size, offset }, end: pos + 6 };
      }
      case JSON_DATA: {
        if (left < 10) return undefined;
        const seq = b.readUInt32BE(pos + 2);
        const len = b.readUInt32BE(pos + 6);
        this.#checkSize(len, 'JSON frame', offset);
        if (len === 0) throw new LumberjackProtocolError('BAD_JSON', `empty JSON frame (seq ${seq})`, offset);
        if (left < 10 + len) return undefined;
        return {
          frame: { type: 'json', version, seq, payload: b.subarray(pos + 10, pos + 10 + len), offset },
          end: pos + 10 + len,
        };
      }
      case COMPRESSED: {
        if (left < 6) return undefined;
        const len = b.readUInt32BE(pos + 2);
        this.#checkSize(len, 'compressed frame', offset);
        if (left < 6 + len) return undefined;
        return {
          frame: { type: 'compressed', version, payload: b.subarray(pos + 6, pos + 6 + len), offset },
          end: pos + 6 + len,
        };
      }
      case KV_DATA:
        return this.#kv(pos, version, offset);
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
