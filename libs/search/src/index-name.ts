/**
 * Index names from a pattern: `logs-{device_type}-%Y.%m.%d` gives `logs-linux-2026.11.29` for an
 * event whose `device_type` is `linux` and whose timestamp falls on that day (UTC). `{path}` is a
 * field (a dotted path into nested objects), `%Y %m %d %H` the event time's year, month, day and
 * hour in UTC (strftime's letters, as in Punch's and Logstash's daily indices), `%%` a percent sign.
 * Nothing is guessed: an event without the field, or without a usable time when the pattern has
 * date parts, gets an IndexNameError (its caller routes it to `_ppf_errors`).
 */

/** The syntax `compileIndexName` accepts, for schemas that check settings before anything runs. */
export const INDEX_PATTERN = /^(?:[^{}%]|\{[A-Za-z0-9_@.-]+\}|%[YmdH%])+$/;

export class IndexNameError extends Error {
  override readonly name = 'IndexNameError';
  readonly code: 'MISSING_FIELD' | 'BAD_TIMESTAMP' | 'BAD_PATTERN';

  constructor(code: IndexNameError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

type Part =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly path: readonly string[]; readonly name: string }
  | { readonly kind: 'date'; readonly letter: 'Y' | 'm' | 'd' | 'H' };

export interface IndexNamer {
  /** The index for an event's fields, its time taken from `timestampOf(fields)` when needed. */
  (fields: Readonly<Record<string, unknown>>): string;
  /** Whether the pattern has date parts. */
  readonly dated: boolean;
}

/** A dotted path into nested objects (`syslog.app_name`). */
export function fieldAtPath(fields: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = fields;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Epoch milliseconds from a timestamp value: a number (epoch ms), a Date, or a string Date.parse
 * reads (ISO 8601 / RFC 3339). Undefined when it is none of these.
 */
export function timestampMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'string' && value !== '') {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function parse(pattern: string): Part[] {
  if (!INDEX_PATTERN.test(pattern)) {
    throw new IndexNameError(
      'BAD_PATTERN',
      `index pattern "${pattern}": use text, {field.path} and %Y %m %d %H (%% for a percent sign)`,
    );
  }
  const parts: Part[] = [];
  const token = /\{([A-Za-z0-9_@.-]+)\}|%([YmdH%])|([^{}%]+)/g;
  for (const m of pattern.matchAll(token)) {
    if (m[1] !== undefined) parts.push({ kind: 'field', name: m[1], path: m[1].split('.') });
    else if (m[2] === '%') parts.push({ kind: 'text', text: '%' });
    else if (m[2] !== undefined) parts.push({ kind: 'date', letter: m[2] as 'Y' | 'm' | 'd' | 'H' });
    else parts.push({ kind: 'text', text: m[3] ?? '' });
  }
  return parts;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * Compiles `pattern` once; the result names the index of each event. `timestampField` (a dotted
 * path) gives the event's time for the date parts. Throws IndexNameError (BAD_PATTERN) on a
 * pattern it cannot read, and (MISSING_FIELD, BAD_TIMESTAMP) on an event it cannot name.
 */
export function compileIndexName(pattern: string, timestampField: string): IndexNamer {
  const parts = parse(pattern);
  const tsPath = timestampField.split('.');
  const dated = parts.some((p) => p.kind === 'date');
  const namer = (fields: Readonly<Record<string, unknown>>): string => {
    let date: Date | undefined;
    if (dated) {
      const raw = fieldAtPath(fields, tsPath);
      const ms = timestampMs(raw);
      if (ms === undefined) {
        throw new IndexNameError(
          'BAD_TIMESTAMP',
          raw === undefined
            ? `index pattern "${pattern}" needs the event time and the event has no field ${timestampField}`
            : `index pattern "${pattern}": ${timestampField} is not a time (${JSON.stringify(raw)})`,
        );
      }
      date = new Date(ms);
    }
    let name = '';
    for (const part of parts) {
      if (part.kind === 'text') name += part.text;
      else if (part.kind === 'field') {
        const value = fieldAtPath(fields, part.path);
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          throw new IndexNameError(
            'MISSING_FIELD',
            `index pattern "${pattern}": the event has no ${part.name} (or it is not a string)`,
          );
        }
        name += String(value);
      } else {
        const d = date as Date;
        name +=
          part.letter === 'Y'
            ? String(d.getUTCFullYear())
            : part.letter === 'm'
              ? pad(d.getUTCMonth() + 1)
              : part.letter === 'd'
                ? pad(d.getUTCDate())
                : pad(d.getUTCHours());
      }
    }
    return name;
  };
  return Object.assign(namer, { dated });
}
