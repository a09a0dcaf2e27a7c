/**
 * The client side of RELP sessions as a state machine, no I/O (librelp `relpclt.c`,
 * `relpsess.c`; protocols.md §3.3-3.6), the counterpart of {@link RelpServerSession}:
 *
 * - Each session starts with `1 open` offering `relp_version=0`, `relp_software` and
 *   `commands=syslog`; it is ready once the answer is `200` with `relp_version` and
 *   `commands` including `syslog` (else librelp fails with RQD_FEAT_MISSING).
 * - Messages are numbered from 2 on each session and stay unacknowledged until their `rsp`;
 *   at most `windowSize` are outstanding (librelp's default 128).
 * - A lost session (`0 serverclose`, a broken connection) keeps every unacknowledged message: the
 *   next session resends them first, in order, with new TXNRs (`relpSessTryReestablish`). So a
 *   receiver may see duplicates, never a gap.
 * - A response other than 200 to a message is final for it, as in librelp: it is reported
 *   rejected and not resent.
 */
import { encodeRelpFrame, nextTxnr, parseRelpResponse, type RelpFrame, RelpProtocolError } from './frame.js';
import { clientOpenOffers, offeredVersion, parseOffers } from './offers.js';

export const RELP_DEFAULT_WINDOW = 128;

export interface RelpClientSessionOptions {
  readonly software?: string;
  readonly windowSize?: number;
}

/** A message's identity for the caller: its place in the stream of sends (not its TXNR, which changes on resend). */
export type MessageId = number;

export interface RelpClientStep {
  readonly send: Buffer[];
  /** Messages answered 200. */
  readonly acked: MessageId[];
  /** Messages answered with another code (final: not resent). */
  readonly rejected: { readonly id: MessageId; readonly code: number; readonly message: string }[];
  /** The session is ready for messages. */
  readonly opened?: boolean;
  /** The session is over (closed by us or the server, or broken by a protocol error). */
  readonly ended?: { readonly reason: string; readonly error?: RelpProtocolError };
}

interface Outstanding {
  readonly id: MessageId;
  readonly data: Buffer;
}

type State = 'idle' | 'opening' | 'open' | 'closing';

export class RelpClientSession {
  readonly #software: string;
  readonly windowSize: number;
  #state: State = 'idle';
  #txnr = 1;
  #openTxnr = 0;
  #closeTxnr = 0;
  #nextId = 0;
  /** Sent on this session and not answered, by TXNR, in send order. */
  #inFlight = new Map<number, Outstanding>();
  /** Not sent on this session yet (new ones, and those to resend), in order, from `#head`. */
  #waiting: Outstanding[] = [];
  #head = 0;

  constructor(options: RelpClientSessionOptions = {}) {
    this.#software = options.software ?? 'drover';
    this.windowSize = options.windowSize ?? RELP_DEFAULT_WINDOW;
  }

  get state(): State {
    return this.#state;
  }

  /** Messages not yet answered (in flight or waiting). */
  get unacknowledged(): number {
    return this.#inFlight.size + this.#waiting.length - this.#head;
  }

  /** Room in the window. */
  get windowFull(): boolean {
    return this.#inFlight.size >= this.windowSize;
  }

