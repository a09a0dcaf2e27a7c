/**
 * `lumberjack_output`: events to Lumberjack receivers in windows (`window_size`, or what gathered
 * within `linger_ms`), load-balanced over every live destination (one window in flight per
 * destination). An event is confirmed only when its window is acknowledged. A window cut by a
 * closed connection or not acknowledged in time is resent to another destination, less the
 * events a partial ACK already confirmed; a failing destination is retried with exponential
 * backoff.
 */
import { readFileSync } from 'node:fs';
import type { LumberjackOutputSettings } from '@drover/channel-model';
import { LumberjackClientError, LumberjackConnection } from '@drover/lumberjack';
import { setLongTimeout, type Timer } from '@drover/timers';
import type { Delivery, NodeLogger, OutputNode } from '../types.js';

interface Item {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly done: (err?: Error) => void;
}

interface Destination {
  readonly name: string;
  readonly options: Parameters<typeof LumberjackConnection.connect>[0];
  conn: LumberjackConnection | undefined;
  busy: boolean;
  failures: number;
  retryAt: number;
}

export class LumberjackOutput implements OutputNode {
  readonly kind = 'output' as const;
  readonly #settings: LumberjackOutputSettings;
  readonly #logger: NodeLogger;
  readonly #destinations: Destination[];
  #gathering: Item[] = [];
  #windows: Item[][] = [];
  #linger: Timer | undefined;
  #wake: Timer | undefined;
  #next = 0;
  #closed = false;
  readonly stats = { windows: 0, resent: 0, events: 0 };

  constructor(settings: LumberjackOutputSettings, logger: NodeLogger) {
    this.#settings = settings;
    this.#logger = logger;
    this.#destinations = settings.destinations.map((d) => ({
      name: `${d.host}:${d.port}`,
      options: {
        host: d.host,
        port: d.port,
        connectTimeoutMs: settings.connect_timeout_ms,
        ackTimeoutMs: settings.ack_timeout_ms,
        compressionLevel: settings.compression_level,
        ...(d.ssl
          ? {
              tls: {
                ...(d.ssl_trusted_certificate === undefined
                  ? {}
                  : { ca: readFileSync(d.ssl_trusted_certificate) }),
                ...(d.ssl_certificate === undefined ? {} : { cert: readFileSync(d.ssl_certificate) }),
                ...(d.ssl_private_key === undefined ? {} : { key: readFileSync(d.ssl_private_key) }),
              },
            }
          : {}),
      },
      conn: undefined,
      busy: false,
      failures: 0,
      retryAt: 0,
    }));
  }

  write(event: Delivery, done: (err?: Error) => void): void {
    if (this.#closed) {
      done(new Error('lumberjack_output is closed'));
      return;
    }
    this.#gathering.push({ fields: event.fields, done });
    if (this.#gathering.length >= this.#settings.window_size) this.#cut();
    else this.#linger ??= setLongTimeout(() => this.#cut(), this.#settings.linger_ms);
  }

  #cut(): void {
    this.#linger?.clear();
    this.#linger = undefined;
    if (this.#gathering.length === 0) return;
    this.#windows.push(this.#gathering);
    this.#gathering = [];
    this.#pump();
  }

  /** Hands waiting windows to idle, live destinations, round-robin. */
  #pump(): void {
    const now = Date.now();
    while (this.#windows.length > 0) {
      let chosen: Destination | undefined;
      for (let k = 0; k < this.#destinations.length; k++) {
        const d = this.#destinations[(this.#next + k) % this.#destinations.length] as Destination;
        if (!d.busy && d.retryAt <= now) {
          chosen = d;
          this.#next = (this.#next + k + 1) % this.#destinations.length;
          break;
        }
      }
      if (chosen === undefined) break;
      const window = this.#windows.shift() as Item[];
      void this.#send(chosen, window);
    }
    if (this.#windows.length > 0 && this.#wake === undefined) {
      const idle = this.#destinations.filter((d) => !d.busy);
      if (idle.length > 0) {
        const at = Math.min(...idle.map((d) => d.retryAt));
        this.#wake = setLongTimeout(
          () => {
            this.#wake = undefined;
            this.#pump();
          },
          Math.max(10, at - now),
        );
      }
    }
  }

  async #send(d: Destination, window: Item[]): Promise<void> {
    d.busy = true;
    try {
      if (d.conn === undefined || !d.conn.usable) {
        d.conn?.close();
        d.conn = await LumberjackConnection.connect(d.options);
      }
      await d.conn.send(window.map((i) => i.fields));
      d.failures = 0;
      this.stats.windows++;
      this.stats.events += window.length;
      for (const item of window) item.done();
    } catch (err) {
      d.conn?.close();
      d.conn = undefined;
      // A partial ACK confirmed the window's first events: only the rest is resent.
      const acked = err instanceof LumberjackClientError ? Math.min(err.acked, window.length) : 0;
      for (const item of window.splice(0, acked)) item.done();
      this.stats.events += acked;
      d.failures++;
      const backoff = Math.min(
        this.#settings.retry_initial_ms * 2 ** (d.failures - 1),
        this.#settings.retry_max_ms,
      );
      d.retryAt = Date.now() + backoff;
      this.stats.resent++;
      this.#logger.warn(
        {
          destination: d.name,
          events: window.length,
          acked,
          retryInMs: backoff,
          err: (err as Error).message,
        },
        'window not acknowledged: resending it elsewhere',
      );
      if (this.#closed) for (const item of window) item.done(err as Error);
      else this.#windows.unshift(window);
    } finally {
      d.busy = false;
      if (!this.#closed) this.#pump();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#linger?.clear();
    this.#wake?.clear();
    const error = new Error('lumberjack_output closed');
    for (const item of [...this.#gathering, ...this.#windows.flat()]) item.done(error);
    this.#gathering = [];
    this.#windows = [];
    for (const d of this.#destinations) d.conn?.close();
  }
}
