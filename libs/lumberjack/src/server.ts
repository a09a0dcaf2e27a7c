/**
 * A Lumberjack receiver (protocols.md §1.3-1.8) over TCP or TLS: windows in, ACKs out, once the
 * application has confirmed them, in window order per connection (pipelined windows included).
 *
 * - `ACK 0` keepalives every `keepaliveMs` while any window of the connection awaits its ACK.
 * - A window must be complete within `windowTimeoutMs` of its 'W'; a connection with nothing
 *   pending and no byte for `idleTimeoutMs` is closed.
 * - At most `maxPendingWindows` unacknowledged windows per connection: past it the socket stops
 *   being read, so a fast sender waits instead of filling our memory. `hold()` stops reading on
 *   every connection while the application's downstream is full; `maxConnections` caps how many
 *   connections (each with its pending windows) there can be.
 * - A malformed frame closes that connection only (counted, logged with the peer); what was
 *   acknowledged before stays acknowledged. A window the application fails closes the
 *   connection without ACK: the sender resends it, perhaps to another receiver.
 */
import net from 'node:net';
import tls from 'node:tls';
import { setLongInterval, setLongTimeout, type Timer } from '@drover/timers';
import { LumberjackProtocolError } from './errors.js';
import { encodeAck } from './frames.js';
import { defaultReaderLimits, type ReaderLimits, type Window, WindowReader } from './window.js';

export interface Peer {
  readonly remoteHost: string;
  readonly remotePort: number;
  readonly localHost: string;
  readonly localPort: number;
  /** The verified client certificate's subject CN, with mutual TLS. */
  readonly clientCn?: string;
}

export interface WindowDone {
  /** Every event of the window is safely handed on: acknowledge it (in window order). */
  ack(): void;
  /** It cannot be: close the connection without ACK so the sender resends. */
  fail(reason: string): void;
}

export interface ServerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LumberjackServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: {
    readonly key: Buffer | string;
    readonly cert: Buffer | string;
    /** CA bundle for client certificates. */
    readonly ca?: Buffer | string;
    readonly clientAuth?: 'none' | 'optional' | 'required';
  };
  readonly limits?: Partial<ReaderLimits>;
  readonly keepaliveMs?: number;
  readonly windowTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxPendingWindows?: number;
  /** Connections past this many are refused (the kernel's backlog keeps them waiting). Default 1024. */
  readonly maxConnections?: number;
  readonly logger?: ServerLogger;
  onWindow(window: Window, peer: Peer, done: WindowDone): void;
}

export interface ServerStats {
  connections: number;
  openConnections: number;
  windows: number;
  events: number;
  acked: number;
  protocolErrors: number;
  failedWindows: number;
  timeouts: number;
  refusedConnections: number;
}

export interface LumberjackServer {
  readonly port: number;
  readonly stats: Readonly<ServerStats>;
  /**
   * Stops reading from every connection until the returned release is called (each hold is
   * released once; reading resumes when none is left): the caller's downstream is full.
   */
  hold(): () => void;
  /** Stops accepting; closes idle connections, lets pending windows finish (up to `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

const noLog: ServerLogger = { info: () => {}, warn: () => {} };

export async function startLumberjackServer(options: LumberjackServerOptions): Promise<LumberjackServer> {
  const stats: ServerStats = {
    connections: 0,
    openConnections: 0,
    windows: 0,
    events: 0,
    acked: 0,
    protocolErrors: 0,
    failedWindows: 0,
    timeouts: 0,
    refusedConnections: 0,
  };
  const log = options.logger ?? noLog;
  const sockets = new Set<Connection>();
  const flow: SharedFlow = { holds: 0 };
  const onSocket = (socket: net.Socket) => {
    if (options.tls?.clientAuth === 'required' && socket instanceof tls.TLSSocket && !socket.authorized) {
      // Checked here rather than by the TLS layer, which hangs up without saying who or why.
      const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      stats.refusedConnections++;
      log.warn(
        {
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
    const conn = new Connection(socket, options, stats, log, flow);
    sockets.add(conn);
    socket.once('close', () => {
      stats.openConnections--;
      sockets.delete(conn);
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
  server.maxConnections = options.maxConnections ?? 1024;
  server.on('drop', (data) => {
    stats.refusedConnections++;
    log.warn(
      { peer: `${data?.remoteAddress}:${data?.remotePort}`, max: server.maxConnections },
      'connection refused: too many connections',
    );
  });
  server.on('tlsClientError', (err, socket) => {
    log.warn(
      { err: err.message, peer: `${socket.remoteAddress}:${socket.remotePort}` },
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
      flow.holds++;
      for (const c of sockets) c.flow();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        flow.holds--;
        if (flow.holds === 0) for (const c of sockets) c.flow();
      };
    },
    close: async (graceMs = 5000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of sockets) c.drain();
      const deadline = setLongTimeout(() => {
        for (const c of sockets) c.destroy('shutdown');
      }, graceMs);
      await closed;
      deadline.clear();
    },
  };
}

/** What every connection of a server shares: holds on reading. */
interface SharedFlow {
  holds: number;
}

/** What the ACK needs, not the window: its decoded events are garbage once the application has them. */
interface PendingWindow {
  readonly version: Window['version'];
  readonly ackSeq: number;
  readonly events: number;
  state: 'pending' | 'acked' | 'failed';
}

class Connection {
  readonly #socket: net.Socket;
  readonly #options: LumberjackServerOptions;
  readonly #stats: ServerStats;
  readonly #log: ServerLogger;
  readonly #reader: WindowReader;
  readonly #peer: Peer;
  readonly #queue: PendingWindow[] = [];
  readonly #maxPending: number;
  #keepalive: Timer | undefined;
  #windowTimer: Timer | undefined;
  #closed = false;
  #draining = false;

