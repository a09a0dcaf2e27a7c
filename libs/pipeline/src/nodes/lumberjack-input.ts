/**
 * `lumberjack_input`: a Lumberjack v1/v2 receiver (libs/lumberjack) as a pipeline input. Each
 * event of a window becomes one tracked event, with the event's keys as fields (a Beats event:
 * three fields holding it whole, see beats.ts) plus `_ppf_local_host/_port` and
 * `_ppf_remote_host/_port`; the window is acknowledged once every one
 * of its events is confirmed by the outputs, and failed (connection closed without ACK, so the
 * sender resends) as soon as one fails.
 *
 * Flow control: a window is admitted whole while fewer than max_pending events are in flight
 * (so in-flight may pass max_pending by less than one window). Once max_pending is reached,
 * every socket stops being read until there is room: the senders wait with their data, and
 * windows wait as bytes in the kernel rather than as decoded events in our heap. A window
 * decoded from bytes already read waits, decoded, for room.
 *
 * With `spool`: a window's events are appended to the spool and the window is acknowledged once
 * they are durable there; the pipeline is fed from the spool (InputSpool), and only a full spool
 * stops reading.
 */
import { readFileSync } from 'node:fs';
import type { LumberjackInputSettings } from '@drover/channel-model';
import {
  type LumberjackServer,
  type Peer,
  startLumberjackServer,
  type Window,
  type WindowDone,
  windowFields,
} from '@drover/lumberjack';
import type { Fields, InputContext, InputNode, Outcome } from '../types.js';
import { beatsFields } from './beats.js';
import { InputSpool } from './input-spool.js';

