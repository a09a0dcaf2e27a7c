/**
 * What every stream listener of the syslog servers shares (plain TCP, TLS, RELP): listening,
 * the connection cap, TLS with optional or required client certificates, the peer's identity,
 * holding every connection's reads while the application's downstream is full, and closing.
 * The protocol of each connection is the caller's ({@link ConnectionHandler}).
 */
import net from 'node:net';
import tls from 'node:tls';
import { setLongTimeout } from '@drover/timers';

/** TLS settings of a listener (the same as `lumberjack_input`'s). */
export interface ListenerTls {
  readonly key: Buffer | string;
  readonly cert: Buffer | string;
  /** CA bundle for client certificates. */
  readonly ca?: Buffer | string;
  /** `required`: a connection without a certificate the CA signed is refused (logged with the peer). */
  readonly clientAuth?: 'none' | 'optional' | 'required';
}

/** Where a message came from. */
export interface SyslogPeer {
  readonly remoteHost: string;
  readonly remotePort: number;
  readonly localHost: string;
  readonly localPort: number;
  /** The verified client certificate's subject (`CN=collector-1, O=...`), with mutual TLS. */
  readonly tlsSubject?: string;
}

export interface ListenerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const noLog: ListenerLogger = { info: () => {}, warn: () => {} };

/** One connection's protocol, driven by the listener. */
export interface ConnectionHandler {
  /** Pause or resume reading according to the handler's own state and `held()`. */
  flow(): void;
  /** Stop reading; end the connection once nothing is owed to the peer. */
  drain(): void;
  destroy(reason: string): void;
}

export interface ListenerContext {
  /** True while the application holds reading (its downstream is full). */
  held(): boolean;
}

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: ListenerTls;
  /** Connections past this many are refused (the kernel's backlog keeps them waiting). */
  readonly maxConnections: number;
  readonly logger?: ListenerLogger;
  /** For log records: `syslog tcp`, `relp`... */
  readonly label: string;
}

export interface ListenerStats {
  connections: number;
  openConnections: number;
  refusedConnections: number;
}

export interface Listener {
  readonly port: number;
  readonly stats: Readonly<ListenerStats>;
  /** Stops reading on every connection until the returned release is called (each hold released once). */
  hold(): () => void;
  /** Stops accepting; drains every connection; destroys what is left after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(
  options: ListenerOptions,
  accept: (socket: net.Socket, peer: SyslogPeer, ctx: ListenerContext) => ConnectionHandler,
): Promise<Listener> {
  const stats: ListenerStats = { connections: 0, openConnections: 0, refusedConnections: 0 };
  const log = options.logger ?? noLog;
  const handlers = new Set<ConnectionHandler>();
  let holds = 0;
  const ctx: ListenerContext = { held: () => holds > 0 };
  const onSocket = (socket: net.Socket) => {
    if (options.tls?.clientAuth === 'required' && socket instanceof tls.TLSSocket && !socket.authorized) {
      // Checked here rather than by the TLS layer, which hangs up without saying who or why.
      const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      stats.refusedConnections++;
      log.warn(
        {
          listener: options.label,
          peer: `${socket.remoteAddress}:${socket.remotePort}`,
          err: presented ? String(socket.authorizationError) : 'no client certificate',
        },
        'TLS client refused: no valid client certificate',
      );
      socket.destroy();
      return;
    }
    stats.connections++;
    stats.openConnections++;
    socket.on('error', () => {}); // reported by the handler as a close
    const handler = accept(socket, peerOf(socket), ctx);
    handlers.add(handler);
    socket.once('close', () => {
      stats.openConnections--;
      handlers.delete(handler);
    });
  };
  const t = options.tls;
  const server =
    t === undefined
      ? net.createServer(onSocket)
      : tls.createServer(
          {
            key: t.key,
            cert: t.cert,
            ...(t.ca === undefined ? {} : { ca: t.ca }),
            requestCert: (t.clientAuth ?? 'none') !== 'none',
            rejectUnauthorized: false, // 'required' is enforced in onSocket, with the peer logged
            minVersion: 'TLSv1.2',
          },
          onSocket,
        );
  server.maxConnections = options.maxConnections;
  server.on('drop', (data) => {
    stats.refusedConnections++;
    log.warn(
      {
        listener: options.label,
        peer: `${data?.remoteAddress}:${data?.remotePort}`,
        max: server.maxConnections,
      },
      'connection refused: too many connections',
    );
  });
  server.on('tlsClientError', (err, socket) => {
    log.warn(
      { listener: options.label, err: err.message, peer: `${socket.remoteAddress}:${socket.remotePort}` },
      'TLS handshake refused',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    stats,
    hold: () => {
      holds++;
      if (holds === 1) for (const h of handlers) h.flow();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        if (holds === 0) for (const h of handlers) h.flow();
      };
    },
    close: async (graceMs = 5000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const h of handlers) h.drain();
      const deadline = setLongTimeout(() => {
        for (const h of handlers) h.destroy('shutdown');
      }, graceMs);
      await closed;
      deadline.clear();
    },
  };
}

function peerOf(socket: net.Socket): SyslogPeer {
  const subject =
    socket instanceof tls.TLSSocket && socket.authorized
      ? socket.getPeerX509Certificate()?.subject
      : undefined;
  return {
    remoteHost: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localHost: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    ...(subject === undefined ? {} : { tlsSubject: subject.split('\n').join(', ') }),
  };
}

/** `counters` with the listener's own counters (connections...) added as live read-only fields. */
export function withListenerStats<T extends object>(
  counters: T,
  listener: Listener,
): T & Readonly<ListenerStats> {
  for (const key of ['connections', 'openConnections', 'refusedConnections'] as const) {
    Object.defineProperty(counters, key, { get: () => listener.stats[key], enumerable: true });
  }
  return counters as T & Readonly<ListenerStats>;
}
