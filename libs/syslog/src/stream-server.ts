/**
 * A syslog server over a byte stream: plain TCP (RFC 6587) or TLS (RFC 5425), both framings
 * detected per frame ({@link SyslogFrameDecoder}). Plain syslog has no acknowledgement: a message
 * is the application's once it is read. So:
 *
 * - Flow control is reading: `hold()` stops reading every connection (the senders' queues and the
 *   kernel's buffers hold the data) until released.
 * - A malformed frame closes that connection only (counted, logged with the peer and the frame's
 *   offset); the messages read before it were handed over already.
 * - A connection with no byte for `idleTimeoutMs` is closed (never one we stopped reading).
 * - At close, a non-transparent frame without its trailer is still a message (rsyslog does the
 *   same); an incomplete octet-counted frame is counted and logged as a framing error.
 */
import type net from 'node:net';
import {
  defaultFramingLimits,
  type FramingLimits,
  type SyslogFrame,
  SyslogFrameDecoder,
  SyslogFramingError,
} from './framing.js';
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
import { endWithoutTrailer } from './trailer.js';

export interface StreamServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: ListenerTls;
  readonly limits?: Partial<FramingLimits>;
  /** Default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Default 512. */
  readonly maxConnections?: number;
  readonly logger?: ListenerLogger;
  /** The messages of one read, in order (a batch: one call per chunk, not per message). */
  onFrames(frames: readonly SyslogFrame[], peer: SyslogPeer): void;
}

export interface StreamServerStats extends ListenerStats {
  messages: number;
  bytes: number;
  truncated: number;
  framingErrors: number;
  idleClosed: number;
}

export interface StreamServer {
  readonly port: number;
  readonly stats: Readonly<StreamServerStats>;
  hold(): () => void;
  close(graceMs?: number): Promise<void>;
}

export async function startStreamServer(options: StreamServerOptions): Promise<StreamServer> {
  const log = options.logger ?? noLog;
  const label = options.tls === undefined ? 'syslog tcp' : 'syslog tls';
  const counters = { messages: 0, bytes: 0, truncated: 0, framingErrors: 0, idleClosed: 0 };
  const limits = { ...defaultFramingLimits, ...options.limits };
  const listener: Listener = await listen(
    {
      host: options.host,
      port: options.port,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      maxConnections: options.maxConnections ?? 512,
      logger: log,
      label,
    },
    (socket, peer, ctx) => new StreamConnection(socket, peer, ctx, options, limits, counters, log, label),
  );
  return {
    port: listener.port,
    stats: withListenerStats(counters, listener),
    hold: listener.hold,
    close: listener.close,
  };
}

/**
 * Octet-counted frames without the trailer their sender counted in (endWithoutTrailer); one that
 * held nothing else is no message, as an empty LF frame is none. A truncated frame ends before
 * its trailer: left as it is.
 */
function withoutTrailers(frames: SyslogFrame[]): SyslogFrame[] {
  // A new array only once a frame changes: LF-framed reads (most) go through untouched.
  let out: SyslogFrame[] | undefined;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as SyslogFrame;
    let kept: SyslogFrame | undefined = f;
    if (f.framing === 'octet-counting' && !f.truncated) {
      const end = endWithoutTrailer(f.message);
      if (end !== f.message.length) {
        out ??= frames.slice(0, i);
        kept = end > 0 ? { ...f, message: f.message.subarray(0, end) } : undefined;
      }
    }
    if (out !== undefined && kept !== undefined) out.push(kept);
  }
  return out ?? frames;
}

class StreamConnection implements ConnectionHandler {
  readonly #socket: net.Socket;
  readonly #peer: SyslogPeer;
  readonly #ctx: ListenerContext;
  readonly #options: StreamServerOptions;
  readonly #decoder: SyslogFrameDecoder;
  readonly #counters: Omit<StreamServerStats, keyof ListenerStats>;
  readonly #log: ListenerLogger;
  readonly #label: string;
  #closed = false;
  #draining = false;
  #warnedTruncation = false;

  constructor(
    socket: net.Socket,
    peer: SyslogPeer,
    ctx: ListenerContext,
    options: StreamServerOptions,
    limits: FramingLimits,
    counters: Omit<StreamServerStats, keyof ListenerStats>,
    log: ListenerLogger,
    label: string,
  ) {
    this.#socket = socket;
    this.#peer = peer;
    this.#ctx = ctx;
    this.#options = options;
    this.#decoder = new SyslogFrameDecoder(limits);
    this.#counters = counters;
    this.#log = log;
    this.#label = label;
    socket.setTimeout(options.idleTimeoutMs ?? 60_000, () => {
      // Paused, the peer may well be sending: we are not reading.
      if (!socket.isPaused()) {
        this.#counters.idleClosed++;
        this.destroy('idle');
      }
    });
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('end', () => this.#end());
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
    this.#counters.bytes += chunk.length;
    let frames: SyslogFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#malformed(err);
      return;
    }
    this.#deliver(frames);
  }

  #end(): void {
    if (this.#closed) return;
    try {
      this.#deliver(this.#decoder.end());
    } catch (err) {
      this.#malformed(err);
      return;
    }
    this.#socket.end();
  }

  #deliver(decoded: SyslogFrame[]): void {
    const frames = withoutTrailers(decoded);
    if (frames.length === 0) return;
    this.#counters.messages += frames.length;
    for (const f of frames) {
      if (!f.truncated) continue;
      this.#counters.truncated++;
      // Once per connection: the counter has the rest.
      if (this.#warnedTruncation) continue;
      this.#warnedTruncation = true;
      this.#log.warn(
        { listener: this.#label, peer: this.#name, maxMessageBytes: this.#decoder.maxMessageBytes },
        'syslog message truncated to max_message_bytes (further ones on this connection are only counted)',
      );
    }
    this.#options.onFrames(frames, this.#peer);
  }

  #malformed(err: unknown): void {
    if (!(err instanceof SyslogFramingError)) throw err;
    // What came before the bad frame was read whole: it is the application's.
    this.#deliver(err.before);
    this.#counters.framingErrors++;
    this.#log.warn(
      { listener: this.#label, peer: this.#name, code: err.code, err: err.message },
      'malformed syslog frame: closing the connection',
    );
    this.destroy('framing error');
  }

  flow(): void {
    if (this.#closed) return;
    if (this.#ctx.held() || this.#draining) this.#socket.pause();
    else if (this.#socket.isPaused()) this.#socket.resume();
  }

  drain(): void {
    // Nothing is owed to a plain syslog sender: stop reading and close.
    this.#draining = true;
    this.#socket.pause();
    this.#socket.end();
  }

  destroy(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#log.info({ listener: this.#label, peer: this.#name, reason }, 'closing syslog connection');
    this.#socket.destroy();
  }
}
