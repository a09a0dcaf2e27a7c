/**
 * A RELP server (rsyslog's `imrelp` counterpart) over TCP or TLS, for librelp clients such as
 * rsyslog's `omrelp`: {@link RelpFrameDecoder} and {@link RelpServerSession} on a socket.
 *
 * - Each `syslog` message goes to `onMessage` with a `done`, without a trailing LF, CRLF or NUL
 *   (trailer.ts: rsyslog's imrelp drops it too; omrelp sends none, other clients may); its
 *   `rsp 200 OK` is written once `done.ack()` is called, in TXNR order. `done.fail()` closes the session unanswered, so the
 *   client resends (see RelpServerSession on why not `500`).
 * - At most `maxUnanswered` messages per connection wait for their `done`: past it the socket
 *   stops being read (librelp's window is 128; a client that does not keep to a window waits in
 *   its own buffers, not in our memory). `hold()` stops reading every connection.
 * - A malformed frame, a bad TXNR or an oversize frame (`maxDataBytes`, librelp's default
 *   "abort") ends that session: `0 serverclose 0`, then close; counted, logged with the peer.
 * - A connection idle for `idleTimeoutMs` with nothing unanswered is closed with `serverclose`.
 */
import type net from 'node:net';
import {
  type ConnectionHandler,
  type Listener,
  type ListenerContext,
  type ListenerLogger,
  type ListenerStats,
  type ListenerTls,
  listen,
  noLog,
  type SyslogPeer,
  withListenerStats,
} from './listener.js';
import { RELP_DEFAULT_MAX_DATA_BYTES, RelpFrameDecoder, RelpProtocolError } from './relp/frame.js';
import { RelpServerSession, type RelpServerStep } from './relp/server-session.js';
import { endWithoutTrailer } from './trailer.js';

export interface RelpDone {
  /** The message is safe downstream: answer `200 OK` (in TXNR order). */
  ack(): void;
  /** It cannot be: end the session unanswered, so the client resends it. */
  fail(reason: string): void;
}

export interface RelpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: ListenerTls;
  /** DATA above this ends the session (librelp: 128 KiB). */
  readonly maxDataBytes?: number;
  /** Messages per connection awaiting `done` before reading stops. Default 1024. */
  readonly maxUnanswered?: number;
  readonly idleTimeoutMs?: number;
  readonly maxConnections?: number;
  /** `relp_software` in the open response. */
  readonly software?: string;
  readonly logger?: ListenerLogger;
  onMessage(message: Buffer, peer: SyslogPeer, done: RelpDone): void;
}

export interface RelpServerStats extends ListenerStats {
  sessions: number;
  messages: number;
  acked: number;
  failedSessions: number;
  protocolErrors: number;
  idleClosed: number;
}

export interface RelpServer {
  readonly port: number;
  readonly stats: Readonly<RelpServerStats>;
  hold(): () => void;
  close(graceMs?: number): Promise<void>;
}

type Counters = Omit<RelpServerStats, keyof ListenerStats>;

export async function startRelpServer(options: RelpServerOptions): Promise<RelpServer> {
  const log = options.logger ?? noLog;
  const label = options.tls === undefined ? 'relp' : 'relp tls';
  const counters: Counters = {
    sessions: 0,
    messages: 0,
    acked: 0,
    failedSessions: 0,
    protocolErrors: 0,
    idleClosed: 0,
  };
  const listener: Listener = await listen(
    {
      host: options.host,
      port: options.port,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      maxConnections: options.maxConnections ?? 512,
      logger: log,
      label,
    },
    (socket, peer, ctx) => new RelpConnection(socket, peer, ctx, options, counters, log, label),
  );
  return {
    port: listener.port,
    stats: withListenerStats(counters, listener),
    hold: listener.hold,
    close: listener.close,
  };
}

class RelpConnection implements ConnectionHandler {
  readonly #socket: net.Socket;
  readonly #peer: SyslogPeer;
  readonly #ctx: ListenerContext;
  readonly #options: RelpServerOptions;
  readonly #counters: Counters;
  readonly #log: ListenerLogger;
  readonly #label: string;
  readonly #decoder: RelpFrameDecoder;
  readonly #session: RelpServerSession;
  readonly #maxUnanswered: number;
  #offset = 0;
  #out: Buffer[] = [];
  #closed = false;
  #draining = false;

