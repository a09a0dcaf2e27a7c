/**
 * The server side of one RELP session as a state machine, no I/O (librelp `copen.c`,
 * `scsyslog.c`, `cclose.c`, `relpframe.c`, `relpsess.c`; protocols.md §3.3-3.5, §3.8).
 *
 * - TXNRs are checked strictly: the first frame must be 1 and each next one the one after
 *   (`relpEngineNextTXNR`); anything else ends the session, as librelp does.
 * - `open` must come first and once. It needs a numeric `relp_version` (answered with
 *   min(client, 0)) and `commands` including `syslog` (else `500 required command not supported by
 *   client`). Only `syslog` is enabled: whatever else the client offers (other commands,
 *   `starttls`, unknown offers) is left out of the answer, which is how RELP refuses an offer.
 * - `syslog` hands its message to the application ({@link RelpServerStep.messages}); its
 *   `rsp 200 OK` is sent once the application calls `confirm(txnr)`, and responses always go out
 *   in command order, whatever order confirmations come in.
 * - A message the application cannot take (`fail(txnr)`) is not answered `500`: librelp's client
 *   drops a frame answered with an error code (scrsp.c: `relpSendbufDestruct`), which would lose
 *   it. The session is closed instead (`0 serverclose 0`), and the client resends every
 *   unanswered frame on its next session (relpsess.c `relpSessTryReestablish`).
 * - `close` is answered with an empty `rsp` after every earlier response, then `0 serverclose 0`.
 * - Anything else (a command before `open`, a second `open`, an unknown command, `rsp` or a hint
 *   from the client) is answered as librelp answers it where librelp answers at all, then the
 *   session closes.
 */
import {
  encodeRelpFrame,
  encodeRelpOk,
  encodeRelpResponse,
  nextTxnr,
  type RelpErrorCode,
  type RelpFrame,
  RelpProtocolError,
} from './frame.js';
import { encodeOffers, offeredVersion, parseOffers, RELP_PROTOCOL_VERSION } from './offers.js';

export const SERVERCLOSE = encodeRelpFrame(0, 'serverclose');

/** Shared by the steps that hand out no message (most of them: every confirmation). */
const NO_MESSAGES: RelpMessage[] = Object.freeze([]) as unknown as RelpMessage[];
/** Queued responses are dropped from the front in place; the array is compacted past this. */
const COMPACT_AT = 1024;

export interface RelpServerSessionOptions {
  /** `relp_software` in the open response: `name,version[,url]`. */
  readonly software?: string;
}

/** A syslog message of the session, to be confirmed or failed by its TXNR. */
export interface RelpMessage {
  readonly txnr: number;
  readonly data: Buffer;
}

/** What one received frame (or a confirmation) asks of the connection. */
export interface RelpServerStep {
  /** Bytes to write, in order. */
  readonly send: Buffer[];
  /** Messages to hand to the application. */
  readonly messages: RelpMessage[];
  /** The session is over: write `send`, then close the connection. */
  readonly close?: { readonly reason: string; readonly error?: RelpProtocolError };
}

type SessionState = 'awaiting-open' | 'open' | 'closed';

interface Pending {
  readonly txnr: number;
  /** The response, once it may be sent; undefined while the application has the message. */
  response: Buffer | undefined;
  /** After this response the session ends (the answer to `close`). */
  readonly last?: boolean;
}

export class RelpServerSession {
  readonly #software: string;
  #state: SessionState = 'awaiting-open';
  #expected = 1;
  /**
   * Commands awaiting their response, in command order, from `#head` on (a window of up to
   * `maxUnanswered` entries: taking from the front is an index step, not an `Array#shift`).
   */
  #queue: (Pending | undefined)[] = [];
  #head = 0;
  readonly #byTxnr = new Map<number, Pending>();
  #closing = false;

