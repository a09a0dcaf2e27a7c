/**
 * Archive file names from a pattern (file_output's `path`): `{field.path}` is the event's field
 * value, made safe as one path segment (characters outside `A-Za-z0-9._-` become `_`; a missing
 * field is `_missing`), `%Y %m %d %H %M` the UTC date, `%%` a percent sign, and `{_file_id}` the
 * writer's unique file id. Pure.
 */

/** `<writer>-<yyyymmddThhmmssSSS>-<n>`: unique per writer, sortable by opening time. */
export function fileId(writer: string, openedAt: Date, n: number): string {
  const t = openedAt.toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
  return `${writer}-${t}-${n}`;
}

export function safeSegment(value: unknown): string {
  if (value === undefined || value === null || value === '') return '_missing';
  const text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  return safe === '.' || safe === '..' ? '_' : safe;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The bucket a pattern names for an event (with `{_file_id}` left in place). */
export function bucketPath(pattern: string, field: (path: string) => unknown, time: Date): string {
  return pattern
    .replace(/\{([^}]+)\}/g, (whole, name: string) =>
      name === '_file_id' ? whole : safeSegment(field(name)),
    )
    .replace(/%([YmdHM%])/g, (_w, t: string) => {
      switch (t) {
        case 'Y':
          return String(time.getUTCFullYear());
        case 'm':
          return pad(time.getUTCMonth() + 1);
        case 'd':
          return pad(time.getUTCDate());
        case 'H':
          return pad(time.getUTCHours());
        case 'M':
          return pad(time.getUTCMinutes());
        default:
          return '%';
      }
    });
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** An event time: epoch ms or an RFC 3339 string; undefined for anything else. */
export function eventTime(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
  if (typeof value === 'string' && RFC3339.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}
