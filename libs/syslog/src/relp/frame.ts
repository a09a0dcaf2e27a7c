/**
 * RELP frames (librelp `doc/relp.md`; protocols.md §3.1): the codec, no I/O.
 *
 * ```
 * RELP-FRAME = TXNR SP COMMAND SP DATALEN [SP DATA] TRAILER
 * TXNR       = 1*9DIGIT          ; 0 = a hint, no response expected
 * COMMAND    = 1*32ALPHA
 * DATALEN    = 1*9DIGIT          ; octets of DATA; SP DATA only when DATALEN > 0
 * TRAILER    = LF
 * ```
 *
 * The decoder is as strict as librelp's `relpFrameProcessOctetRcvd` (relpframe.c): a first byte
 * that is not a digit, more than 9 digits, a non-alphabetic command byte, a DATALEN of 0 not
 * followed by LF, a DATALEN > 0 not followed by SP, or a trailer that is not LF is
 * INVALID_FRAME; DATALEN above `maxDataBytes` is DATA_TOO_LONG (librelp's default oversize mode,
 * "abort"). Either way the session is over: librelp's server sends `0 serverclose 0` and closes.
 * It holds at most `maxDataBytes` of one incomplete frame.
 */

const LF = 0x0a;
const SP = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DIGITS = 9;
const MAX_COMMAND = 32;

/** librelp's `RELP_DFLT_MAX_DATA_SIZE`: 128 KiB. */
export const RELP_DEFAULT_MAX_DATA_BYTES = 128 * 1024;

/** The highest TXNR; librelp goes from here back to 1 (`relpEngineNextTXNR`). */
export const RELP_MAX_TXNR = 999_999_999;

export interface RelpFrame {
  readonly txnr: number;
  readonly command: string;
  readonly data: Buffer;
}

export type RelpErrorCode =
  | 'INVALID_FRAME'
  | 'DATA_TOO_LONG'
  | 'INVALID_TXNR'
  | 'INVALID_OFFER'
  | 'UNKNOWN_COMMAND'
  | 'INVALID_RSP'
  /** A command not allowed in the session's state (librelp's RELP_RET_CMD_DISABLED): `syslog` before `open`, a second `open`. */
  | 'COMMAND_DISABLED';

/**
 * A RELP peer broke the protocol. `offset` is the byte offset in the connection's stream of the
 * frame at fault; `txnr` its transaction number when it was read.
 */
export class RelpProtocolError extends Error {
  override readonly name = 'RelpProtocolError';
  readonly code: RelpErrorCode;
  readonly offset: number;
  readonly txnr: number | undefined;
  /** The frames the decoder completed in the same push before this error (they are valid). */
  before: RelpFrame[] = [];

  constructor(code: RelpErrorCode, message: string, offset: number, txnr?: number) {
    super(`${message} (frame at byte ${offset}${txnr === undefined ? '' : `, txnr ${txnr}`})`);
    this.code = code;
    this.offset = offset;
    this.txnr = txnr;
  }
}

type State = 'txnr' | 'command' | 'datalen' | 'data' | 'trailer';

/** Incremental decoder for one connection. */
export class RelpFrameDecoder {
  readonly #maxDataBytes: number;
  #state: State = 'txnr';
  #streamOffset = 0;
  #frameOffset = 0;
  #txnr = 0;
  #digits = 0;
  #command = '';
  #dataLen = 0;
  #parts: Buffer[] = [];
  #partBytes = 0;

  constructor(options: { readonly maxDataBytes?: number } = {}) {
    this.#maxDataBytes = options.maxDataBytes ?? RELP_DEFAULT_MAX_DATA_BYTES;
  }

  /** Between frames. */
  get idle(): boolean {
    return this.#state === 'txnr' && this.#digits === 0;
  }

  /** Bytes of DATA of an incomplete frame held. */
  get buffered(): number {
    return this.#partBytes;
  }