export class LumberjackInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: LumberjackInputSettings;
  readonly #stream: string;
  readonly #component: string;
  #server: LumberjackServer | undefined;
  #holding = false;
  #spool: InputSpool | undefined;

  /** `stream`: the stream events are emitted on (the node's first published data stream). */
  constructor(settings: LumberjackInputSettings, stream: string, component = 'lumberjack_input') {
    this.#settings = settings;
    this.#stream = stream;
    this.#component = component;
  }

  get port(): number | undefined {
    return this.#server?.port;
  }

  async start(ctx: InputContext): Promise<void> {
    const s = this.#settings;
    if (s.spool !== undefined) {
      // A spooled event is its fields as JSON: what #fields made of it when it was received.
      this.#spool = await InputSpool.open(
        s.spool,
        ctx,
        (payload) => ({ stream: this.#stream, fields: JSON.parse(payload.toString('utf8')) as Fields }),
        this.#component,
      );
    }
    const tls = s.ssl
      ? {
          key: readFileSync(required(s.ssl_private_key, 'ssl_private_key')),
          cert: readFileSync(required(s.ssl_certificate, 'ssl_certificate')),
          ...(s.ssl_trusted_certificate === undefined ? {} : { ca: readFileSync(s.ssl_trusted_certificate) }),
          clientAuth: s.ssl_client_auth ?? (s.ssl_trusted_certificate === undefined ? 'none' : 'required'),
        }
      : undefined;
    this.#server = await startLumberjackServer({
      host: s.listen.host,
      port: s.listen.port,
      ...(tls === undefined ? {} : { tls }),
      limits: {
        maxWindowSize: s.max_window_size,
        maxFrameBytes: s.max_frame_bytes,
        maxInflatedBytes: s.max_inflated_bytes,
      },
      keepaliveMs: s.keepalive_ms,
      windowTimeoutMs: s.window_timeout_ms,
      idleTimeoutMs: s.idle_timeout_ms,
      maxPendingWindows: s.max_pending_windows,
      maxConnections: s.max_connections,
      logger: ctx.logger,
      onWindow: (window, peer, done) => {
        if (this.#spool !== undefined) {
          this.#spoolWindow(this.#spool, window, peer, done);
          return;
        }
        if (ctx.inFlight < ctx.maxPending) {
          this.#admit(ctx, window, peer, done);
          this.#holdWhileFull(ctx);
          return;
        }
        // Read before the hold took effect: this window waits for room.
        this.#holdWhileFull(ctx);
        void room(ctx).then(() => {
          this.#admit(ctx, window, peer, done);
          this.#holdWhileFull(ctx);
        });
      },
    });
    ctx.logger.info({ port: this.#server.port, tls: tls !== undefined }, 'lumberjack_input listening');
  }

  /** At max_pending, stops reading every socket until there is room again. */
  #holdWhileFull(ctx: InputContext): void {
    const server = this.#server;
    if (this.#holding || server === undefined || ctx.inFlight < ctx.maxPending) return;
    this.#holding = true;
    const release = server.hold();
    void room(ctx).then(() => {
      this.#holding = false;
      release();
    });
  }

  /** Emits a window's events as tracked events; the window is done when all are, failed at the first failure. */
  #admit(ctx: InputContext, window: Window, peer: Peer, done: WindowDone): void {
    const events = parsed(window, done);
    if (events === undefined) return;
    let open = events.length;
    let failed = false;
    // One callback for the whole window: nothing in it is per event.
    const onDone = (outcome: Outcome) => {
      if (failed) return;
      if (!outcome.ok) {
        failed = true;
        done.fail(outcome.reason);
        return;
      }
      open--;
      if (open === 0) done.ack();
    };
    for (const event of events) ctx.emit(this.#stream, this.#fields(event, peer), onDone);
  }

  /** An event's fields: the decoder made this object for this event alone, so it is added to rather than copied (a Beats event is wrapped instead, and stays as the Beat sent it). */
  #fields(event: Fields, peer: Peer): Fields {
    const fields: Fields = beatsFields(event, this.#settings.beats);
    fields._ppf_local_host = peer.localHost;
    fields._ppf_local_port = peer.localPort;
    fields._ppf_remote_host = peer.remoteHost;
    fields._ppf_remote_port = peer.remotePort;
    return fields;
  }

  /** With a spool: the window's events go to disk, and the window is acknowledged once they are durable. */
  #spoolWindow(spool: InputSpool, window: Window, peer: Peer, done: WindowDone): void {
    const receivedAt = Date.now();
    const events = parsed(window, done);
    if (events === undefined) return;
    const payloads = events.map((event) => {
      const fields = this.#fields(event, peer);
      fields._ppf_timestamp ??= receivedAt;
      return Buffer.from(JSON.stringify(fields));
    });
    spool.append(payloads, (err) => {
      if (err === undefined) done.ack();
      else done.fail(`spool: ${err.message}`);
    });
    const server = this.#server;
    if (this.#holding || server === undefined || !spool.full) return;
    this.#holding = true;
    const release = server.hold();
    void spool.room().then(() => {
      this.#holding = false;
      release();
    });
  }

  async stop(): Promise<void> {
    await this.#server?.close();
    await this.#spool?.stop();
  }

  async drained(): Promise<void> {
    await this.#spool?.close();
  }

  metrics(): Readonly<Record<string, number>> {
    return this.#spool?.metrics() ?? {};
  }
}

/**
 * A window's events, parsed now (the decoder leaves 'J' frames as bytes until the window is
 * admitted); a malformed one fails the whole window before any of its events is emitted: the
 * connection is closed without ACK, naming the event (LumberjackProtocolError BAD_JSON).
 */
function parsed(window: Window, done: WindowDone): Fields[] | undefined {
  try {
    return windowFields(window);
  } catch (err) {
    done.fail((err as Error).message);
    return undefined;
  }
}

/** Resolves when fewer than max_pending events are in flight (re-checked after each wake: several may wait for the same room). */
async function room(ctx: InputContext): Promise<void> {
  while (ctx.inFlight >= ctx.maxPending) await ctx.ready();
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`lumberjack_input: ssl is true but ${name} is not set`);
  return value;
}
