/**
 * The declarative processing nodes of the receiver (format_switch, syslog_header, enrich,
 * dispatch) and `function`, the counterpart of Punch's punchlets. Each throws on what it cannot
 * handle; the engine routes that event to `_ppf_errors` (or fails it when the node has none).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  DispatchSettings,
  EnrichSettings,
  FormatSwitchSettings,
  FunctionSettings,
  SyslogHeaderSettings,
} from '@drover/channel-model';
import { isSyslogLine, parseSyslog } from '@drover/syslog';
import type { Delivery, Emit, Fields, ProcessingNode } from '../types.js';

/** A dotted path (`syslog.app_name`) into nested objects. */
export function fieldAt(fields: Readonly<Fields>, path: string): unknown {
  let value: unknown = fields;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * `format_switch`: the stream an event goes to, by the format of its `field`: `json` for a JSON
 * object, `syslog` for a syslog line as `@drover/syslog`'s `isSyslogLine` decides it (a valid PRI,
 * or without PRI a timestamp followed by a TAG or a Cisco message code: the same recogniser
 * `syslog_header` reads the fields with, so the two never disagree), `text` for anything else.
 * A line in none of the configured formats is a node error (`_ppf_errors`).
 */
export class FormatSwitch implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #field: string;
  readonly #streams: { json?: string; syslog?: string; text?: string } = {};

  constructor(settings: FormatSwitchSettings) {
    this.#field = settings.field;
    for (const [stream, format] of Object.entries(settings.formats)) this.#streams[format] ??= stream;
  }

  process(event: Delivery, emit: Emit): void {
    const value = event.fields[this.#field];
    const text = typeof value === 'string' ? value : undefined;
    if (text === undefined) throw new Error(`field "${this.#field}" is missing or not a string`);
    const s = this.#streams;
    if (s.json !== undefined && text.trimStart().startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          emit(s.json, { ...event.fields });
          return;
        }
      } catch {
        // not JSON after all: try the other formats
      }
    }
    if (s.syslog !== undefined && isSyslogLine(text)) emit(s.syslog, { ...event.fields });
    else if (s.text !== undefined) emit(s.text, { ...event.fields });
    else throw new Error(`field "${this.#field}" is in none of the formats ${Object.keys(s).join(', ')}`);
  }
}

/**
 * `syslog_header`: reads the syslog header of `field` with `@drover/syslog`'s `parseSyslog` and
 * emits the event with `output` = the header object (`SyslogHeader`: format, pri, facility,
 * severity, version, timestamp..., host, app_name, procid, msgid, structured_data, sd, ...),
 * `field` = the message after the header, and `raw_log` = the line as received. A header that
 * cannot be read with confidence is not an error: `output.header` is `partial` or `none`,
 * `output.header_issue` says why, and `field` keeps the whole line (no field is guessed).
 * `host_fallback` (a dotted path, e.g. `beat.host.name`): the host when the line names none, with
 * `output.host_source` saying where the host came from.
 */
export class SyslogHeader implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #settings: SyslogHeaderSettings;
  readonly #stream: string;

  constructor(settings: SyslogHeaderSettings, stream: string) {
    this.#settings = settings;
    this.#stream = stream;
  }

  process(event: Delivery, emit: Emit): void {
    const raw = event.fields[this.#settings.field];
    if (typeof raw !== 'string')
      throw new Error(`field "${this.#settings.field}" is missing or not a string`);
    const header = parseSyslog(raw);
    emit(this.#stream, {
      ...event.fields,
      raw_log: raw,
      [this.#settings.field]: header.message,
      [this.#settings.output]: this.#withHost(header, event.fields),
    });
  }

  /**
   * With `host_fallback`: a header that read no host takes the sender's name for it, and
   * `host_source` says which (`header`, the fallback's path, or null when there is no host). Never
   * on a header that was not read (`none`): that would make a host up for a line that is not syslog.
   */
  #withHost(header: ReturnType<typeof parseSyslog>, fields: Readonly<Fields>): object {
    const path = this.#settings.host_fallback;
    if (path === undefined) return header;
    if (header.host !== null) return { ...header, host_source: 'header' };
    const fallback = header.header === 'none' ? undefined : fieldAt(fields, path);
    if (typeof fallback !== 'string' || fallback === '') return { ...header, host_source: null };
    return { ...header, host: fallback, host_source: path };
  }
}

export class Enrich implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #settings: EnrichSettings;
  readonly #map: ReadonlyMap<string, unknown>;
  readonly #stream: string;

  private constructor(settings: EnrichSettings, map: ReadonlyMap<string, unknown>, stream: string) {
    this.#settings = settings;
    this.#map = map;
    this.#stream = stream;
  }

  /** Loads `map_file` (a JSON object) from the channel's directory. */
  static async load(settings: EnrichSettings, stream: string, baseDir: string): Promise<Enrich> {
    const file = resolve(baseDir, settings.map_file);
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`enrich: ${settings.map_file} is not a JSON object`);
    }
    return new Enrich(settings, new Map(Object.entries(parsed)), stream);
  }

  process(event: Delivery, emit: Emit): void {
    const key = fieldAt(event.fields, this.#settings.key);
    const found = key === undefined || key === null ? undefined : this.#map.get(String(key));
    const value = found ?? this.#settings.default;
    if (value === undefined)
      throw new Error(`no entry for ${this.#settings.key}=${String(key)} and no default`);
    emit(this.#stream, { ...event.fields, [this.#settings.output]: value });
  }
}

export class Dispatch implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #settings: DispatchSettings;

  constructor(settings: DispatchSettings) {
    this.#settings = settings;
  }

  process(event: Delivery, emit: Emit): void {
    const value = fieldAt(event.fields, this.#settings.field);
    const stream =
      (value === undefined ? undefined : this.#settings.streams[String(value)]) ?? this.#settings.default;
    if (stream === undefined)
      throw new Error(`no stream for ${this.#settings.field}=${String(value)} and no default`);
    emit(stream, { ...event.fields });
  }
}

type UserFunction = (event: Fields, emit: Emit) => void;

export class FunctionNode implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #fn: UserFunction;

  private constructor(fn: UserFunction) {
    this.#fn = fn;
  }

  /** Imports the channel's module; its default export is `(event, emit) => void`. */
  static async load(settings: FunctionSettings, baseDir: string): Promise<FunctionNode> {
    const url = pathToFileURL(resolve(baseDir, settings.module)).href;
    const mod = (await import(url)) as { default?: unknown };
    if (typeof mod.default !== 'function') {
      throw new Error(`function: ${settings.module} has no default export function (event, emit) => ...`);
    }
    return new FunctionNode(mod.default as UserFunction);
  }

  process(event: Delivery, emit: Emit): void {
    // A deep copy: what the function changes before it throws must not reach the error
    // document, nor other subscribers of the same event.
    this.#fn(structuredClone(event.fields) as Fields, emit);
  }
}
