/**
 * `pack` and `unpack`: pyloggr's packers. `pack` joins events into one, so that a transport paying
 * per message (Kafka, a queue) carries many small lines at the cost of one; `unpack` splits them
 * again, in order.
 *
 * Formats (the packed event holds the pack in one text field):
 * - `lines`: the values of one text field, joined with LF. Compact, for raw syslog lines; a value
 *   holding an LF cannot be packed this way (it would come back as two events): it is refused
 *   (`_ppf_errors`). Unpacked events carry the line and the packed event's other fields, with
 *   `_ppf_id` = `<the packed event's _ppf_id>.<index>`.
 * - `json_array`: the events whole (every field the upstream stream declares, `_ppf_id`
 *   included), as a JSON array: unpacked events are exactly the events that were packed.
 *
 * At-least-once: `pack` holds each event's delivery open (ProcessingNode hold) until the packed
 * event is confirmed downstream, then every part is confirmed to its own input; when the packed
 * event fails, every part fails back (and is sent again by its input). A pack is emitted when it
 * reaches `max_count` events, when the next event would take it past `max_bytes` (an event bigger
 * than that alone goes out alone), or `linger_ms` after its first event; on a drain at once.
 */
import type { PackSettings, UnpackSettings } from '@drover/channel-model';
import { setLongTimeout, type Timer } from '@drover/timers';
import type { Delivery, Emit, Fields, HeldEvent, JoinContext, ProcessingNode } from '../types.js';

export class PackError extends Error {
  override readonly name = 'PackError';
}

/** The text `lines` packs for an event: its `field`, a string without LF. Throws PackError otherwise. */
export function packableLine(fields: Readonly<Fields>, field: string): string {
  const value = fields[field];
  if (typeof value !== 'string') throw new PackError(`pack (lines): the event has no text field ${field}`);
  if (value.includes('\n')) {
    throw new PackError(
      `pack (lines): ${field} holds a line feed, which would split it in two on unpack; pack with format json_array`,
    );
  }
  return value;
}

/** Splits a `lines` pack. */
export function unpackLines(packed: string): string[] {
  return packed.split('\n');
}

/** Parses a `json_array` pack: an array of objects. Throws PackError otherwise. */
export function unpackJsonArray(packed: string): Fields[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(packed);
  } catch (err) {
    throw new PackError(`unpack (json_array): not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new PackError('unpack (json_array): not a JSON array');
  parsed.forEach((element, i) => {
    if (element === null || typeof element !== 'object' || Array.isArray(element)) {
      throw new PackError(`unpack (json_array): element ${i} is not an object`);
    }
  });
  return parsed as Fields[];
}

interface Part {
  readonly held: HeldEvent;
  /** The line (lines) or the event's JSON (json_array). */
  readonly text: string;
  readonly bytes: number;
}

export class Pack implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly stats = { packs: 0, events: 0 };
  readonly #settings: PackSettings;
  readonly #stream: string;
  #ctx: JoinContext | undefined;
  #parts: Part[] = [];
  #bytes = 0;
  #linger: Timer | undefined;

  /** `stream`: where packed events go (the node's data stream). */
  constructor(settings: PackSettings, stream: string) {
    this.#settings = settings;
    this.#stream = stream;
  }

  start(ctx: JoinContext): void {
    this.#ctx = ctx;
  }

  process(event: Delivery, _emit: Emit, hold: () => HeldEvent): void {
    const s = this.#settings;
    // Checked before the hold: a refused event goes to _ppf_errors on its own.
    const text = s.format === 'lines' ? packableLine(event.fields, s.field) : JSON.stringify(event.fields);
    const bytes = Buffer.byteLength(text) + 1;
    if (this.#parts.length > 0 && this.#bytes + bytes > s.max_bytes) this.#emit();
    this.#parts.push({ held: hold(), text, bytes });
    this.#bytes += bytes;
    if (this.#parts.length >= s.max_count || this.#bytes >= s.max_bytes) this.#emit();
    else this.#linger ??= setLongTimeout(() => this.#emit(), s.linger_ms);
  }

  #emit(): void {
    this.#linger?.clear();
    this.#linger = undefined;
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.#bytes = 0;
    const s = this.#settings;
    const texts = parts.map((p) => p.text);
    const payload = s.format === 'lines' ? texts.join('\n') : `[${texts.join(',')}]`;
    const fields: Fields = { [s.output]: payload };
    if (s.count_field !== undefined) fields[s.count_field] = parts.length;
    this.stats.packs++;
    this.stats.events += parts.length;
    (this.#ctx as JoinContext).emitJoined(
      parts.map((p) => p.held),
      this.#stream,
      fields,
    );
  }

  flush(): void {
    this.#emit();
  }

  async close(): Promise<void> {
    this.#linger?.clear();
    this.#linger = undefined;
    const parts = this.#parts;
    this.#parts = [];
    this.#ctx?.fail(
      parts.map((p) => p.held),
      'pack closed before the events were packed',
    );
  }
}

export class Unpack implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #settings: UnpackSettings;
  readonly #stream: string;

  constructor(settings: UnpackSettings, stream: string) {
    this.#settings = settings;
    this.#stream = stream;
  }

  process(event: Delivery, emit: Emit): void {
    const s = this.#settings;
    const packed = event.fields[s.field];
    if (typeof packed !== 'string') throw new PackError(`unpack: the event has no text field ${s.field}`);
    if (s.format === 'json_array') {
      for (const fields of unpackJsonArray(packed)) emit(this.#stream, fields);
      return;
    }
    const { [s.field]: _, _ppf_id: id, ...rest } = event.fields;
    unpackLines(packed).forEach((line, i) => {
      emit(this.#stream, {
        ...rest,
        [s.output]: line,
        ...(id === undefined ? {} : { _ppf_id: `${String(id)}.${i}` }),
      });
    });
  }
}