  /** A new connection: the `open` frame. Anything unanswered from an earlier session waits to be resent. */
  connect(): Buffer[] {
    // What the last session left unanswered goes first, in its original order.
    const left = [...this.#inFlight.values()];
    this.#inFlight = new Map();
    this.#waiting = [...left, ...this.#waiting.slice(this.#head)];
    this.#head = 0;
    this.#txnr = 1;
    this.#openTxnr = this.#txnr;
    this.#closeTxnr = 0;
    this.#state = 'opening';
    return [this.#frame('open', clientOpenOffers(this.#software))];
  }

  /** Queues a message; returns its id and the frames that may go now (none while opening or the window is full). */
  send(data: Buffer): { id: MessageId; send: Buffer[] } {
    const id = this.#nextId++;
    this.#waiting.push({ id, data });
    return { id, send: this.#pump() };
  }

  /** Asks the server to close once every message is answered (then the `close` frame goes). */
  close(): Buffer[] {
    if (this.#state !== 'open') return [];
    this.#state = 'closing';
    return this.#maybeClose();
  }

  /** The connection broke: unanswered messages wait for the next session. */
  disconnected(): void {
    this.#state = 'idle';
  }

  receive(frame: RelpFrame, offset = 0): RelpClientStep {
    const acked: MessageId[] = [];
    const rejected: { id: MessageId; code: number; message: string }[] = [];
    if (frame.txnr === 0) {
      if (frame.command === 'serverclose') {
        this.#state = 'idle';
        return { send: [], acked, rejected, ended: { reason: 'server closed the session (serverclose)' } };
      }
      return this.#broken(
        new RelpProtocolError('UNKNOWN_COMMAND', `unknown hint "${frame.command}"`, offset, 0),
      );
    }
    if (frame.command !== 'rsp') {
      return this.#broken(
        new RelpProtocolError('UNKNOWN_COMMAND', `the server sent "${frame.command}"`, offset, frame.txnr),
      );
    }
    let rsp: ReturnType<typeof parseRelpResponse>;
    try {
      rsp = parseRelpResponse(frame.data, offset, frame.txnr);
    } catch (err) {
      return this.#broken(err as RelpProtocolError);
    }
    if (frame.txnr === this.#openTxnr && this.#state === 'opening') {
      const offers = parseOffers(rsp.data, offset, frame.txnr);
      if (rsp.code !== 200) return this.#refused(`open refused: ${rsp.code} ${rsp.message}`);
      if (offeredVersion(offers) === undefined) return this.#refused('open response without relp_version');
      if (!(offers.get('commands') ?? []).includes('syslog')) {
        return this.#refused('the server does not offer commands=syslog');
      }
      this.#state = 'open';
      return { send: this.#pump(), acked, rejected, opened: true };
    }
    if (frame.txnr === this.#closeTxnr && this.#state === 'closing') {
      this.#state = 'idle';
      return { send: [], acked, rejected, ended: { reason: 'closed' } };
    }
    const out = this.#inFlight.get(frame.txnr);
    if (out === undefined) {
      return this.#broken(
        new RelpProtocolError(
          'INVALID_TXNR',
          `response to TXNR ${frame.txnr}, which is not outstanding`,
          offset,
          frame.txnr,
        ),
      );
    }
    this.#inFlight.delete(frame.txnr);
    if (rsp.code === 200) acked.push(out.id);
    else rejected.push({ id: out.id, code: rsp.code, message: rsp.message });
    const send = this.#state === 'closing' ? this.#maybeClose() : this.#pump();
    return { send, acked, rejected };
  }

  #pump(): Buffer[] {
    const send: Buffer[] = [];
    if (this.#state !== 'open') return send;
    while (this.#head < this.#waiting.length && this.#inFlight.size < this.windowSize) {
      const m = this.#waiting[this.#head++] as Outstanding;
      const txnr = this.#txnr;
      send.push(this.#frame('syslog', m.data));
      this.#inFlight.set(txnr, m);
    }
    // An array shift per message is quadratic: drop the sent prefix now and then.
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return send;
  }

  #maybeClose(): Buffer[] {
    const send = this.#pumpWhileClosing();
    if (this.#inFlight.size > 0 || this.#head < this.#waiting.length || this.#closeTxnr !== 0) return send;
    this.#closeTxnr = this.#txnr;
    send.push(this.#frame('close'));
    return send;
  }

  #pumpWhileClosing(): Buffer[] {
    this.#state = 'open';
    const send = this.#pump();
    this.#state = 'closing';
    return send;
  }

  #frame(command: string, data?: Buffer | string): Buffer {
    const frame = encodeRelpFrame(this.#txnr, command, data);
    this.#txnr = nextTxnr(this.#txnr);
    return frame;
  }

  #refused(reason: string): RelpClientStep {
    this.#state = 'idle';
    return { send: [], acked: [], rejected: [], ended: { reason } };
  }

  #broken(error: RelpProtocolError): RelpClientStep {
    this.#state = 'idle';
    return { send: [], acked: [], rejected: [], ended: { reason: error.message, error } };
  }
}
