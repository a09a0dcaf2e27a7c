/**
 * `syslog_input`: a syslog server (libs/syslog) on one or more listeners, TCP, TLS, UDP and RELP,
 * as a pipeline input. Each message becomes one event:
 *
 * - syslog (RFC 5424, RFC 3164 and its variants): `field` = the MSG, `raw_log` = the whole
 *   message, `output` = the header (the fields `syslog_header` produces);
 * - JSON lines (`format: auto` or `json`): the object's keys (but `_ppf_*`, which are ours),
 *   `raw_log` = the line and `field` = the line unless the object has that key;
 * - always `_ppf_remote_host/_port`, `_ppf_local_host/_port`, `_ppf_transport` (`tcp`, `tls`,
 *   `udp`, `relp`, `relp+tls`) and, with a verified client certificate, `_ppf_peer_subject`;
 *   `_ppf_timestamp` is when it was received.
 * A syslog header the recogniser cannot read with confidence is not guessed: as with
 * `syslog_header`, `output` says `header: 'partial'` or `'none'` with a coded `header_issue`, and
 * `field` is the whole message (counted: `headers_partial`, `headers_none`). A line that must be
 * JSON (`format: json`) and is not goes to `_ppf_errors` (with `_ppf_error_message` and
 * `_ppf_error_document`) when the node publishes it, else on the data stream with `field` and
 * `raw_log` only; counted either way (`parse_errors`).
 *
 * Delivery, without a spool:
 * - RELP: `rsp 200 OK` once the event is confirmed by the outputs, in TXNR order; a failed event
 *   closes the session unanswered, so the sender resends (libs/syslog RelpServerSession).
 * - TCP, TLS, UDP have no acknowledgement: a failed event is kept and emitted again after a pause
 *   (reading stops meanwhile), so a broker outage loses nothing while the process lives; a crash
 *   loses what was read and not confirmed.
 * With `spool`: every message is appended to the spool first; RELP answers once it is durable
 * there, and the pipeline is fed from the spool (SpoolFeeder), so a crash loses nothing that was
 * acknowledged (RELP) or read (TCP/TLS/UDP) and durable.
 *
 * Flow control: at `max.spout.pending` events in flight (or events waiting to be emitted again),
 * or, with a spool, when the spool is full (`max_bytes`; the spool absorbs a slow or absent
 * downstream until then), every TCP, TLS and RELP socket stops being read: the senders keep
 * their data. UDP cannot wait: datagrams that arrive meanwhile are dropped and counted
 * (`udp_dropped`).
 */
import { readFileSync } from 'node:fs';
import type { SyslogInputSettings, SyslogListenerSettings } from '@drover/channel-model';
import {
  type ListenerTls,
  parseSyslog,
  type RelpServer,
  type StreamServer,
  type SyslogFrame,
  type SyslogHeader,
  type SyslogPeer,
  startRelpServer,
  startStreamServer,
  startUdpServer,
  type UdpServer,
} from '@drover/syslog';
import { setLongTimeout, type Timer } from '@drover/timers';
import { ERRORS_STREAM } from '../engine.js';
import type { Fields, InputContext, InputNode, Outcome } from '../types.js';
import { InputSpool } from './input-spool.js';

/**
 * The one place `syslog_input` recognises a syslog message: the recogniser `syslog_header` and
 * `format_switch` use (libs/syslog header.ts). Never throws: what it cannot read is in `header`.
 */
const recognise = (line: string): SyslogHeader => parseSyslog(line);

export type SyslogTransport = 'tcp' | 'tls' | 'udp' | 'relp' | 'relp+tls';

/** Where a message came from and when: what travels with it (and through the spool). */
interface Received {
  readonly receivedAt: number;
  readonly transport: SyslogTransport;
  readonly peer: SyslogPeer;
}

/** A message emitted without acknowledgement, kept until confirmed: what emitting it again takes. */
interface Kept {
  /**
   * The message's octets: a view on the read they came in (kept outside the JS heap, so an event
   * in flight costs each young-generation collection ~100 bytes, not its decoded line).
   */
  readonly message: Buffer;
  readonly received: Received;
  /** The id the engine gave it the first time. */
  id: string | undefined;
}

type Server =
  | { readonly kind: 'stream'; readonly server: StreamServer; readonly transport: SyslogTransport }
  | { readonly kind: 'udp'; readonly server: UdpServer; readonly transport: SyslogTransport }
  | { readonly kind: 'relp'; readonly server: RelpServer; readonly transport: SyslogTransport };

