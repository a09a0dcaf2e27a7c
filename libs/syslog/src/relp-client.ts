/**
 * A RELP client (rsyslog's `omrelp` counterpart) over TCP or TLS: {@link RelpClientSession} on a
 * socket, reconnecting on loss.
 *
 * `send(message)` resolves once the server answered `200 OK`, rejects with RelpRejectedError when
 * it answered another code (final, as in librelp). A lost connection loses nothing: the client
 * reconnects (after `retryMs`, doubling up to `retryMaxMs`), opens a new session and resends
 * every unanswered message first, in order, with new TXNRs, so the server may see a message
 * twice, never miss one. At most `windowSize` messages are on the wire unanswered; more wait in
 * the client, in order. `close()` waits for every answer, then closes the session.
 */
import net from 'node:net';
import tls from 'node:tls';
import { setLongTimeout, type Timer } from '@drover/timers';
import { type MessageId, RelpClientSession, type RelpClientStep } from './relp/client-session.js';
import { RelpFrameDecoder, RelpProtocolError } from './relp/frame.js';

export interface RelpClientOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (librelp has no STARTTLS). */
  readonly tls?: {
    readonly ca?: Buffer | string;
    readonly cert?: Buffer | string;
    readonly key?: Buffer | string;
    readonly servername?: string;
    /** Default true. */
    readonly rejectUnauthorized?: boolean;
  };
  /** Default 128 (librelp's). */
  readonly windowSize?: number;
  readonly retryMs?: number;
  readonly retryMaxMs?: number;
  readonly software?: string;
  /** Connection or session trouble, for logs (the client retries by itself). */
  onError?(err: Error): void;
}

/** The server answered a message with a code other than 200: it will not be resent. */
export class RelpRejectedError extends Error {
  override readonly name = 'RelpRejectedError';
  readonly code: number;
  constructor(code: number, message: string) {
    super(`RELP server answered ${code} ${message}`);
    this.code = code;
  }
}

export class RelpClient {
  readonly #options: RelpClientOptions;
  readonly #session: RelpClientSession;
  readonly #waiters = new Map<MessageId, { resolve: () => void; reject: (err: Error) => void }>();
  #socket: net.Socket | undefined;
  #out: Buffer[] = [];
  #decoder = new RelpFrameDecoder();
  #retryMs: number;
  #timer: Timer | undefined;
  #closing: (() => void) | undefined;
  #stopped = false;
  /** Sessions opened so far (1 + reconnections). */
  sessions = 0;

  constructor(options: RelpClientOptions) {
    this.#options = options;
    this.#session = new RelpClientSession({
      ...(options.windowSize === undefined ? {} : { windowSize: options.windowSize }),
      ...(options.software === undefined ? {} : { software: options.software }),
    });
    this.#retryMs = options.retryMs ?? 200;
    this.#connect();
  }

  /** Messages sent or waiting, not yet answered. */
  get unacknowledged(): number {
    return this.#session.unacknowledged;
  }

  send(message: Buffer | string): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('RELP client is closed'));
    const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    const { id, send } = this.#session.send(data);
    const done = new Promise<void>((resolve, reject) => this.#waiters.set(id, { resolve, reject }));
    this.#write(send);
    return done;
  }

  /** Waits for every answer, closes the session and the connection. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    await new Promise<void>((resolve) => {
      this.#closing = resolve;
      if (this.#session.state === 'open') this.#write(this.#session.close());
    });
    this.#shutdown();
  }

  /** Drops the connection now; unanswered messages are rejected. */
  destroy(): void {
    this.#shutdown();
    for (const w of this.#waiters.values()) w.reject(new Error('RELP client destroyed'));
    this.#waiters.clear();
  }

  #shutdown(): void {
    this.#stopped = true;
    this.#timer?.clear();
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #connect(): void {
    if (this.#stopped) return;
    const o = this.#options;
    const socket =
      o.tls === undefined
        ? net.connect({ host: o.host, port: o.port })
        : tls.connect({
            host: o.host,
            port: o.port,
            ...(o.tls.ca === undefined ? {} : { ca: o.tls.ca }),
            ...(o.tls.cert === undefined ? {} : { cert: o.tls.cert }),
            ...(o.tls.key === undefined ? {} : { key: o.tls.key }),
            servername: o.tls.servername ?? o.host,
            rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
          });
    this.#socket = socket;
    this.#out = []; // frames meant for the lost connection: the new session resends what matters
    this.#decoder = new RelpFrameDecoder();
    socket.setNoDelay(true);
    socket.once(o.tls === undefined ? 'connect' : 'secureConnect', () => {
      this.sessions++;
      this.#write(this.#session.connect());
    });
    socket.on('data', (chunk: Buffer) => this.#data(socket, chunk));
    socket.on('error', (err) => this.#options.onError?.(err));
    socket.on('close', () => this.#lost(socket));
  }

  #data(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.#socket) return;
    let frames: ReturnType<RelpFrameDecoder['push']>;
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof RelpProtocolError)) throw err;
      for (const f of err.before) this.#apply(this.#session.receive(f));
      this.#options.onError?.(err);
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (socket !== this.#socket) return;
      this.#apply(this.#session.receive(f));
    }
  }

  #apply(step: RelpClientStep): void {
    for (const id of step.acked) {
      this.#waiters.get(id)?.resolve();
      this.#waiters.delete(id);
    }
    for (const r of step.rejected) {
      this.#waiters.get(r.id)?.reject(new RelpRejectedError(r.code, r.message));
      this.#waiters.delete(r.id);
    }
    if (step.opened === true) {
      this.#retryMs = this.#options.retryMs ?? 200;
      if (this.#closing !== undefined) {
        this.#write(step.send);
        this.#write(this.#session.close());
        return;
      }
    }
    this.#write(step.send);
    if (step.ended !== undefined) {
      if (this.#closing !== undefined && this.#session.unacknowledged === 0) {
        this.#closing();
        return;
      }
      if (step.ended.error !== undefined) this.#options.onError?.(step.ended.error);
      this.#socket?.destroy();
    }
  }

  /** Frames are gathered and written once per turn of the event loop (one syscall for many). */
  #write(frames: Buffer[]): void {
    if (frames.length === 0) return;
    if (this.#out.length === 0) queueMicrotask(() => this.#flushOut());
    for (const f of frames) this.#out.push(f);
  }

  #flushOut(): void {
    const out = this.#out;
    this.#out = [];
    const socket = this.#socket;
    if (out.length === 0 || socket === undefined || socket.destroyed) return;
    socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  #lost(socket: net.Socket): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#session.disconnected();
    if (this.#stopped) return;
    if (this.#closing !== undefined && this.#session.unacknowledged === 0) {
      this.#closing();
      return;
    }
    this.#timer = setLongTimeout(() => this.#connect(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, this.#options.retryMaxMs ?? 5000);
  }
}
