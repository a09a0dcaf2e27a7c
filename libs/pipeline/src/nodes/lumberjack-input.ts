/**
 * `lumberjack_input`: a Lumberjack v1/v2 receiver (libs/lumberjack) as a pipeline input. Each
 * event of a window becomes one tracked event, with the event's keys as fields plus
 * `_ppf_local_host/_port` and `_ppf_remote_host/_port`; the window is acknowledged once every one
 * of its events is confirmed by the outputs, and failed (connection closed without ACK, so the
 * sender resends) as soon as one fails.
 *
 * Flow control: a window is admitted whole while fewer than max_pending events are in flight
 * (so in-flight may pass max_pending by less than one window); otherwise every socket stops
 * being read until there is room, and the senders wait with their data.
 */
import { readFileSync } from 'node:fs';
import type { LumberjackInputSettings } from '@drover/channel-model';
import {
  type LumberjackServer,
  type Peer,
  startLumberjackServer,
  type Window,
  type WindowDone,
} from '@drover/lumberjack';
import type { Fields, InputContext, InputNode } from '../types.js';

export class LumberjackInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: LumberjackInputSettings;
  readonly #stream: string;
  #server: LumberjackServer | undefined;

  /** `stream`: the stream events are emitted on (the node's first published data stream). */
  constructor(settings: LumberjackInputSettings, stream: string) {
    this.#settings = settings;
    this.#stream = stream;
  }

  get port(): number | undefined {
    return this.#server?.port;
  }

  async start(ctx: InputContext): Promise<void> {
    const s = this.#settings;
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
        if (ctx.inFlight < ctx.maxPending) {
          this.#admit(ctx, window, peer, done);
          return;
        }
        // Downstream is full: stop reading every socket until there is room for this window
        // (re-checked after each wake: several windows may be waiting for the same room).
        const release = this.#server?.hold();
        void (async () => {
          while (ctx.inFlight >= ctx.maxPending) await ctx.ready();
          release?.();
          this.#admit(ctx, window, peer, done);
        })();
      },
    });
    ctx.logger.info({ port: this.#server.port, tls: tls !== undefined }, 'lumberjack_input listening');
  }

  /** Emits a window's events as tracked events; the window is done when all are, failed at the first failure. */
  #admit(ctx: InputContext, window: Window, peer: Peer, done: WindowDone): void {
    let open = window.events.length;
    let failed = false;
    const reserved = {
      _ppf_local_host: peer.localHost,
      _ppf_local_port: peer.localPort,
      _ppf_remote_host: peer.remoteHost,
      _ppf_remote_port: peer.remotePort,
    };
    for (const event of window.events) {
      const fields: Fields = { ...event.fields, ...reserved };
      ctx.emit(this.#stream, fields, (outcome) => {
        if (failed) return;
        if (!outcome.ok) {
          failed = true;
          done.fail(outcome.reason);
          return;
        }
        open--;
        if (open === 0) done.ack();
      });
    }
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`lumberjack_input: ssl is true but ${name} is not set`);
  return value;
}
