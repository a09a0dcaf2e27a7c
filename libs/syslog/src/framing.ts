/**
 * Syslog over a byte stream (RFC 6587, and RFC 5425 §4.3 over TLS): the frame codec, no I/O.
 *
 * Decoding decides the framing per frame, as rsyslog does (`runtime/tcps_sess.c`,
 * `processDataRcvd`; protocols.md §4.3):
 *
 * - A frame that starts with a digit is octet-counted (RFC 6587 §3.4.1): `MSG-LEN SP SYSLOG-MSG`,
 *   `MSG-LEN = NONZERO-DIGIT *DIGIT`, no trailer. An LF inside the message is part of it.
 * - Any other frame is non-transparent (§3.4.2): the message runs to the next LF or NUL, and one
 *   CR before that LF is dropped (CRLF). Empty frames (two delimiters in a row) are skipped.
 *
 * Limits:
 * - `maxMessageBytes`: a longer message is truncated to it (rsyslog's `maxMessageSize`); the rest
 *   of the frame is read and discarded, never buffered. The frame says it was truncated, the
 *   decoder counts the bytes dropped.
 * - `maxFrameBytes`: an octet count above it is malformed (rsyslog logs a framing error for a
 *   count above `maxFrameSize`). So are a count with more than 10 digits, a count of 0 and a count
 *   not followed by SP (where rsyslog logs "delimiter is not SP" and goes on reading `MSG-LEN`
 *   octets of what is probably not a frame). A malformed frame throws {@link SyslogFramingError}:
 *   the caller closes that connection; frames decoded before it stand.
 *
 * Memory: the decoder holds at most `maxMessageBytes` of one incomplete frame (plus its count).
 * Messages are returned as views on the pushed chunks (no copy) when a frame sits in one chunk.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
/** More digits than this cannot be a sane MSG-LEN (rsyslog stops near 2e9). */
const MAX_COUNT_DIGITS = 10;

export type SyslogFraming = 'octet-counting' | 'non-transparent';

export interface SyslogFrame {
  /** The SYSLOG-MSG octets, trailer removed, at most `maxMessageBytes`. */
  readonly message: Buffer;
  readonly framing: SyslogFraming;
  /** The message was longer than `maxMessageBytes` and was cut there. */
  readonly truncated: boolean;
}

export interface FramingLimits {
  /** Longer messages are truncated to this many bytes. */
  readonly maxMessageBytes: number;
  /** An octet count above this is a malformed frame. */
  readonly maxFrameBytes: number;
}

export const defaultFramingLimits: FramingLimits = {
  maxMessageBytes: 64 * 1024,
  maxFrameBytes: 16 * 1024 * 1024,
};

export type SyslogFramingErrorCode = 'BAD_OCTET_COUNT' | 'FRAME_TOO_LARGE' | 'INCOMPLETE_FRAME';

/**
 * The stream is not syslog framing we accept. `offset` is where the offending frame starts in the
 * connection's byte stream.
 */
export class SyslogFramingError extends Error {
  override readonly name = 'SyslogFramingError';
  readonly code: SyslogFramingErrorCode;
  readonly offset: number;
  /** The frames the decoder completed in the same push before this error (they are valid). */
  before: SyslogFrame[] = [];

