/**
 * `syslog_output` (pyloggr's shipper2syslog): events as syslog lines (RFC 5424, RFC 3164, or the
 * line as it came) to one or several servers over TCP, TLS or RELP (libs/syslog StreamSender,
 * RelpSender).
 *
 * Load balancing and failover, as lumberjack_output: messages go round-robin to every connected
 * server with room (at most `window_size` unconfirmed each); a server that cannot be reached is
 * tried again after a backoff (`retry_initial_ms` doubling to `retry_max_ms`) while the others
 * carry the load; when a connection is lost, every message it had not confirmed is sent again,
 * first, to whichever server takes it (the same one once it is back).
 *
 * Confirmation: over RELP an event is confirmed when the server answered `200`, so a lost
 * connection loses nothing (the server may see a message twice). Over TCP or TLS it is confirmed
 * when written to the socket: RFC 6587 has no acknowledgement, so what sat in the kernel's or the
 * server's buffers when the connection broke is lost. A message the server refuses (RELP
 * non-200), one too big, or an event no line can be made of, is rejected to the node's
 * `_ppf_errors` (which the node type requires).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { SyslogOutputSettings } from '@drover/channel-model';
import {
  formatRfc3164,
  formatRfc5424,
  isRfc3339,
  RelpSender,
  type SenderTls,
  StreamSender,
  SyslogSendError,
  type SyslogSender,
} from '@drover/syslog';
import { setLongTimeout, type Timer } from '@drover/timers';
import { type Delivery, type Fields, type NodeLogger, type OutputNode, RejectedEvent } from '../types.js';

interface Item {
  readonly message: string;
  readonly done: (err?: Error) => void;
}

interface Destination {
  readonly name: string;
  readonly connect: () => Promise<SyslogSender>;
  sender: SyslogSender | undefined;
  connecting: boolean;
  failures: number;
  retryAt: number;
}

export interface SyslogOutputStats {
  sent: number;
  confirmed: number;
  /** Messages sent again after a lost connection. */
  resent: number;
  rejected: number;
  connections: number;
}