  constructor(options: RelpServerSessionOptions = {}) {
    this.#software = options.software ?? 'drover';
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Syslog messages handed out and not yet answered. */
  get unanswered(): number {
    return this.#byTxnr.size;
  }

  /** One decoded frame; `offset` is its place in the stream, for errors. */
  receive(frame: RelpFrame, offset = 0): RelpServerStep {
    if (this.#state === 'closed' || this.#closing) return this.#end('frame after the session ended');
    if (frame.txnr === 0) {
      return this.#protocolError('INVALID_TXNR', `hint "${frame.command}" from a client`, offset, frame.txnr);
    }
    if (frame.txnr !== this.#expected) {
      return this.#protocolError(
        'INVALID_TXNR',
        `TXNR ${frame.txnr} where ${this.#expected} was expected`,
        offset,
        frame.txnr,
      );
    }
    this.#expected = nextTxnr(this.#expected);
    switch (frame.command) {
      case 'open':
        return this.#open(frame, offset);
      case 'syslog':
        if (this.#state !== 'open') {
          return this.#refuse(
            frame,
            offset,
            '500 command disabled',
            'COMMAND_DISABLED',
            'syslog before open',
          );
        }
        return this.#syslog(frame);
      case 'close':
        return this.#close(frame.txnr);
      default:
        return this.#protocolError(
          'UNKNOWN_COMMAND',
          `unknown command "${frame.command}"`,
          offset,
          frame.txnr,
        );
    }
  }

  /** The application has the message of `txnr` safe: its `200 OK` may go (in order). */
  confirm(txnr: number): RelpServerStep {
    const p = this.#byTxnr.get(txnr);
    if (p === undefined || this.#state === 'closed') return { send: [], messages: NO_MESSAGES };
    this.#byTxnr.delete(txnr);
    p.response = encodeRelpOk(txnr);
    return this.#flush();
  }

  /** The application could not take the message of `txnr`: the session ends unanswered, so the client resends. */
  fail(txnr: number, reason: string): RelpServerStep {
    if (!this.#byTxnr.has(txnr) || this.#state === 'closed') return { send: [], messages: [] };
    return this.#end(`message ${txnr} failed: ${reason}`);
  }

  /** The server ends the session (shutdown, idle): `0 serverclose 0`, then close. */
  serverClose(reason: string): RelpServerStep {
    if (this.#state === 'closed') return { send: [], messages: [] };
    return this.#end(reason);
  }

  #open(frame: RelpFrame, offset: number): RelpServerStep {
    if (this.#state === 'open') {
      return this.#refuse(
        frame,
        offset,
        '500 protocol error: connection already open',
        'COMMAND_DISABLED',
        'second open',
      );
    }
    let offers: Map<string, string[]>;
    try {
      offers = parseOffers(frame.data.toString('utf8'), offset, frame.txnr);
    } catch (err) {
      return this.#refuse(
        frame,
        offset,
        `500 error ${RELP_RET_INVALID_OFFER} on connect`,
        'INVALID_OFFER',
        (err as Error).message,
      );
    }
    const version = offeredVersion(offers);
    if (version === undefined) {
      return this.#refuse(
        frame,
        offset,
        `500 error ${RELP_RET_INVALID_OFFER} on connect`,
        'INVALID_OFFER',
        'open without a numeric relp_version',
      );
    }
    if (!(offers.get('commands') ?? []).includes('syslog')) {
      return this.#refuse(
        frame,
        offset,
        '500 required command not supported by client',
        'INVALID_OFFER',
        'open without commands=syslog',
      );
    }
    this.#state = 'open';
    const answer = encodeOffers([
      ['relp_version', [String(Math.min(version, RELP_PROTOCOL_VERSION))]],
      ['relp_software', [this.#software]],
      ['commands', ['syslog']],
    ]);
    this.#queue.push({ txnr: frame.txnr, response: encodeRelpFrame(frame.txnr, 'rsp', `200 OK\n${answer}`) });
    return this.#flush();
  }

  #syslog(frame: RelpFrame): RelpServerStep {
    const p: Pending = { txnr: frame.txnr, response: undefined };
    this.#queue.push(p);
    this.#byTxnr.set(frame.txnr, p);
    return { send: [], messages: [{ txnr: frame.txnr, data: frame.data }] };
  }

  #close(txnr: number): RelpServerStep {
    this.#closing = true;
    this.#queue.push({ txnr, response: encodeRelpFrame(txnr, 'rsp'), last: true });
    return this.#flush();
  }

  /** Responses at the head of the queue that may go, in order; after the last one, the end. */
  #flush(): RelpServerStep {
    const send: Buffer[] = [];
    for (let p = this.#front(); p?.response !== undefined; p = this.#front()) {
      this.#dropFront();
      send.push(p.response);
      if (p.last === true) {
        this.#state = 'closed';
        send.push(SERVERCLOSE);
        return { send, messages: NO_MESSAGES, close: { reason: 'client closed the session' } };
      }
    }
    return { send, messages: NO_MESSAGES };
  }

  #front(): Pending | undefined {
    return this.#queue[this.#head];
  }

  #dropFront(): void {
    this.#queue[this.#head++] = undefined;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * A refusal librelp answers (`500 ...`), after the responses owed before it; then the session
   * ends, with the refusal as its error (`code`, the frame's `offset`) for the server to count and log.
   */
  #refuse(
    frame: RelpFrame,
    offset: number,
    response: string,
    code: RelpErrorCode,
    reason: string,
  ): RelpServerStep {
    const txnr = frame.txnr;
    this.#queue.push({
      txnr,
      response: encodeRelpFrame(
        txnr,
        'rsp',
        encodeRelpResponse(Number(response.slice(0, 3)), response.slice(4)),
      ),
    });
    // Earlier messages still with the application are not answered: the client resends them.
    const send: Buffer[] = [];
    for (let p = this.#front(); p?.response !== undefined; p = this.#front()) {
      this.#dropFront();
      send.push(p.response);
    }
    const error = new RelpProtocolError(code, `${reason}: answered ${response}`, offset, txnr);
    const end = this.#end(error.message);
    return { send: [...send, ...end.send], messages: [], close: { reason: error.message, error } };
  }

  #protocolError(code: RelpErrorCode, message: string, offset: number, txnr: number): RelpServerStep {
    const error = new RelpProtocolError(code, message, offset, txnr);
    const end = this.#end(error.message);
    return { send: end.send, messages: [], close: { reason: error.message, error } };
  }

  #end(reason: string): RelpServerStep {
    const wasOpen = this.#state !== 'closed';
    this.#state = 'closed';
    this.#queue.length = 0;
    this.#head = 0;
    this.#byTxnr.clear();
    return { send: wasOpen ? [SERVERCLOSE] : [], messages: [], close: { reason } };
  }
}

/** librelp's RELP_RET_INVALID_OFFER (RELPERR_BASE 10000 + 21), as its "500 error N on connect" names it. */
const RELP_RET_INVALID_OFFER = 10021;