  /** The frames completed by `chunk`, in order; throws RelpProtocolError at the first bad byte. */
  push(chunk: Buffer): RelpFrame[] {
    const out: RelpFrame[] = [];
    try {
      this.#decode(chunk, out);
    } catch (err) {
      if (err instanceof RelpProtocolError) err.before = out;
      throw err;
    } finally {
      this.#streamOffset += chunk.length;
    }
    return out;
  }

  #decode(chunk: Buffer, out: RelpFrame[]): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      const c = chunk[pos] as number;
      switch (this.#state) {
        case 'txnr':
          if (this.#digits === 0) this.#frameOffset = this.#streamOffset + pos;
          if (c >= ZERO && c <= NINE) {
            if (++this.#digits > MAX_DIGITS) this.#fail('INVALID_FRAME', 'TXNR has more than 9 digits');
            this.#txnr = this.#txnr * 10 + (c - ZERO);
          } else if (c === SP && this.#digits > 0) {
            this.#state = 'command';
            this.#digits = 0;
          } else {
            this.#fail('INVALID_FRAME', `byte 0x${hex(c)} where the TXNR was expected`);
          }
          pos++;
          break;
        case 'command': {
          // The letters in this chunk at once (one string, not one per letter).
          let end = pos;
          const limit = Math.min(len, pos + MAX_COMMAND - this.#command.length + 1);
          while (end < limit && isLetter(chunk[end] as number)) end++;
          if (end > pos) {
            if (this.#command.length + (end - pos) > MAX_COMMAND)
              this.#fail('INVALID_FRAME', 'command longer than 32 letters');
            this.#command =
              this.#command === ''
                ? commandAt(chunk, pos, end)
                : this.#command + chunk.toString('latin1', pos, end);
            pos = end;
            break;
          }
          if (c === SP && this.#command.length > 0) {
            this.#state = 'datalen';
          } else {
            this.#fail('INVALID_FRAME', `byte 0x${hex(c)} in the command`);
          }
          pos++;
          break;
        }
        case 'datalen':
          if (c >= ZERO && c <= NINE) {
            if (++this.#digits > MAX_DIGITS) this.#fail('INVALID_FRAME', 'DATALEN has more than 9 digits');
            this.#dataLen = this.#dataLen * 10 + (c - ZERO);
            pos++;
            break;
          }
          if (this.#digits === 0) this.#fail('INVALID_FRAME', `byte 0x${hex(c)} where DATALEN was expected`);
          if (this.#dataLen === 0) {
            // No data: the trailer must follow at once ("2 close 0\n"; "2 close 0 \n" is invalid).
            this.#state = 'trailer';
            break;
          }
          if (c !== SP) this.#fail('INVALID_FRAME', `byte 0x${hex(c)} after DATALEN, expected SP`);
          if (this.#dataLen > this.#maxDataBytes) {
            this.#fail(
              'DATA_TOO_LONG',
              `DATALEN ${this.#dataLen} is over the ${this.#maxDataBytes}-byte limit`,
            );
          }
          this.#state = 'data';
          pos++;
          break;
        case 'data': {
          const need = this.#dataLen - this.#partBytes;
          const n = Math.min(need, len - pos);
          this.#parts.push(
            this.#partBytes === 0 && n === need
              ? chunk.subarray(pos, pos + n)
              : Buffer.from(chunk.subarray(pos, pos + n)),
          );
          this.#partBytes += n;
          pos += n;
          if (this.#partBytes === this.#dataLen) this.#state = 'trailer';
          break;
        }
        case 'trailer': {
          if (c !== LF) this.#fail('INVALID_FRAME', `byte 0x${hex(c)} where the LF trailer was expected`);
          pos++;
          const parts = this.#parts;
          const data =
            parts.length === 0 ? EMPTY : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
          out.push({ txnr: this.#txnr, command: this.#command, data });
          this.#reset();
          break;
        }
      }
    }
  }

  #reset(): void {
    this.#state = 'txnr';
    this.#txnr = 0;
    this.#digits = 0;
    this.#command = '';
    this.#dataLen = 0;
    this.#parts = [];
    this.#partBytes = 0;
  }

  #fail(code: RelpErrorCode, message: string): never {
    const txnr = this.#state === 'txnr' ? undefined : this.#txnr;
    const offset = this.#frameOffset;
    this.#reset();
    throw new RelpProtocolError(code, message, offset, txnr);
  }
}

const EMPTY = Buffer.alloc(0);

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** The command in bytes [from, to): `syslog` (nearly every frame) without a new string. */
function commandAt(chunk: Buffer, from: number, to: number): string {
  if (
    to - from === 6 &&
    chunk[from] === 0x73 &&
    chunk[from + 1] === 0x79 &&
    chunk[from + 2] === 0x73 &&
    chunk[from + 3] === 0x6c &&
    chunk[from + 4] === 0x6f &&
    chunk[from + 5] === 0x67
  )
    return 'syslog';
  return chunk.toString('latin1', from, to);
}

function hex(c: number): string {
  return c.toString(16).padStart(2, '0');
}

/** One frame's bytes. TXNR 0..999,999,999; the command 1-32 letters. */
export function encodeRelpFrame(txnr: number, command: string, data?: Buffer | string): Buffer {
  if (!Number.isInteger(txnr) || txnr < 0 || txnr > RELP_MAX_TXNR)
    throw new RangeError(`TXNR ${txnr} is out of range`);
  if (!/^[A-Za-z]{1,32}$/.test(command)) throw new RangeError(`"${command}" is not a RELP command`);
  const body = data === undefined ? EMPTY : typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (body.length === 0) return Buffer.from(`${txnr} ${command} 0\n`, 'latin1');
  const header = Buffer.from(`${txnr} ${command} ${body.length} `, 'latin1');
  const frame = Buffer.allocUnsafe(header.length + body.length + 1);
  header.copy(frame, 0);
  body.copy(frame, header.length);
  frame[frame.length - 1] = LF;
  return frame;
}

/**
 * `TXNR rsp 6 200 OK` + LF: the answer to a `syslog` command taken (protocols.md §3.2), the one
 * frame a server sends per message, so built straight from its text.
 */
export function encodeRelpOk(txnr: number): Buffer {
  if (!Number.isInteger(txnr) || txnr < 1 || txnr > RELP_MAX_TXNR)
    throw new RangeError(`TXNR ${txnr} is out of range`);
  return Buffer.from(`${txnr} rsp 6 200 OK\n`, 'latin1');
}

/** The TXNR after `txnr`, as librelp counts (`relpEngineNextTXNR`): wraps to 1 after 999,999,999. */
export function nextTxnr(txnr: number): number {
  return txnr >= RELP_MAX_TXNR ? 1 : txnr + 1;
}

/** A response's DATA: `RSP-CODE [SP HUMANMSG] [LF CMDDATA]` (protocols.md §3.2). */
export interface RelpResponse {
  readonly code: number;
  readonly message: string;
  /** What follows the first LF (the offers of an `open` response). */
  readonly data: string;
}

/**
 * Reads a response's DATA. An empty DATA is the answer to `close` (`cclose.c` sends "") and reads
 * as code 200. Throws RelpProtocolError INVALID_RSP when the first three bytes are not digits.
 */
export function parseRelpResponse(data: Buffer, offset = 0, txnr?: number): RelpResponse {
  if (data.length === 0) return { code: 200, message: '', data: '' };
  const text = data.toString('utf8');
  const m = /^(\d{3})(?: ([^\n]*))?(?:\n([\s\S]*))?$/.exec(text);
  if (m === null)
    throw new RelpProtocolError('INVALID_RSP', 'response does not start with a 3-digit code', offset, txnr);
  return { code: Number(m[1]), message: m[2] ?? '', data: m[3] ?? '' };
}

/** A response's DATA: `CODE MESSAGE` and, when given, LF and the command data. */
export function encodeRelpResponse(code: number, message: string, data?: string): string {
  const head = `${code} ${message.replace(/\n/g, ' ').slice(0, 80)}`;
  return data === undefined ? head : `${head}\n${data}`;
}
