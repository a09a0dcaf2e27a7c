/**
 * The sending side of RELP (rsyslog's omrelp, librelp's client) without I/O: command frames out,
 * response frames in. Wire rules: ../shared/reference/protocols.md §3, librelp `relpframe.c`,
 * `copen.c`, `scrsp.c`.
 *
 *   RELP-FRAME = TXNR SP COMMAND SP DATALEN [SP DATA] LF     (DATA and its SP only if DATALEN > 0)
 *   TXNR 1-9 digits (0 = a hint that wants no answer), COMMAND 1-32 letters, DATALEN 1-9 digits.
 *   rsp DATA  = 3-digit code [SP text] [LF command data]     (the answer to the TXNR it carries)
 *
 * The client numbers its commands from 1 (the `open`) on every session, +1 each, back to 1 after
 * 999,999,999. The server answers in command order; `0 serverclose 0` says it is closing.
 */

export const RELP_MAX_TXNR = 999_999_999;
/** librelp's default largest DATA (RELP_DFLT_MAX_DATA_SIZE): a client refuses bigger frames. */
export const RELP_MAX_DATA_BYTES = 128 * 1024;

/** What Drover offers on `open`: librelp speaks relp_version 0; syslog is the one command rsyslog requires. */
export function openOffers(software = 'drover'): string {
  return `relp_version=0\nrelp_software=${software}\ncommands=syslog`;
}

export function nextTxnr(txnr: number): number {
  return txnr >= RELP_MAX_TXNR ? 1 : txnr + 1;
}

const LF = Buffer.from([0x0a]);

/** One command frame. */
export function encodeCommand(txnr: number, command: string, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (body.length === 0) return Buffer.from(`${txnr} ${command} 0\n`, 'latin1');
  const head = Buffer.from(`${txnr} ${command} ${body.length} `, 'latin1');
  return Buffer.concat([head, body, LF], head.length + body.length + 1);
}

export class RelpProtocolError extends Error {
  override readonly name = 'RelpProtocolError';
}

export interface RelpInboundFrame {
  readonly txnr: number;
  readonly command: string;
  readonly data: Buffer;
}

const SP = 0x20;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isAlpha = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/**
 * Frames the server sends (rsp, serverclose), from a byte stream cut anywhere. Strict as librelp:
 * anything else is a RelpProtocolError (the caller closes the session), naming the offset.
 */
export class RelpResponseDecoder {
  #buf: Buffer = Buffer.alloc(0);
  #seen = 0;
  readonly #maxData: number;

  constructor(maxData = RELP_MAX_DATA_BYTES) {
    this.#maxData = maxData;
  }

  push(chunk: Buffer): RelpInboundFrame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: RelpInboundFrame[] = [];
    for (;;) {
      const frame = this.#next();
      if (frame === undefined) return frames;
      frames.push(frame);
    }
  }

  #fail(at: number, what: string): never {
    throw new RelpProtocolError(`RELP frame at byte ${this.#seen + at}: ${what}`);
  }

  /** A whole frame from the front of the buffer, or undefined until more bytes come. */
  #next(): RelpInboundFrame | undefined {
    const b = this.#buf;
    let i = 0;
    const number = (name: string): number | undefined => {
      const start = i;
      while (i < b.length && isDigit(b[i] as number)) {
        if (i - start >= 9) this.#fail(i, `${name} has more than 9 digits`);
        i++;
      }
      if (i === b.length) return undefined;
      if (i === start) this.#fail(i, `expected a ${name}`);
      return Number(b.toString('latin1', start, i));
    };
    const txnr = number('TXNR');
    if (txnr === undefined) return undefined;
    if (b[i] !== SP) this.#fail(i, 'expected a space after TXNR');
    i++;
    const cmdStart = i;
    while (i < b.length && isAlpha(b[i] as number)) {
      if (i - cmdStart >= 32) this.#fail(i, 'command longer than 32 letters');
      i++;
    }
    if (i === b.length) return undefined;
    if (i === cmdStart || b[i] !== SP) this.#fail(i, 'expected a command and a space');
    const command = b.toString('latin1', cmdStart, i);
    i++;
    const length = number('DATALEN');
    if (length === undefined) return undefined;
    if (length > this.#maxData) this.#fail(i, `DATALEN ${length} over the limit of ${this.#maxData}`);
    let data: Buffer = Buffer.alloc(0);
    if (length === 0) {
      if (b[i] !== 0x0a) this.#fail(i, 'DATALEN 0 must be followed by LF');
      i++;
    } else {
      if (b[i] !== SP) this.#fail(i, 'expected a space before DATA');
      if (b.length < i + 1 + length + 1) return undefined;
      data = b.subarray(i + 1, i + 1 + length);
      i += 1 + length;
      if (b[i] !== 0x0a) this.#fail(i, 'the trailer is not LF');
      i++;
    }
    this.#seen += i;
    this.#buf = b.subarray(i);
    return { txnr, command, data: Buffer.from(data) };
  }
}

export interface RelpResponse {
  readonly code: number;
  readonly text: string;
  /** The lines after the first (the offers of an `open` answer). */
  readonly data: string;
}

/**
 * An `rsp` frame's DATA. librelp answers `close` with an empty rsp (no code): that reads as 200.
 */
export function parseResponse(data: Buffer): RelpResponse {
  if (data.length === 0) return { code: 200, text: '', data: '' };
  const text = data.toString('utf8');
  const m = /^(\d{3})(?: ([^\n]*))?(?:\n([\s\S]*))?$/.exec(text);
  if (m === null)
    throw new RelpProtocolError(
      `rsp data does not start with a 3-digit code: ${JSON.stringify(text.slice(0, 40))}`,
    );
  return { code: Number(m[1]), text: m[2] ?? '', data: m[3] ?? '' };
}

/** The offers of an `open` answer, `name=v1,v2` per line. */
export function parseOffers(data: string): Map<string, string[]> {
  const offers = new Map<string, string[]>();
  for (const line of data.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq === -1) offers.set(line, []);
    else offers.set(line.slice(0, eq), line.slice(eq + 1).split(','));
  }
  return offers;
}