  constructor(
    socket: net.Socket,
    peer: SyslogPeer,
    ctx: ListenerContext,
    options: RelpServerOptions,
    counters: Counters,
    log: ListenerLogger,
    label: string,
  ) {
    this.#socket = socket;
    this.#peer = peer;
    this.#ctx = ctx;
    this.#options = options;
    this.#counters = counters;
    this.#log = log;
    this.#label = label;
    this.#decoder = new RelpFrameDecoder({
      maxDataBytes: options.maxDataBytes ?? RELP_DEFAULT_MAX_DATA_BYTES,
    });
    this.#session = new RelpServerSession(
      options.software === undefined ? {} : { software: options.software },
    );
    this.#maxUnanswered = options.maxUnanswered ?? 1024;
    counters.sessions++;
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
      if (this.#session.unanswered === 0 && this.#decoder.idle && !socket.isPaused()) {
        this.#counters.idleClosed++;
        this.#apply(this.#session.serverClose('idle'));
      }
    });
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('end', () => this.destroy('client ended the connection'));
    socket.on('close', () => {
      this.#closed = true;
    });
    this.flow();
  }

  get #name(): string {
    return `${this.#peer.remoteHost}:${this.#peer.remotePort}`;
  }

  #data(chunk: Buffer): void {
    if (this.#closed) return;
    const at = this.#offset;
    this.#offset += chunk.length;
    let frames: ReturnType<RelpFrameDecoder['push']>;
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof RelpProtocolError)) throw err;
      // The frames before the bad one count (their messages may still be answered before the end).
      for (const frame of err.before) if (!this.#closed) this.#apply(this.#session.receive(frame, at));
      this.#protocolError(err);
      return;
    }
    for (const frame of frames) {
      if (this.#closed) return;
      this.#apply(this.#session.receive(frame, at));
    }
    this.flow();
  }

  /** Responses are gathered and written once per turn of the event loop (one syscall for many). */
  #write(frames: Buffer[]): void {
    if (frames.length === 0) return;
    if (this.#out.length === 0) queueMicrotask(() => this.#flushOut());
    for (const f of frames) this.#out.push(f);
  }

  #flushOut(): void {
    const out = this.#out;
    this.#out = [];
    if (out.length === 0 || this.#socket.destroyed) return;
    this.#socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  #apply(step: RelpServerStep): void {
    if (this.#closed) return;
    this.#write(step.send);
    for (const m of step.messages) {
      this.#counters.messages++;
      const end = endWithoutTrailer(m.data);
      const data = end === m.data.length ? m.data : m.data.subarray(0, end);
      this.#options.onMessage(data, this.#peer, new MessageDone(this, m.txnr));
    }
    if (step.close !== undefined) {
      if (step.close.error !== undefined) this.#protocolError(step.close.error, false);
      this.#closed = true;
      this.#flushOut();
      this.#socket.end();
      // A client that does not close its side is not waited for.
      setTimeout(() => this.#socket.destroy(), 5000).unref();
    }
  }

  /** The application took the message of `txnr` (MessageDone, once). */
  acked(txnr: number): void {
    this.#counters.acked++;
    this.#apply(this.#session.confirm(txnr));
    if (this.#draining && this.#session.unanswered === 0) this.#apply(this.#session.serverClose('shutdown'));
    this.flow();
  }

  /** The application could not take the message of `txnr` (MessageDone, once). */
  failed(txnr: number, reason: string): void {
    if (this.#closed) return;
    this.#counters.failedSessions++;
    this.#log.warn(
      { listener: this.#label, peer: this.#name, txnr, reason },
      'RELP message failed: closing the session unanswered (the client resends)',
    );
    this.#apply(this.#session.fail(txnr, reason));
  }

  #protocolError(err: RelpProtocolError, close = true): void {
    this.#counters.protocolErrors++;
    this.#log.warn(
      { listener: this.#label, peer: this.#name, code: err.code, err: err.message },
      'RELP protocol error: closing the session',
    );
    if (close) this.#apply(this.#session.serverClose(err.message));
  }

  flow(): void {
    if (this.#closed) return;
    if (this.#ctx.held() || this.#draining || this.#session.unanswered >= this.#maxUnanswered)
      this.#socket.pause();
    else if (this.#socket.isPaused()) this.#socket.resume();
  }

  drain(): void {
    // Stop reading; what is unanswered may still be confirmed until the grace runs out. Then the
    // session ends (serverclose) and whatever is still unanswered is resent by the client.
    this.#draining = true;
    this.#socket.pause();
    if (this.#session.unanswered === 0) this.#apply(this.#session.serverClose('shutdown'));
  }

  destroy(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#log.info({ listener: this.#label, peer: this.#name, reason }, 'closing RELP session');
    this.#socket.destroy();
  }
}

/** The `done` of one message: the first of `ack` / `fail` counts, later calls do nothing. */
class MessageDone implements RelpDone {
  readonly #connection: RelpConnection;
  readonly #txnr: number;
  #settled = false;

  constructor(connection: RelpConnection, txnr: number) {
    this.#connection = connection;
    this.#txnr = txnr;
  }

  ack(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#connection.acked(this.#txnr);
  }

  fail(reason: string): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#connection.failed(this.#txnr, reason);
  }
}
