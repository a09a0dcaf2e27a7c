/**
 * A Lumberjack sender connection (protocols.md §1.3, §1.7): one window at a time, acknowledged
 * when an ACK reaches the window's last seq. ACK 0 keepalives and partial ACKs count as progress:
 * each one restarts the ACK deadline (as go-lumber's client does); no progress within
 * `ackTimeoutMs`, or the connection closing, fails the window so the caller resends it
 * (perhaps elsewhere). The failure says how many of the window's first events a partial ACK
 * confirmed (`LumberjackClientError.acked`), so only the rest need resending (go-lumber forgets a
 * partial ACK on error and resends the whole window: protocols.md §1.3).
 */
import net from 'node:net';
import tls from 'node:tls';
import { setLongTimeout, type Timer } from '@drover/timers';
import { encodeWindow } from './encoder.js';
import { decodeAck } from './frames.js';

export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: {
    readonly ca?: Buffer | string;
    readonly cert?: Buffer | string;
    readonly key?: Buffer | string;
    readonly servername?: string;
    readonly rejectUnauthorized?: boolean;
  };
  readonly connectTimeoutMs?: number;
  readonly ackTimeoutMs?: number;
  readonly compressionLevel?: number;
}

export class LumberjackClientError extends Error {
  override readonly name = 'LumberjackClientError';
  /** Of the failed window, how many events (its first ones) the receiver acknowledged. */
  readonly acked: number;

  constructor(message: string, acked = 0) {
    super(message);
    this.acked = acked;
  }
}

export class LumberjackConnection {
  readonly #socket: net.Socket;
  readonly #options: ClientOptions;
  #buf: Buffer = Buffer.alloc(0);
  #waiting:
    | {
        expect: number;
        /** The highest seq a partial ACK confirmed. */
        acked: number;
        resolve: () => void;
        reject: (e: Error) => void;
        timer: Timer;
      }
    | undefined;
  #closed: Error | undefined;

  private constructor(socket: net.Socket, options: ClientOptions) {
    this.#socket = socket;
    this.#options = options;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.#data(d));
    socket.on('error', (err) => this.#fail(new LumberjackClientError(`${this.name}: ${err.message}`)));
    socket.on('close', () => this.#fail(new LumberjackClientError(`${this.name}: connection closed`)));
  }

  get name(): string {
    return `${this.#options.host}:${this.#options.port}`;
  }

  get usable(): boolean {
    return this.#closed === undefined && this.#waiting === undefined;
  }

  static connect(options: ClientOptions): Promise<LumberjackConnection> {
    return new Promise((resolve, reject) => {
      const t = options.tls;
      const socket =
        t === undefined
          ? net.connect(options.port, options.host)
          : tls.connect({
              host: options.host,
              port: options.port,
              ...(t.ca === undefined ? {} : { ca: t.ca }),
              ...(t.cert === undefined ? {} : { cert: t.cert }),
              ...(t.key === undefined ? {} : { key: t.key }),
              ...(t.servername === undefined ? {} : { servername: t.servername }),
              rejectUnauthorized: t.rejectUnauthorized ?? true,
            });
      const timer = setLongTimeout(() => {
        socket.destroy();
        reject(new LumberjackClientError(`${options.host}:${options.port}: connect timed out`));
      }, options.connectTimeoutMs ?? 5000);
      socket.once(t === undefined ? 'connect' : 'secureConnect', () => {
        timer.clear();
        socket.removeAllListeners('error');
        resolve(new LumberjackConnection(socket, options));
      });
      socket.once('error', (err) => {
        timer.clear();
        reject(new LumberjackClientError(`${options.host}:${options.port}: ${err.message}`));
      });
    });
  }

  /** Sends one window; resolves once it is fully acknowledged. */
  send(events: readonly unknown[]): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#waiting !== undefined)
      return Promise.reject(new LumberjackClientError(`${this.name}: a window is already in flight`));
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiting = { expect: events.length, acked: 0, resolve, reject, timer: this.#deadline() };
      this.#socket.write(encodeWindow(events, { compressionLevel: this.#options.compressionLevel ?? 3 }));
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #deadline(): Timer {
    const ms = this.#options.ackTimeoutMs ?? 30_000;
    return setLongTimeout(() => {
      this.#fail(new LumberjackClientError(`${this.name}: no ACK progress within ${ms} ms`));
      this.#socket.destroy();
    }, ms);
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      let ack: { seq: number } | undefined;
      try {
        ack = decodeAck(this.#buf);
      } catch (err) {
        this.#fail(new LumberjackClientError(`${this.name}: ${(err as Error).message}`));
        this.#socket.destroy();
        return;
      }
      if (ack === undefined) return;
      this.#buf = this.#buf.subarray(6);
      const w = this.#waiting;
      if (w === undefined) continue;
      w.timer.clear();
      if (ack.seq >= w.expect) {
        this.#waiting = undefined;
        w.resolve();
      } else {
        if (ack.seq > w.acked) w.acked = ack.seq; // a partial ACK: these events are safe
        w.timer = this.#deadline(); // keepalive or partial ACK: progress
      }
    }
  }

  #fail(err: Error): void {
    this.#closed ??= err;
    const w = this.#waiting;
    this.#waiting = undefined;
    if (w !== undefined) {
      w.timer.clear();
      w.reject(
        w.acked > 0 ? new LumberjackClientError(`${err.message} (${w.acked} acknowledged)`, w.acked) : err,
      );
    }
  }
}
