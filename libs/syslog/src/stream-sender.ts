/**
 * Syslog over plain TCP or TLS (RFC 6587, RFC 5425): one connection, messages framed and written;
 * a message is delivered once written to the socket (see sender.ts for what that does not
 * promise). Writes made in one event-loop turn go out together (cork/uncork).
 */
import type net from 'node:net';
import { setLongTimeout } from '@drover/timers';
import { connectSocket, type SenderOptions, SyslogSendError, type SyslogSender } from './sender.js';

export type StreamFraming = 'octet_counting' | 'lf';

/**
 * One frame: octet counting (RFC 6587 §3.4.1, `LEN SP MSG`; RFC 5425 requires it over TLS), or
 * non-transparent framing (§3.4.2, `MSG LF`), where an LF inside the message would end the frame
 * early: it is written `#012`, as rsyslog writes control characters it escapes.
 */
export function frameMessage(message: string | Buffer, framing: StreamFraming): Buffer {
  let body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (framing === 'octet_counting') {
    const head = Buffer.from(`${body.length} `, 'latin1');
    return Buffer.concat([head, body], head.length + body.length);
  }
  if (body.includes(0x0a)) body = Buffer.from(body.toString('utf8').replaceAll('\n', '#012'), 'utf8');
  return Buffer.concat([body, LF], body.length + 1);
}

const LF = Buffer.from([0x0a]);

export class StreamSender implements SyslogSender {
  readonly peer: string;
  readonly #socket: net.Socket;
  readonly #framing: StreamFraming;
  readonly #maxMessageBytes: number;
  readonly #waiting = new Set<(err: Error) => void>();
  readonly #closeListeners: ((err: Error | undefined) => void)[] = [];
  #corked = false;
  #closing = false;
  #closed = false;
  #error: Error | undefined;

  private constructor(socket: net.Socket, peer: string, framing: StreamFraming, maxMessageBytes: number) {
    this.#socket = socket;
    this.peer = peer;
    this.#framing = framing;
    this.#maxMessageBytes = maxMessageBytes;
    socket.on('error', (err) => {
      this.#error ??= err;
    });
    // A syslog server sends nothing: data is ignored, its end (FIN) closes the connection.
    socket.on('data', () => {});
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.#lost());
  }

  /**
   * Connects to `host:port` (TLS when `tls` is given). `maxMessageBytes` (default 64 KiB, rsyslog's
   * usual maxMessageSize) refuses bigger messages rather than have the server cut them.
   */
  static async connect(
    options: SenderOptions & { readonly framing: StreamFraming; readonly maxMessageBytes?: number },
  ): Promise<StreamSender> {
    const socket = await connectSocket(options);
    return new StreamSender(
      socket,
      `${options.host}:${options.port}`,
      options.framing,
      options.maxMessageBytes ?? 64 * 1024,
    );
  }

  get usable(): boolean {
    return !this.#closing && !this.#closed;
  }

  get pending(): number {
    return this.#waiting.size;
  }

  send(message: string | Buffer): Promise<void> {
    if (!this.usable) return Promise.reject(new SyslogSendError('CLOSED', this.peer, 'connection closed'));
    const frame = frameMessage(message, this.#framing);
    if (frame.length > this.#maxMessageBytes) {
      return Promise.reject(
        new SyslogSendError(
          'TOO_LARGE',
          this.peer,
          `message of ${frame.length} bytes over ${this.#maxMessageBytes}`,
        ),
      );
    }
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.add(reject);
      this.#socket.write(frame, (err) => {
        if (!this.#waiting.delete(reject)) return;
        if (err === undefined || err === null) resolve();
        else
          reject(
            new SyslogSendError('CONNECTION', this.peer, `write failed: ${err.message}`, { cause: err }),
          );
      });
    });
  }

  onClose(listener: (err: Error | undefined) => void): void {
    if (this.#closed) listener(this.#error);
    else this.#closeListeners.push(listener);
  }

  #lost(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = new SyslogSendError(
      'CONNECTION',
      this.peer,
      this.#error === undefined ? 'connection closed' : `connection lost: ${this.#error.message}`,
    );
    for (const reject of this.#waiting) reject(error);
    this.#waiting.clear();
    for (const listener of this.#closeListeners.splice(0)) listener(this.#error);
  }

  async close(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    await new Promise<void>((resolve) => {
      const timer = setLongTimeout(() => {
        this.#socket.destroy();
        resolve();
      }, timeoutMs);
      this.#socket.once('close', () => {
        timer.clear();
        resolve();
      });
      this.#socket.end();
    });
  }

  destroy(reason = 'destroyed'): void {
    this.#error ??= new Error(reason);
    this.#socket.destroy();
  }
}