  constructor(code: SyslogFramingErrorCode, message: string, offset: number) {
    super(`${message} (frame at byte ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}

type State =
  | 'start' // between frames
  | 'count' // reading MSG-LEN digits
  | 'octets' // reading the octets of a counted frame
  | 'line' // reading a non-transparent frame
  | 'discard-line'; // past maxMessageBytes in a non-transparent frame: dropping up to the delimiter

/** Incremental decoder for one connection: push chunks as they arrive, call `end()` at close. */
export class SyslogFrameDecoder {
  readonly #limits: FramingLimits;
  #state: State = 'start';
  /** Byte offset in the stream of the first byte of the next chunk. */
  #streamOffset = 0;
  /** Where the current frame started in the stream. */
  #frameOffset = 0;
  #count = 0;
  #digits = 0;
  /** Octets of the counted frame still to read (kept or discarded). */
  #remaining = 0;
  /** Kept bytes of the current incomplete frame, across chunks. */
  #parts: Buffer[] = [];
  #partBytes = 0;
  #truncatedFrames = 0;
  #discardedBytes = 0;

  constructor(limits: Partial<FramingLimits> = {}) {
    this.#limits = { ...defaultFramingLimits, ...limits };
  }

  get maxMessageBytes(): number {
    return this.#limits.maxMessageBytes;
  }

  /** Messages truncated so far. */
  get truncatedFrames(): number {
    return this.#truncatedFrames;
  }

  /** Bytes dropped past `maxMessageBytes` so far. */
  get discardedBytes(): number {
    return this.#discardedBytes;
  }

  /** Bytes of an incomplete frame held (at most `maxMessageBytes`). */
  get buffered(): number {
    return this.#partBytes;
  }

  /** Between frames: nothing of a frame has been read. */
  get idle(): boolean {
    return this.#state === 'start';
  }

  /** The frames completed by `chunk`, in order. Throws SyslogFramingError on a malformed frame. */
  push(chunk: Buffer): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    try {
      this.#decode(chunk, out);
    } catch (err) {
      if (err instanceof SyslogFramingError) {
        err.before = out;
        // The connection is over: drop what the bad frame left.
        this.#parts = [];
        this.#partBytes = 0;
      }
      throw err;
    } finally {
      this.#streamOffset += chunk.length;
    }
    return out;
  }

  #decode(chunk: Buffer, out: SyslogFrame[]): void {
    const len = chunk.length;
    const max = this.#limits.maxMessageBytes;
    let pos = 0;
    // NUL delimiters are rare: find the next one once per chunk, not once per frame.
    let nextNul = -2;
    while (pos < len) {
      switch (this.#state) {
        case 'start': {
          const c = chunk[pos] as number;
          this.#frameOffset = this.#streamOffset + pos;
          if (c >= ZERO && c <= NINE) {
            if (c === ZERO) {
              throw new SyslogFramingError('BAD_OCTET_COUNT', 'octet count starts with 0', this.#frameOffset);
            }
            this.#state = 'count';
            this.#count = 0;
            this.#digits = 0;
          } else {
            this.#state = 'line';
          }
          break;
        }
        case 'count': {
          let c = chunk[pos] as number;
          while (c >= ZERO && c <= NINE) {
            if (++this.#digits > MAX_COUNT_DIGITS) {
              throw new SyslogFramingError(
                'BAD_OCTET_COUNT',
                `octet count has more than ${MAX_COUNT_DIGITS} digits`,
                this.#frameOffset,
              );
            }
            this.#count = this.#count * 10 + (c - ZERO);
            if (++pos === len) break;
            c = chunk[pos] as number;
          }
          if (pos === len) break;
          if (c !== SP) {
            throw new SyslogFramingError(
              'BAD_OCTET_COUNT',
              `octet count ${this.#count} is followed by byte 0x${c.toString(16).padStart(2, '0')}, not SP`,
              this.#frameOffset,
            );
          }
          if (this.#count > this.#limits.maxFrameBytes) {
            throw new SyslogFramingError(
              'FRAME_TOO_LARGE',
              `octet count ${this.#count} is over the ${this.#limits.maxFrameBytes}-byte frame limit`,
              this.#frameOffset,
            );
          }
          pos++;
          this.#remaining = this.#count;
          this.#state = 'octets';
          // A frame of MSG-LEN octets may be empty only if MSG-LEN is 0, which starts with 0.
          break;
        }
        case 'octets': {
          const available = Math.min(this.#remaining, len - pos);
          const keep = Math.max(0, Math.min(available, max - this.#partBytes));
          if (this.#partBytes === 0 && available === this.#remaining && keep === available) {
            // The whole frame in this chunk, within the limit: a view, no copy.
            out.push({
              message: chunk.subarray(pos, pos + keep),
              framing: 'octet-counting',
              truncated: false,
            });
            pos += available;
            this.#remaining = 0;
            this.#state = 'start';
            break;
          }
          if (keep > 0) this.#keep(chunk.subarray(pos, pos + keep));
          this.#discardedBytes += available - keep;
          pos += available;
          this.#remaining -= available;
          if (this.#remaining === 0) {
            const truncated = this.#count > max;
            if (truncated) this.#truncatedFrames++;
            out.push({ message: this.#take(), framing: 'octet-counting', truncated });
            this.#state = 'start';
          }
          break;
        }
        case 'line':
        case 'discard-line': {
          const lf = chunk.indexOf(LF, pos);
          if (nextNul !== -1 && nextNul < pos) nextNul = chunk.indexOf(NUL, pos);
          const end = nextNul !== -1 && (lf === -1 || nextNul < lf) ? nextNul : lf;
          const stop = end === -1 ? len : end;
          if (this.#state === 'discard-line') {
            this.#discardedBytes += stop - pos;
          } else if (end !== -1 && this.#partBytes === 0) {
            // The whole line in this chunk: a view, no copy.
            const last = chunk[end] === LF && end > pos && chunk[end - 1] === CR ? end - 1 : end;
            const n = last - pos;
            if (n > max) {
              this.#truncatedFrames++;
              this.#discardedBytes += n - max;
              out.push({
                message: chunk.subarray(pos, pos + max),
                framing: 'non-transparent',
                truncated: true,
              });
            } else if (n > 0) {
              out.push({ message: chunk.subarray(pos, last), framing: 'non-transparent', truncated: false });
            }
            pos = end + 1;
            this.#state = 'start';
            break;
          } else {
            this.#lineBytes(chunk, pos, stop, out);
          }
          if (end === -1) {
            pos = len;
            break;
          }
          if (this.#state === 'line') this.#endLine(chunk[end] === LF, out);
          this.#state = 'start';
          pos = end + 1;
          break;
        }
      }
    }
  }

  /**
   * The connection closed: a non-transparent frame without its trailer is still a message (as
   * rsyslog does); an incomplete octet-counted frame throws INCOMPLETE_FRAME (rsyslog drops it
   * with an error).
   */
  end(): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    if (this.#state === 'line') this.#endLine(false, out);
    else if (this.#state === 'count' || this.#state === 'octets') {
      const missing =
        this.#state === 'octets' ? `${this.#remaining} of ${this.#count} octets` : 'its octet count';
      this.#state = 'start';
      this.#parts = [];
      this.#partBytes = 0;
      throw new SyslogFramingError(
        'INCOMPLETE_FRAME',
        `connection ended inside an octet-counted frame (${missing} missing)`,
        this.#frameOffset,
      );
    }
    this.#state = 'start';
    return out;
  }

  /** Bytes [from, to) of a line with no delimiter in them: kept up to the limit, then discarded. */
  #lineBytes(chunk: Buffer, from: number, to: number, out: SyslogFrame[]): void {
    const max = this.#limits.maxMessageBytes;
    const n = to - from;
    if (n === 0) return;
    const room = max - this.#partBytes;
    if (n <= room || (n === room + 1 && chunk[to - 1] === CR)) {
      // Within the limit, or one byte over it with a CR that may be the CR of CRLF.
      this.#keep(chunk.subarray(from, to));
      return;
    }
    this.#discardedBytes += this.#partBytes + n - max;
    if (room > 0) this.#keep(chunk.subarray(from, from + room));
    this.#truncatedFrames++;
    out.push({ message: this.#take(max), framing: 'non-transparent', truncated: true });
    this.#state = 'discard-line';
  }

  /** The end of a line (at its delimiter, or at close): its kept bytes are a message unless empty. */
  #endLine(atLf: boolean, out: SyslogFrame[]): void {
    let message = this.#take();
    if (atLf && message.length > 0 && message[message.length - 1] === CR) message = message.subarray(0, -1);
    if (message.length > this.#limits.maxMessageBytes) {
      // Only a CR kept as grace can get here, and it was not followed by LF: it is data, cut.
      this.#truncatedFrames++;
      this.#discardedBytes += message.length - this.#limits.maxMessageBytes;
      out.push({
        message: message.subarray(0, this.#limits.maxMessageBytes),
        framing: 'non-transparent',
        truncated: true,
      });
      return;
    }
    if (message.length > 0) out.push({ message, framing: 'non-transparent', truncated: false });
  }

  #keep(part: Buffer): void {
    // A copy: the chunk may be large and the frame small.
    this.#parts.push(Buffer.from(part));
    this.#partBytes += part.length;
  }

  #take(limit = Number.POSITIVE_INFINITY): Buffer {
    const parts = this.#parts;
    const whole = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#partBytes);
    this.#parts = [];
    this.#partBytes = 0;
    return whole.length > limit ? whole.subarray(0, limit) : whole;
  }
}

/** An octet-counted frame (RFC 6587 §3.4.1, RFC 5425 §4.3): `MSG-LEN SP SYSLOG-MSG`. */
export function encodeOctetCounted(message: Buffer | string): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (body.length === 0) throw new RangeError('an octet-counted frame cannot carry an empty message');
  const header = Buffer.from(`${body.length} `, 'latin1');
  return Buffer.concat([header, body], header.length + body.length);
}

/**
 * A non-transparent frame (RFC 6587 §3.4.2): the message and its trailer (LF by default). The
 * message must not contain the trailer byte (it would end the frame early): RangeError if it does.
 */
export function encodeNonTransparent(
  message: Buffer | string,
  trailer: 'LF' | 'CRLF' | 'NUL' = 'LF',
): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const end = trailer === 'NUL' ? NUL : LF;
  if (body.indexOf(end) !== -1) {
    throw new RangeError(`the message contains its trailer byte 0x${end.toString(16).padStart(2, '0')}`);
  }
  const tail = trailer === 'CRLF' ? Buffer.from([CR, LF]) : Buffer.from([end]);
  return Buffer.concat([body, tail], body.length + tail.length);
}