type Header = Partial<{
  facility: number | null;
  severity: number | null;
  timestamp: string | null;
  host: string | null;
  app_name: string | null;
  procid: string | null;
  msgid: string | null;
  structured_data: string | null;
  message: string | null;
}>;

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export class SyslogOutput implements OutputNode {
  readonly kind = 'output' as const;
  readonly stats: SyslogOutputStats = { sent: 0, confirmed: 0, resent: 0, rejected: 0, connections: 0 };
  readonly #settings: SyslogOutputSettings;
  readonly #logger: NodeLogger;
  readonly #destinations: Destination[];
  readonly #hostname: string;
  #queue: Item[] = [];
  #next = 0;
  #wake: Timer | undefined;
  #scheduled = false;
  #closed = false;

  /** `settings` validated, with certificate paths already resolved (relative to the channel). */
  constructor(settings: SyslogOutputSettings, logger: NodeLogger) {
    this.#settings = settings;
    this.#logger = logger;
    this.#hostname = settings.hostname ?? hostname();
    this.#destinations = settings.destinations.map((d) => {
      const tls: SenderTls | undefined = d.ssl
        ? {
            ...(d.ssl_trusted_certificate === undefined
              ? {}
              : { ca: readFileSync(d.ssl_trusted_certificate) }),
            ...(d.ssl_certificate === undefined ? {} : { cert: readFileSync(d.ssl_certificate) }),
            ...(d.ssl_private_key === undefined ? {} : { key: readFileSync(d.ssl_private_key) }),
          }
        : undefined;
      const base = {
        host: d.host,
        port: d.port,
        connectTimeoutMs: settings.connect_timeout_ms,
        maxMessageBytes: settings.max_message_bytes,
        ...(tls === undefined ? {} : { tls }),
      };
      return {
        name: `${d.protocol}${d.ssl ? '+tls' : ''}://${d.host}:${d.port}`,
        connect:
          d.protocol === 'relp'
            ? () => RelpSender.connect({ ...base, ackTimeoutMs: settings.ack_timeout_ms })
            : () => StreamSender.connect({ ...base, framing: settings.framing }),
        sender: undefined,
        connecting: false,
        failures: 0,
        retryAt: 0,
      };
    });
  }

  write(event: Delivery, done: (err?: Error) => void): void {
    if (this.#closed) {
      done(new Error('syslog_output is closed'));
      return;
    }
    let message: string;
    try {
      message = this.#format(event.fields);
    } catch (err) {
      this.stats.rejected++;
      done(new RejectedEvent(`syslog_output: ${(err as Error).message}`));
      return;
    }
    this.#queue.push({ message, done });
    this.#schedule();
  }

  /** The line for an event, by `format`; throws what cannot be written. */
  #format(fields: Readonly<Fields>): string {
    const s = this.#settings;
    if (s.format === 'raw') {
      const line = fields[s.field];
      if (typeof line !== 'string') throw new Error(`the event has no text field ${s.field}`);
      return line;
    }
    const header = (s.header_field === undefined ? {} : (fields[s.header_field] ?? {})) as Header;
    const message =
      text(header.message) ?? (typeof fields[s.field] === 'string' ? (fields[s.field] as string) : null);
    if (message === null) throw new Error(`the event has no message (${s.header_field ?? s.field})`);
    const ts = text(header.timestamp);
    const eventTime =
      typeof fields._ppf_timestamp === 'number' ? new Date(fields._ppf_timestamp) : new Date();
    const parts = {
      facility: typeof header.facility === 'number' ? header.facility : s.facility,
      severity: typeof header.severity === 'number' ? header.severity : s.severity,
      hostname: text(header.host) ?? this.#hostname,
      appName: text(header.app_name) ?? s.app_name,
      procid: text(header.procid),
      msgid: text(header.msgid),
      structuredData: text(header.structured_data),
      message,
    };
    if (s.format === 'rfc3164') {
      return formatRfc3164({
        ...parts,
        timestamp: ts !== null && !Number.isNaN(Date.parse(ts)) ? ts : eventTime,
      });
    }
    // An RFC 3339 header time is kept as it was written; any other (a BSD one has no year and no
    // zone) gives way to the event's time.
    return formatRfc5424({
      ...parts,
      timestamp: ts !== null && isRfc3339(ts) ? ts : eventTime,
    });
  }

  /** Pumps once per event-loop turn: the events written meanwhile go out together. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Hands queued messages to connected servers with room, round-robin; connects the others. */
  #pump(): void {
    if (this.#closed) return;
    const now = Date.now();
    for (const d of this.#destinations) {
      if (d.sender === undefined && !d.connecting && d.retryAt <= now && this.#queue.length > 0)
        this.#connect(d);
    }
    const window = this.#settings.window_size;
    while (this.#queue.length > 0) {
      let chosen: Destination | undefined;
      for (let k = 0; k < this.#destinations.length; k++) {
        const d = this.#destinations[(this.#next + k) % this.#destinations.length] as Destination;
        if (d.sender?.usable === true && d.sender.pending < window) {
          chosen = d;
          this.#next = (this.#next + k + 1) % this.#destinations.length;
          break;
        }
      }
      if (chosen === undefined) break;
      this.#send(chosen, chosen.sender as SyslogSender, this.#queue.shift() as Item);
    }
    if (this.#queue.length > 0 && this.#wake === undefined) {
      const waiting = this.#destinations.filter((d) => d.sender === undefined && !d.connecting);
      if (waiting.length > 0) {
        const at = Math.min(...waiting.map((d) => d.retryAt));
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

  #send(d: Destination, sender: SyslogSender, item: Item): void {
    this.stats.sent++;
    sender.send(item.message).then(
      () => {
        this.stats.confirmed++;
        item.done();
        this.#schedule();
      },
      (err: unknown) => {
        if (err instanceof SyslogSendError && err.final) {
          this.stats.rejected++;
          item.done(new RejectedEvent(`syslog_output: ${err.message}`));
        } else if (this.#closed) {
          item.done(err instanceof Error ? err : new Error(String(err)));
        } else {
          // Lost with its connection: first in line again, for whichever server takes it.
          this.stats.resent++;
          this.#queue.unshift(item);
          this.#dropped(d, sender, err);
        }
        this.#schedule();
      },
    );
  }

  #connect(d: Destination): void {
    d.connecting = true;
    d.connect().then(
      (sender) => {
        d.connecting = false;
        if (this.#closed) {
          sender.destroy('syslog_output closed');
          return;
        }
        d.sender = sender;
        d.failures = 0;
        this.stats.connections++;
        this.#logger.info({ destination: d.name }, 'syslog destination connected');
        sender.onClose((err) => this.#dropped(d, sender, err));
        this.#schedule();
      },
      (err: unknown) => {
        d.connecting = false;
        this.#backoff(d, err);
        this.#schedule();
      },
    );
  }

  /** A connection is gone: back off this server (its unconfirmed messages come back through #send). */
  #dropped(d: Destination, sender: SyslogSender, err: unknown): void {
    if (d.sender !== sender) return;
    d.sender = undefined;
    sender.destroy();
    if (!this.#closed) this.#backoff(d, err ?? new Error('connection closed'));
  }

  #backoff(d: Destination, err: unknown): void {
    d.failures++;
    const s = this.#settings;
    const delay = Math.min(s.retry_initial_ms * 2 ** (d.failures - 1), s.retry_max_ms);
    d.retryAt = Date.now() + delay;
    this.#logger.warn(
      {
        destination: d.name,
        retryInMs: delay,
        queued: this.#queue.length,
        err: err instanceof Error ? err.message : String(err),
      },
      'syslog destination unavailable: sending to the others, retrying it later',
    );
  }

  /** Fails what is still queued back to the inputs, then closes every session cleanly (RELP `close`). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.clear();
    const error = new Error('syslog_output closed');
    for (const item of this.#queue.splice(0)) item.done(error);
    await Promise.all(
      this.#destinations.map(async (d) => {
        const sender = d.sender;
        d.sender = undefined;
        await sender?.close(2000);
      }),
    );
  }
}
