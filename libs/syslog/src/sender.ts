/**
 * Sending syslog to one server over one connection: plain TCP or TLS with RFC 6587 framing
 * (StreamSender), or RELP (RelpSender). Both say when a message counts as delivered, and fail
 * every message not yet delivered when the connection is lost, so the caller (syslog_output) can
 * send them again, to this server later or to another one.
 *
 * What "delivered" means differs, and it matters:
 * - TCP/TLS: the message was written to the socket (handed to the kernel). The server has not
 *   said anything: if the connection breaks, messages still in the kernel's buffers or the
 *   server's are lost, and a server that crashes loses what it had not stored (RFC 6587 has no
 *   acknowledgement). At-most-once across a connection loss.
 * - RELP: the server answered `rsp 200` to that message (rsyslog: handed to its queue). A lost
 *   connection fails every unanswered message, which is then sent again: at-least-once (the
 *   server may see a message twice).
 */
import net from 'node:net';
import tls from 'node:tls';
import { setLongTimeout } from '@drover/timers';

export interface SenderTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Default true: a server whose certificate does not verify is refused. */
  readonly rejectUnauthorized?: boolean;
}

export interface SenderOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (RFC 5425; librelp has no STARTTLS either). */
  readonly tls?: SenderTls;
  readonly connectTimeoutMs?: number;
}

export type SyslogSendErrorCode = 'CONNECTION' | 'TIMEOUT' | 'REJECTED' | 'TOO_LARGE' | 'CLOSED';

export class SyslogSendError extends Error {
  override readonly name = 'SyslogSendError';
  readonly code: SyslogSendErrorCode;
  /** The server that failed it, host:port. */
  readonly peer: string;

  constructor(code: SyslogSendErrorCode, peer: string, message: string, options?: { cause?: unknown }) {
    super(`${peer}: ${message}`, options);
    this.code = code;
    this.peer = peer;
  }

  /** The server refused this message (it would refuse it again): not worth sending elsewhere. */
  get final(): boolean {
    return this.code === 'REJECTED' || this.code === 'TOO_LARGE';
  }
}

export interface SyslogSender {
  readonly peer: string;
  /** Connected and not closing: send() may be called. */
  readonly usable: boolean;
  /** Messages sent and not yet delivered. */
  readonly pending: number;
  /** Resolves once the message is delivered (see above); rejects with a SyslogSendError. */
  send(message: string | Buffer): Promise<void>;
  /** Called once when the connection is gone (after every pending message was failed). */
  onClose(listener: (err: Error | undefined) => void): void;
  /** Waits for what is pending (at most `timeoutMs`), then closes cleanly. */
  close(timeoutMs?: number): Promise<void>;
  /** Closes now, failing what is pending. */
  destroy(reason?: string): void;
}

/** A connected TCP or TLS socket, or a SyslogSendError naming the peer. */
export function connectSocket(options: SenderOptions): Promise<net.Socket> {
  const peer = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    const t = options.tls;
    const socket =
      t === undefined
        ? net.connect({ host: options.host, port: options.port })
        : tls.connect({
            host: options.host,
            port: options.port,
            servername: net.isIP(options.host) === 0 ? options.host : undefined,
            ...(t.ca === undefined ? {} : { ca: t.ca }),
            ...(t.cert === undefined ? {} : { cert: t.cert }),
            ...(t.key === undefined ? {} : { key: t.key }),
            rejectUnauthorized: t.rejectUnauthorized ?? true,
          });
    const timer = setLongTimeout(() => {
      socket.destroy();
      reject(new SyslogSendError('TIMEOUT', peer, `no connection within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs ?? 5000);
    socket.once(t === undefined ? 'connect' : 'secureConnect', () => {
      timer.clear();
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      resolve(socket);
    });
    socket.once('error', (err) => {
      timer.clear();
      socket.destroy();
      reject(new SyslogSendError('CONNECTION', peer, err.message, { cause: err }));
    });
  });
}
