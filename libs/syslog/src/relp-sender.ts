/**
 * A RELP session to one server (rsyslog's imrelp), over TCP or TLS: `open` with the offers
 * librelp requires, then one `syslog` command per message, each delivered only when the server
 * answered `200`. Another code fails that message for good (REJECTED, as librelp drops a frame
 * answered 500). An answer not received within `ackTimeoutMs`, a `serverclose`, a protocol error
 * or a lost connection close the session and fail every unanswered message (CONNECTION, TIMEOUT):
 * the caller sends them again on a new session, here or to another server (librelp renumbers
 * resent frames as well), so the server may see a message twice, never miss one.
 */
import type net from 'node:net';
import { setLongInterval, sleep, type Timer } from '@drover/timers';
import {
  encodeRelpFrame,
  nextTxnr,
  parseRelpResponse,
  RELP_DEFAULT_MAX_DATA_BYTES,
  type RelpFrame,
  RelpFrameDecoder,
  RelpProtocolError,
} from './relp/frame.js';
import { clientOpenOffers, parseOffers } from './relp/offers.js';
import { connectSocket, type SenderOptions, SyslogSendError, type SyslogSender } from './sender.js';

interface Waiter {
  /** With the answer's command data (the offers of an `open`). */
  readonly resolve: (data: string) => void;
  readonly reject: (err: Error) => void;
  readonly sentAt: number;
}

export interface RelpSenderOptions extends SenderOptions {
  /** How long the server may take to answer one command (default 30 s, librelp's open timeout is 90 s). */
  readonly ackTimeoutMs?: number;
  /** Default RELP_DEFAULT_MAX_DATA_BYTES (librelp's 128 KiB): bigger messages are refused (TOO_LARGE). */
  readonly maxMessageBytes?: number;
  readonly software?: string;
}

export class RelpSender implements SyslogSender {
  readonly peer: string;
  readonly #socket: net.Socket;
  readonly #decoder = new RelpFrameDecoder();
  /** Unanswered commands in TXNR order (the server answers in command order). */
  readonly #waiting = new Map<number, Waiter>();
  readonly #closeListeners: ((err: Error | undefined) => void)[] = [];
  readonly #ackTimeoutMs: number;
  readonly #maxMessageBytes: number;
  #txnr = 1;
  #corked = false;
  #closing = false;
  #closed = false;
  #error: Error | undefined;
  #watchdog: Timer | undefined;

  private constructor(socket: net.Socket, peer: string, options: RelpSenderOptions) {
    this.#socket = socket;
    this.peer = peer;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.#maxMessageBytes = options.maxMessageBytes ?? RELP_DEFAULT_MAX_DATA_BYTES;
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', (err) => {
      this.#error ??= err;
    });
    socket.on('close', () => this.#lost());
  }

  /** Connects, opens the session and checks the server's offers; rejects with a SyslogSendError. */
  static async connect(options: RelpSenderOptions): Promise<RelpSender> {
    const socket = await connectSocket(options);
    const sender = new RelpSender(socket, `${options.host}:${options.port}`, options);
    const offers = await sender
      .#command('open', Buffer.from(clientOpenOffers(options.software ?? 'drover'), 'utf8'))
      .catch((err: unknown) => {
        sender.destroy();
        throw err;
      });
    const commands = parseOffers(offers).get('commands') ?? [];
    if (!commands.includes('syslog')) {
      sender.destroy();
      throw new SyslogSendError(
        'REJECTED',
        sender.peer,
        `the server does not offer the syslog command (${offers})`,
      );
    }
    return sender;
  }

  get usable(): boolean {
    return !this.#closing && !this.#closed;
  }

  get pending(): number {
    return this.#waiting.size;
  }

  async send(message: string | Buffer): Promise<void> {
    if (!this.usable) throw new SyslogSendError('CLOSED', this.peer, 'session closed');
    const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    if (data.length > this.#maxMessageBytes) {
      throw new SyslogSendError(
        'TOO_LARGE',
        this.peer,
        `message of ${data.length} bytes over ${this.#maxMessageBytes}`,
      );
    }
    await this.#command('syslog', data);
  }

  /** Sends one command; resolves with the answer's command data when it is 200. */
  #command(command: string, data: Buffer): Promise<string> {
    const txnr = this.#txnr;
    this.#txnr = nextTxnr(txnr);
    const frame = encodeRelpFrame(txnr, command, data);
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#watchdog ??= setLongInterval(
      () => this.#checkTimeouts(),
      Math.min(1000, this.#ackTimeoutMs / 4),
    ).unref();
    return new Promise<string>((resolve, reject) => {
      this.#waiting.set(txnr, { resolve, reject, sentAt: Date.now() });
      this.#socket.write(frame);
    });
  }

  #data(chunk: Buffer): void {
    let frames: RelpFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#error ??= err as Error;
      this.#socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.command === 'serverclose') {
        this.#error ??= new Error('the server closed the session (serverclose)');
        this.#socket.destroy();
        return;
      }
      const waiter = frame.command === 'rsp' ? this.#waiting.get(frame.txnr) : undefined;
      if (waiter === undefined) {
        this.#error ??= new RelpProtocolError(
          'INVALID_RSP',
          `unexpected ${frame.command} for TXNR ${frame.txnr}`,
          0,
          frame.txnr,
        );
        this.#socket.destroy();
        return;
      }
      this.#waiting.delete(frame.txnr);
      let answer: ReturnType<typeof parseRelpResponse>;
      try {
        answer = parseRelpResponse(frame.data, 0, frame.txnr);
      } catch (err) {
        waiter.reject(new SyslogSendError('CONNECTION', this.peer, (err as Error).message));
        this.#error ??= err as Error;
        this.#socket.destroy();
        return;
      }
      if (answer.code === 200) waiter.resolve(answer.data);
      else
        waiter.reject(
          new SyslogSendError('REJECTED', this.peer, `answered ${answer.code} ${answer.message}`),
        );
    }
    if (this.#waiting.size === 0 && this.#watchdog !== undefined) {
      this.#watchdog.clear();
      this.#watchdog = undefined;
    }
  }

  #checkTimeouts(): void {
    const oldest = this.#waiting.values().next().value as Waiter | undefined;
    if (oldest !== undefined && Date.now() - oldest.sentAt > this.#ackTimeoutMs) {
      this.#error ??= new SyslogSendError('TIMEOUT', this.peer, `no answer within ${this.#ackTimeoutMs} ms`);
      this.#socket.destroy();
    }
  }

  onClose(listener: (err: Error | undefined) => void): void {
    if (this.#closed) listener(this.#error);
    else this.#closeListeners.push(listener);
  }

  #lost(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchdog?.clear();
    const cause = this.#error;
    const error =
      cause instanceof SyslogSendError
        ? cause
        : new SyslogSendError(
            'CONNECTION',
            this.peer,
            cause === undefined ? 'connection closed' : `session lost: ${cause.message}`,
            { cause },
          );
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
    for (const listener of this.#closeListeners.splice(0)) listener(cause);
  }

  /** Waits (at most `timeoutMs`) for the answers still due, sends `close`, and ends the connection. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    const deadline = Date.now() + timeoutMs;
    while (this.#waiting.size > 0 && !this.#closed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    if (!this.#closed) {
      const closed = this.#command('close', Buffer.alloc(0)).catch(() => '');
      await Promise.race([closed, sleep(Math.max(0, deadline - Date.now()))]);
    }
    this.#socket.destroy();
  }

  destroy(reason = 'destroyed'): void {
    this.#error ??= new Error(reason);
    this.#socket.destroy();
  }
}
