/**
 * A syslog server over UDP (RFC 5426): one datagram, one message. A trailing LF (with its CR)
 * or NUL is dropped, as senders add them; a message longer than `maxMessageBytes` is truncated,
 * counted (`truncated`) and logged with its peer (once per 10 s: a datagram has no connection to
 * log it once for, and a device sending long messages sends many).
 *
 * UDP has no flow control: while the application holds reading (`hold()`), or refuses a
 * datagram, it is dropped and counted (`dropped`). The kernel's receive buffer (`recvBufferBytes`)
 * absorbs short bursts; past it the kernel drops too (counted by the kernel, `netstat -su`).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type ListenerLogger, noLog, type SyslogPeer } from './listener.js';
import { endWithoutTrailer } from './trailer.js';

export interface UdpServerOptions {
  readonly host: string;
  readonly port: number;
  /** Default 64 KiB (a datagram cannot be longer). */
  readonly maxMessageBytes?: number;
  /** SO_RCVBUF; default: the system's. */
  readonly recvBufferBytes?: number;
  readonly logger?: ListenerLogger;
  /** A datagram's message; return false if it could not be taken (counted as dropped). */
  onMessage(message: Buffer, truncated: boolean, peer: SyslogPeer): boolean;
}

export interface UdpServerStats {
  datagrams: number;
  bytes: number;
  truncated: number;
  dropped: number;
  empty: number;
}

export interface UdpServer {
  readonly port: number;
  readonly stats: Readonly<UdpServerStats>;
  /** Datagrams are dropped (and counted) until the returned release is called. */
  hold(): () => void;
  close(): Promise<void>;
}

export async function startUdpServer(options: UdpServerOptions): Promise<UdpServer> {
  const log = options.logger ?? noLog;
  const max = options.maxMessageBytes ?? 64 * 1024;
  const stats: UdpServerStats = { datagrams: 0, bytes: 0, truncated: 0, dropped: 0, empty: 0 };
  const socket = dgram.createSocket({
    type: isIPv6(options.host) ? 'udp6' : 'udp4',
    ...(options.recvBufferBytes === undefined ? {} : { recvBufferSize: options.recvBufferBytes }),
  });
  let holds = 0;
  let lastDropWarn = 0;
  let lastTruncatedWarn = 0;
  socket.on('message', (msg, rinfo) => {
    stats.datagrams++;
    stats.bytes += msg.length;
    const end = endWithoutTrailer(msg);
    if (end === 0) {
      stats.empty++;
      return;
    }
    const truncated = end > max;
    const peer: SyslogPeer = {
      remoteHost: rinfo.address,
      remotePort: rinfo.port,
      localHost: address.address,
      localPort: address.port,
    };
    if (truncated) {
      stats.truncated++;
      const now = Date.now();
      if (now - lastTruncatedWarn > 10_000) {
        lastTruncatedWarn = now;
        log.warn(
          {
            listener: 'syslog udp',
            peer: `${peer.remoteHost}:${peer.remotePort}`,
            bytes: end,
            maxMessageBytes: max,
            truncated: stats.truncated,
          },
          'UDP message truncated to max_message_bytes (further ones within 10 s are only counted)',
        );
      }
    }
    if (holds > 0 || !options.onMessage(msg.subarray(0, Math.min(end, max)), truncated, peer)) {
      stats.dropped++;
      const now = Date.now();
      if (now - lastDropWarn > 10_000) {
        lastDropWarn = now;
        log.warn(
          { listener: 'syslog udp', dropped: stats.dropped },
          'UDP datagrams dropped: the pipeline is full',
        );
      }
    }
  });
  socket.on('error', (err) => log.warn({ listener: 'syslog udp', err: err.message }, 'UDP socket error'));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const address = socket.address();
  return {
    port: address.port,
    stats,
    hold: () => {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
      };
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