  readonly #shared: SharedFlow;

  constructor(
    socket: net.Socket,
    options: LumberjackServerOptions,
    stats: ServerStats,
    log: ServerLogger,
    shared: SharedFlow,
  ) {
    this.#socket = socket;
    this.#shared = shared;
    this.#options = options;
    this.#stats = stats;
    this.#log = log;
    this.#reader = new WindowReader({ ...defaultReaderLimits, ...options.limits });
    this.#maxPending = options.maxPendingWindows ?? 4;
    const cert =
      socket instanceof tls.TLSSocket && socket.authorized ? socket.getPeerCertificate() : undefined;
    const cn = cert?.subject?.CN;
    this.#peer = {
      remoteHost: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localHost: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      ...(typeof cn === 'string' ? { clientCn: cn } : {}),
    };
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
      // Paused, the peer may well be sending: we are not reading.
      if (this.#queue.length === 0 && !this.#reader.inWindow && !socket.isPaused()) this.destroy('idle');
    });
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.#cleanup());
    this.flow(); // accepted while the server is held: wait like the others
  }

  get #name(): string {
    return `${this.#peer.remoteHost}:${this.#peer.remotePort}`;
  }

  #data(chunk: Buffer): void {
    if (this.#closed) return;
    let windows: Window[];
    try {
      windows = this.#reader.push(chunk);
    } catch (err) {
      if (!(err instanceof LumberjackProtocolError)) throw err;
      this.#stats.protocolErrors++;
      this.#log.warn(
        { peer: this.#name, code: err.code, err: err.message },
        'malformed Lumberjack input: closing the connection',
      );
      this.destroy('protocol error');
      return;
    }
    this.#armWindowTimer(windows.length > 0);
    for (const window of windows) this.#dispatch(window);
    this.flow();
  }

  #dispatch(window: Window): void {
    this.#stats.windows++;
    const events = window.events.length;
    this.#stats.events += events;
    const pending: PendingWindow = {
      version: window.version,
      ackSeq: window.ackSeq,
      events,
      state: 'pending',
    };
    if (events === 0) {
      // W 0: acknowledged with 0 (Logstash), in order behind whatever is pending.
      pending.state = 'acked';
      this.#queue.push(pending);
      this.#flush();
      return;
    }
    this.#queue.push(pending);
    this.#armKeepalive();
    let settled = false;
    this.#options.onWindow(window, this.#peer, {
      ack: () => {
        if (settled) return;
        settled = true;
        pending.state = 'acked';
        this.#flush();
      },
      fail: (reason) => {
        if (settled) return;
        settled = true;
        pending.state = 'failed';
        this.#stats.failedWindows++;
        this.#log.warn({ peer: this.#name, events, reason }, 'window failed: closing without ACK');
        this.destroy('window failed');
      },
    });
  }

  /** Writes the ACKs of the acknowledged windows at the head of the queue, in order. */
  #flush(): void {
    while (!this.#closed && this.#queue[0]?.state === 'acked') {
      const head = this.#queue.shift() as PendingWindow;
      this.#socket.write(encodeAck(head.version, head.ackSeq));
      this.#stats.acked += head.events;
    }
    if (this.#queue.length === 0) this.#stopKeepalive();
    this.flow();
    if (this.#draining && this.#queue.length === 0 && !this.#reader.inWindow) this.#socket.end();
  }

  /** Reads only while fewer than maxPendingWindows windows await their ACK, and nothing holds reading. */
  flow(): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.#maxPending || this.#shared.holds > 0) this.#socket.pause();
    else if (this.#socket.isPaused() && !this.#draining) this.#socket.resume();
  }

  #armKeepalive(): void {
    if (this.#keepalive !== undefined) return;
    this.#keepalive = setLongInterval(() => {
      // In the framing of the window it keeps alive: a v1 sender reads only '1A' frames.
      const head = this.#queue[0];
      if (head !== undefined && !this.#closed) this.#socket.write(encodeAck(head.version, 0));
    }, this.#options.keepaliveMs ?? 5000);
  }

  #stopKeepalive(): void {
    this.#keepalive?.clear();
    this.#keepalive = undefined;
  }

  /** The deadline runs from the read that started the window now open; a completed one resets it. */
  #armWindowTimer(completedSome: boolean): void {
    if (completedSome || !this.#reader.inWindow) {
      this.#windowTimer?.clear();
      this.#windowTimer = undefined;
    }
    if (!this.#reader.inWindow) return;
    this.#windowTimer ??= setLongTimeout(() => {
      this.#windowTimer = undefined;
      if (this.#socket.isPaused()) {
        // We stopped reading (downstream full), not the peer: its window waits with it.
        this.#armWindowTimer(false);
        return;
      }
      this.#stats.timeouts++;
      this.#log.warn({ peer: this.#name }, 'window not completed in time: closing the connection');
      this.destroy('window timeout');
    }, this.#options.windowTimeoutMs ?? 30_000);
  }

  /** Stop reading new windows; close once the pending ones are acknowledged. */
  drain(): void {
    this.#draining = true;
    this.#socket.pause();
    if (this.#queue.length === 0) this.#socket.end();
  }

  destroy(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#log.info({ peer: this.#name, reason }, 'closing Lumberjack connection');
    this.#socket.destroy();
    this.#cleanup();
  }

  #cleanup(): void {
    this.#closed = true;
    this.#stopKeepalive();
    this.#windowTimer?.clear();
    this.#windowTimer = undefined;
  }
}