export interface SyslogInputCounters {
  messages: number;
  /** Syslog headers read in part / not at all (the event carries the whole message, unguessed). */
  headers_partial: number;
  headers_none: number;
  /** JSON lines (`format: json`) that are not a JSON object. */
  parse_errors: number;
  /** TCP/TLS/UDP events that failed and were emitted again (without spool). */
  retried: number;
  /** UDP datagrams refused while the pipeline (or the spool) was full. */
  udp_dropped: number;
  /** Messages that could not be appended to the spool (lost for TCP/UDP; not acknowledged for RELP). */
  spool_errors: number;
}

const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 30_000;

export class SyslogInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: SyslogInputSettings;
  readonly #stream: string;
  readonly #errors: boolean;
  readonly #component: string;
  readonly #servers: Server[] = [];
  readonly #counters: SyslogInputCounters = {
    messages: 0,
    headers_partial: 0,
    headers_none: 0,
    parse_errors: 0,
    retried: 0,
    udp_dropped: 0,
    spool_errors: 0,
  };
  #ctx: InputContext | undefined;
  #spool: InputSpool | undefined;
  #holding = false;
  /** Events (no spool, no acknowledgement) that failed, to be emitted again. */
  readonly #retry: Kept[] = [];
  #retryMs = RETRY_INITIAL_MS;
  #retryTimer: Timer | undefined;
  #retryDrained: (() => void)[] = [];
  #lastParseWarn = 0;
  /** Each peer's spool-record meta (its JSON), built once per connection. */
  readonly #metaCache = new WeakMap<SyslogPeer, Buffer>();
  /** The last meta read back from the spool and what it says (consecutive records share it). */
  #lastMeta:
    | { readonly bytes: Buffer; readonly transport: SyslogTransport; readonly peer: SyslogPeer }
    | undefined;

  /**
   * `stream`: the data stream (the node's first published data stream); `errors`: whether it
   * publishes `_ppf_errors`.
   */
  constructor(settings: SyslogInputSettings, stream: string, errors: boolean, component = 'syslog_input') {
    this.#settings = settings;
    this.#stream = stream;
    this.#errors = errors;
    this.#component = component;
  }

  /** The bound port of each listener, in the order of `listeners` (port 0 picks a free one). */
  get ports(): number[] {
    return this.#servers.map((s) => s.server.port);
  }

  async start(ctx: InputContext): Promise<void> {
    this.#ctx = ctx;
    const s = this.#settings;
    if (s.spool !== undefined) {
      this.#spool = await InputSpool.open(
        s.spool,
        ctx,
        (p, again) => this.#fromSpool(p, again),
        this.#component,
      );
    }
    try {
      for (const l of s.listeners) this.#servers.push(await this.#listen(l, ctx));
    } catch (err) {
      await this.stop();
      throw err;
    }
    ctx.logger.info(
      {
        component: this.#component,
        listeners: this.#servers.map((x) => `${x.transport}:${x.server.port}`),
        spool: s.spool?.dir,
      },
      'syslog_input listening',
    );
  }

  async stop(): Promise<void> {
    this.#retryTimer?.clear();
    this.#retryTimer = undefined;
    if (this.#retry.length > 0) {
      (this.#ctx as InputContext | undefined)?.logger.warn(
        { component: this.#component, events: this.#retry.length },
        'syslog_input stopped with failed events not delivered (no spool, no acknowledgement): lost',
      );
    }
    for (const w of this.#retryDrained.splice(0)) w();
    await Promise.all(this.#servers.map((x) => x.server.close()));
    await this.#spool?.stop();
  }

  async drained(): Promise<void> {
    await this.#spool?.close();
  }

  metrics(): Readonly<Record<string, number>> {
    const m: Record<string, number> = { ...this.#counters };
    let open = 0;
    let refused = 0;
    let truncated = 0;
    let framingErrors = 0;
    let relpProtocolErrors = 0;
    for (const x of this.#servers) {
      if (x.kind === 'udp') {
        truncated += x.server.stats.truncated;
        continue;
      }
      open += x.server.stats.openConnections;
      refused += x.server.stats.refusedConnections;
      if (x.kind === 'stream') {
        truncated += x.server.stats.truncated;
        framingErrors += x.server.stats.framingErrors;
      } else {
        relpProtocolErrors += x.server.stats.protocolErrors;
      }
    }
    Object.assign(m, {
      open_connections: open,
      refused_connections: refused,
      truncated_messages: truncated,
      framing_errors: framingErrors,
      relp_protocol_errors: relpProtocolErrors,
    });
    if (this.#spool !== undefined) Object.assign(m, this.#spool.metrics());
    return m;
  }

  // -------------------------------------------------------------------------------------------
  // Listeners

  async #listen(l: SyslogListenerSettings, ctx: InputContext): Promise<Server> {
    const s = this.#settings;
    const logger = ctx.logger;
    if (l.protocol === 'udp') {
      const server = await startUdpServer({
        host: l.host,
        port: l.port,
        maxMessageBytes: s.max_message_bytes,
        ...(s.udp_recv_buffer_bytes === undefined ? {} : { recvBufferBytes: s.udp_recv_buffer_bytes }),
        logger,
        onMessage: (message, _truncated, peer) => this.#datagram(message, peer),
      });
      return { kind: 'udp', server, transport: 'udp' };
    }
    const tls = l.protocol === 'tls' || (l.protocol === 'relp' && l.ssl) ? listenerTls(l) : undefined;
    if (l.protocol === 'relp') {
      const transport: SyslogTransport = tls === undefined ? 'relp' : 'relp+tls';
      const server = await startRelpServer({
        host: l.host,
        port: l.port,
        ...(tls === undefined ? {} : { tls }),
        maxDataBytes: s.relp_max_data_bytes,
        maxUnanswered: s.relp_max_unanswered,
        idleTimeoutMs: s.idle_timeout_ms,
        maxConnections: s.max_connections,
        software: 'drover,0.1.0',
        logger,
        onMessage: (message, peer, done) =>
          this.#relp(message, { receivedAt: Date.now(), transport, peer }, done),
      });
      return { kind: 'relp', server, transport };
    }
    const transport: SyslogTransport = l.protocol;
    const server = await startStreamServer({
      host: l.host,
      port: l.port,
      ...(tls === undefined ? {} : { tls }),
      limits: { maxMessageBytes: s.max_message_bytes, maxFrameBytes: s.max_frame_bytes },
      idleTimeoutMs: s.idle_timeout_ms,
      maxConnections: s.max_connections,
      logger,
      onFrames: (frames, peer) => {
        const received: Received = { receivedAt: Date.now(), transport, peer };
        const messages: Buffer[] = new Array(frames.length);
        for (let i = 0; i < frames.length; i++) messages[i] = (frames[i] as SyslogFrame).message;
        this.#frames(messages, received);
      },
    });
    return { kind: 'stream', server, transport };
  }

  /** TCP/TLS: the messages of one read. */
  #frames(messages: readonly Buffer[], received: Received): void {
    this.#counters.messages += messages.length;
    if (this.#spool !== undefined) {
      // One read, one time and peer: the records share their head.
      const head = this.#spoolHead(received);
      this.#spool.append(
        messages.map((m) => [head, m]),
        (err) => {
          if (err !== undefined) this.#spoolError(err, messages.length);
        },
      );
    } else {
      for (const m of messages) this.#emitUnacknowledged(m, received);
    }
    this.#holdWhileFull();
  }

  /** UDP: one datagram; false when it cannot be taken (dropped, counted). */
  #datagram(message: Buffer, peer: SyslogPeer): boolean {
    const ctx = this.#ctx as InputContext;
    if (this.#full(ctx)) {
      this.#counters.udp_dropped++;
      return false;
    }
    this.#counters.messages++;
    const received: Received = { receivedAt: Date.now(), transport: 'udp', peer };
    if (this.#spool !== undefined) {
      this.#spool.append([[this.#spoolHead(received), message]], (err) => {
        if (err !== undefined) this.#spoolError(err, 1);
      });
    } else {
      this.#emitUnacknowledged(message, received);
    }
    this.#holdWhileFull();
    return true;
  }

  /** RELP: one message; `done` answers it. */
  #relp(message: Buffer, received: Received, done: { ack(): void; fail(reason: string): void }): void {
    this.#counters.messages++;
    const ctx = this.#ctx as InputContext;
    if (this.#spool !== undefined) {
      this.#spool.append([[this.#spoolHead(received), message]], (err) => {
        if (err === undefined) done.ack();
        else {
          this.#counters.spool_errors++;
          done.fail(`spool: ${err.message}`);
        }
      });
    } else {
      const event = this.#event(message.toString('utf8'), received);
      ctx.emit(event.stream, event.fields, (outcome: Outcome) => {
        if (outcome.ok) done.ack();
        else done.fail(outcome.reason);
      });
    }
    this.#holdWhileFull();
  }

  // -------------------------------------------------------------------------------------------
  // Flow control

  /** With a spool, only a full spool stops reading (the spool absorbs a slow or absent downstream). */
  #full(ctx: InputContext): boolean {
    if (this.#spool !== undefined) return this.#spool.full;
    return ctx.inFlight >= ctx.maxPending || this.#retry.length > 0;
  }

  /** While full, stops reading every stream listener (and UDP drops) until there is room. */
  #holdWhileFull(): void {
    const ctx = this.#ctx as InputContext;
    if (this.#holding || !this.#full(ctx)) return;
    this.#holding = true;
    // UDP is not held: #datagram refuses (and counts) what comes while full.
    const releases = this.#servers.filter((x) => x.kind !== 'udp').map((x) => x.server.hold());
    void (async () => {
      for (;;) {
        if (this.#spool !== undefined) {
          if (!this.#spool.full) break;
          await this.#spool.room();
        } else if (ctx.inFlight >= ctx.maxPending) await ctx.ready();
        else if (this.#retry.length > 0) await new Promise<void>((r) => this.#retryDrained.push(r));
        else break;
      }
      this.#holding = false;
      for (const release of releases) release();
    })();
  }

  // -------------------------------------------------------------------------------------------
  // Events

  /** Without spool, TCP/TLS/UDP: emitted now; a failure is kept and emitted again later. */
  #emitUnacknowledged(message: Buffer, received: Received): void {
    this.#emitKept({ message, received, id: undefined });
  }

  /**
   * Emits a message, keeping until it is confirmed what it takes to emit it again: its line, how
   * it was received and the id the engine gave it, not its fields (an event in flight then holds
   * a few hundred bytes rather than its parsed header, for every young-generation collection to
   * copy). Emitted again, it is parsed again, keeps its id, and is not counted twice.
   */
  #emitKept(kept: Kept): void {
    const ctx = this.#ctx as InputContext;
    const { stream, fields } = this.#event(
      kept.message.toString('utf8'),
      kept.received,
      kept.id === undefined,
    );
    if (kept.id !== undefined) fields._ppf_id = kept.id;
    ctx.emit(stream, fields, (outcome) => {
      if (outcome.ok) {
        this.#retryMs = RETRY_INITIAL_MS;
        return;
      }
      this.#retry.push(kept);
      this.#holdWhileFull();
      if (this.#retryTimer === undefined) {
        ctx.logger.warn(
          { component: this.#component, reason: outcome.reason, retryMs: this.#retryMs },
          'syslog event failed: kept and emitted again (reading stops meanwhile)',
        );
        this.#retryTimer = setLongTimeout(() => this.#emitAgain(), this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      }
    });
    // The engine gave the event its id as it took it.
    kept.id ??= fields._ppf_id as string | undefined;
  }

  #emitAgain(): void {
    this.#retryTimer = undefined;
    const ctx = this.#ctx as InputContext;
    while (this.#retry.length > 0) {
      if (ctx.inFlight >= ctx.maxPending) {
        void ctx.ready().then(() => this.#emitAgain());
        return;
      }
      const kept = this.#retry.shift() as Kept;
      this.#counters.retried++;
      this.#emitKept(kept);
    }
    for (const w of this.#retryDrained.splice(0)) w();
  }

  /**
   * A message (`raw`, decoded as UTF-8) as an event: its stream (data or `_ppf_errors`) and
   * fields. `count` false: a message parsed before (emitted again), not counted again.
   */
  #event(raw: string, received: Received, count = true): { stream: string; fields: Fields } {
    const s = this.#settings;
    const fields: Fields = {};
    const format = s.format === 'auto' ? (raw.charCodeAt(0) === 0x7b /* { */ ? 'json?' : 'syslog') : s.format;
    let error: string | undefined;
    if (format === 'json' || format === 'json?') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (err) {
        if (format === 'json') error = `not JSON: ${(err as Error).message}`;
      }
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) if (!k.startsWith('_ppf_')) fields[k] = v;
        if (!(s.field in fields)) fields[s.field] = raw;
        fields.raw_log = raw;
        return { stream: this.#stream, fields: this.#withReceived(fields, received) };
      }
      if (format === 'json' && error === undefined) error = 'not a JSON object';
    }
    if (error === undefined) {
      const header = recognise(raw);
      if (count && header.header === 'partial') this.#counters.headers_partial++;
      else if (count && header.header === 'none') this.#counters.headers_none++;
      fields[s.field] = header.message;
      fields.raw_log = raw;
      fields[s.output] = header;
      return { stream: this.#stream, fields: this.#withReceived(fields, received) };
    }
    if (count) this.#counters.parse_errors++;
    fields[s.field] = raw;
    fields.raw_log = raw;
    this.#withReceived(fields, received);
    const now = Date.now();
    if (now - this.#lastParseWarn > 10_000) {
      this.#lastParseWarn = now;
      (this.#ctx as InputContext).logger.warn(
        {
          component: this.#component,
          peer: `${received.peer.remoteHost}:${received.peer.remotePort}`,
          err: error,
          parseErrors: this.#counters.parse_errors,
          to: this.#errors ? ERRORS_STREAM : this.#stream,
        },
        'JSON line not parsed (further ones within 10 s are only counted)',
      );
    }
    if (!this.#errors) return { stream: this.#stream, fields };
    return {
      stream: ERRORS_STREAM,
      fields: {
        ...fields,
        _ppf_error_message: `syslog_input: ${error}`,
        _ppf_error_document: JSON.stringify(fields),
      },
    };
  }

  #withReceived(fields: Fields, r: Received): Fields {
    fields._ppf_timestamp = r.receivedAt;
    fields._ppf_remote_host = r.peer.remoteHost;
    fields._ppf_remote_port = r.peer.remotePort;
    fields._ppf_local_host = r.peer.localHost;
    fields._ppf_local_port = r.peer.localPort;
    fields._ppf_transport = r.transport;
    if (r.peer.tlsSubject !== undefined) fields._ppf_peer_subject = r.peer.tlsSubject;
    return fields;
  }

  // -------------------------------------------------------------------------------------------
  // The spool record: f64 receivedAt | u16 meta length | meta JSON (transport, peer) | message.
  // Appended in two parts, the head (everything before the message) and the message itself.

  /** The record's head for messages `r` describes. */
  #spoolHead(r: Received): Buffer {
    let meta = this.#metaCache.get(r.peer);
    if (meta === undefined) {
      meta = Buffer.from(JSON.stringify({ transport: r.transport, peer: r.peer }));
      this.#metaCache.set(r.peer, meta);
    }
    const head = Buffer.allocUnsafe(10 + meta.length);
    head.writeDoubleLE(r.receivedAt, 0);
    head.writeUInt16LE(meta.length, 8);
    meta.copy(head, 10);
    return head;
  }

  /** A spooled message as its event; one emitted `again` is not counted again (headers, parse errors). */
  #fromSpool(payload: Buffer, again: boolean): { stream: string; fields: Fields } {
    const receivedAt = payload.readDoubleLE(0);
    const metaEnd = 10 + payload.readUInt16LE(8);
    let meta = this.#lastMeta;
    // Records of one connection carry the same meta: parse it once, compare it after.
    if (
      meta === undefined ||
      meta.bytes.length !== metaEnd - 10 ||
      payload.compare(meta.bytes, 0, meta.bytes.length, 10, metaEnd) !== 0
    ) {
      const bytes = Buffer.from(payload.subarray(10, metaEnd));
      const parsed = JSON.parse(bytes.toString('utf8')) as { transport: SyslogTransport; peer: SyslogPeer };
      meta = { bytes, transport: parsed.transport, peer: parsed.peer };
      this.#lastMeta = meta;
    }
    return this.#event(
      payload.toString('utf8', metaEnd),
      { receivedAt, transport: meta.transport, peer: meta.peer },
      !again,
    );
  }

  #spoolError(err: Error, messages: number): void {
    this.#counters.spool_errors += messages;
    (this.#ctx as InputContext).logger.error(
      { component: this.#component, err: err.message, messages },
      'syslog messages could not be spooled: lost (plain syslog has no acknowledgement)',
    );
  }
}

function listenerTls(l: SyslogListenerSettings): ListenerTls {
  const need = (v: string | undefined, name: string) => {
    if (v === undefined)
      throw new Error(`syslog_input: a ${l.protocol} listener on port ${l.port} needs ${name}`);
    return readFileSync(v);
  };
  return {
    key: need(l.ssl_private_key, 'ssl_private_key'),
    cert: need(l.ssl_certificate, 'ssl_certificate'),
    ...(l.ssl_trusted_certificate === undefined ? {} : { ca: readFileSync(l.ssl_trusted_certificate) }),
    clientAuth: l.ssl_client_auth ?? (l.ssl_trusted_certificate === undefined ? 'none' : 'required'),
  };
}
