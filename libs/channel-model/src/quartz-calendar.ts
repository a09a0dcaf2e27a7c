/**
 * The calendar arithmetic Quartz's CronExpression relies on, reproduced: a lenient Gregorian
 * calendar in one time zone, as `java.util.GregorianCalendar` behaves (fields set one at a time,
 * out-of-range values rolled over when the calendar is next read, every read normalising all
 * fields from the instant).
 *
 * Wall times in a daylight-saving gap or overlap resolve as Java resolves them
 * (`sun.util.calendar.ZoneInfo.getOffsetsByWall`): a transition takes effect at its UTC instant
 * plus the offset after it, so a wall time in a spring-forward gap uses the offset before the
 * transition (02:30 in a 02:00-03:00 gap becomes 03:30), and one in a fall-back overlap the
 * offset after it (the later of the two 02:30s).
 *
 * Offsets come from the platform's IANA time zone data (Intl); Java's tzdb gives the same for
 * the zones and years that matter to schedules.
 */

const DAY_MS = 86_400_000;

/** Offset from UTC (ms, positive east) of a zone at an instant. */
export type ZoneOffset = (utcMs: number) => number;

const zoneCache = new Map<string, ZoneOffset>();

/** `UTC`, or any IANA zone name the platform knows; throws a RangeError for an unknown one. */
export function zoneOffset(timeZone: string): ZoneOffset {
  const cached = zoneCache.get(timeZone);
  if (cached !== undefined) return cached;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  });
  const memo = new Map<number, number>();
  const offset: ZoneOffset = (utcMs) => {
    // Offsets change on whole minutes in every zone's modern rules.
    const minute = Math.floor(utcMs / 60_000);
    const known = memo.get(minute);
    if (known !== undefined) return known;
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(new Date(minute * 60_000))) parts[p.type] = p.value;
    const year = Number(parts.year) * (parts.era === 'BC' || parts.era === 'B' ? -1 : 1);
    const local = utcOf(
      year,
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    const value = local - minute * 60_000;
    if (memo.size > 50_000) memo.clear();
    memo.set(minute, value);
    return value;
  };
  zoneCache.set(timeZone, offset);
  return offset;
}

/** Lenient: months, days, hours... past their range roll over, as in Java's lenient calendar. */
function utcOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** Calendar fields, as indexes into the field array. */
export const Field = {
  Year: 0,
  Month: 1,
  DayOfMonth: 2,
  HourOfDay: 3,
  Minute: 4,
  Second: 5,
  Millisecond: 6,
} as const;
export type Field = (typeof Field)[keyof typeof Field];

/** Field values: month 0-11, day of month 1-31 (unless not yet normalised). */
type Fields = [number, number, number, number, number, number, number];

/** `java.util.GregorianCalendar` in one zone, reduced to what CronExpression uses. */
export class LenientCalendar {
  readonly #offset: ZoneOffset;
  #fields: Fields = [1970, 0, 1, 0, 0, 0, 0];
  #normalised = false;

  constructor(offset: ZoneOffset, utcMs: number) {
    this.#offset = offset;
    this.setTime(utcMs);
  }

  setTime(utcMs: number): void {
    const local = new Date(utcMs + this.#offset(utcMs));
    this.#fields = [
      local.getUTCFullYear(),
      local.getUTCMonth(),
      local.getUTCDate(),
      local.getUTCHours(),
      local.getUTCMinutes(),
      local.getUTCSeconds(),
      local.getUTCMilliseconds(),
    ];
    this.#normalised = true;
  }

  /** The instant the fields denote (Java's computeTime), normalising every field. */
  getTime(): number {
    if (!this.#normalised) this.setTime(this.#instant());
    return this.#instant();
  }

  /** Java's rule for a wall time near a transition (see the module's comment). */
  #instant(): number {
    const [y, mo, d, h, mi, s, ms] = this.#fields;
    const wall = utcOf(y, mo, d, h, mi, s) + ms;
    const before = this.#offset(wall - DAY_MS);
    const after = this.#offset(wall + DAY_MS);
    if (before === after) return wall - before;
    return this.#offset(wall - after) === after ? wall - after : wall - before;
  }

  get(field: Field): number {
    if (!this.#normalised) this.setTime(this.#instant());
    return this.#fields[field];
  }

  /** 1 = Sunday .. 7 = Saturday, as `Calendar.DAY_OF_WEEK`. */
  dayOfWeek(): number {
    if (!this.#normalised) this.setTime(this.#instant());
    const [y, mo, d] = this.#fields;
    return new Date(utcOf(y, mo, d, 0, 0, 0)).getUTCDay() + 1;
  }

  set(field: Field, value: number): void {
    this.#fields[field] = value;
    this.#normalised = false;
  }

  /** `Calendar.add(YEAR, n)`: the year moves, the day is pinned to the new month's length. */
  addYears(n: number): void {
    if (!this.#normalised) this.setTime(this.#instant());
    this.#fields[Field.Year] += n;
    const length = lastDayOfMonth(this.#fields[Field.Month] + 1, this.#fields[Field.Year]);
    if (this.#fields[Field.DayOfMonth] > length) this.#fields[Field.DayOfMonth] = length;
    this.#normalised = false;
  }
}

/** Days in a month (1-12) of a Gregorian year; throws for another month number, as Quartz does. */
export function lastDayOfMonth(month: number, year: number): number {
  switch (month) {
    case 2:
      return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11:
      return 30;
    case 1:
    case 3:
    case 5:
    case 7:
    case 8:
    case 10:
    case 12:
      return 31;
    default:
      throw new RangeError(`Illegal month number: ${month}`);
  }
}
