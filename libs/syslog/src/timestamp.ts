/**
 * Syslog timestamps, by form (pure):
 *
 * - `iso8601`: `YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|+hhmm|+hh]`: RFC 3339 as RFC 5424 §6.2.3
 *   requires, and as rsyslog writes it in RFC 3164 layouts (RSYSLOG_ForwardFormat,
 *   RSYSLOG_FileFormat); `+hhmm` as `journalctl -o short-iso` writes it; no offset as some
 *   devices send it. A space instead of `T` only when the caller allows it (after a PRI: a log
 *   file line `2024-01-15 10:00:00,123 INFO ...` is not syslog).
 * - `bsd`: RFC 3164 §4.1.2 `Mmm dd hh:mm:ss`, the day space-padded (`Oct  1`) or not, and what
 *   devices add: fractional seconds, a year after the day (Cisco ASA, Junos), a year after the
 *   time (RFC 3164 §5.1), a year first (Cisco NX-OS `2018 Apr 20 13:15:07`), a zone name before
 *   the year (`Aug 24 05:34:00 CST 1987`, RFC 3164 §5.4 example 3), a zone name or offset
 *   before a trailing colon and a Cisco message code (`service timestamps log datetime
 *   show-timezone`: `*Feb 28 00:20:10.663 UTC: %SYS-5-CONFIG_I`; only there, so that the TAG of
 *   `Oct 11 22:14:15 su: ...` is never taken for a zone), a trailing colon (Cisco IOS and ASA).
 * - `uptime`: Cisco `service timestamps log uptime` (`00:00:46:`, `1d02h:`, `2w3d:`, `1y2w:`),
 *   only before a colon, as Cisco writes it.
 * - A Cisco marker before any of them: `*` (clock not set) or `.` (clock out of sync), as
 *   rsyslog's pmciscoios documents.
 *
 * Values out of range (month 13, day 32, hour 24, minute 60, second 61) make the timestamp
 * invalid rather than unrecognised: the caller reports it instead of reading past it.
 */
import type { TimestampForm } from './header-schema.js';

export interface TimestampRead {
  readonly kind: 'timestamp';
  /** The date-time as written, without marker, zone name after it, or trailing colon. */
  readonly text: string;
  readonly form: TimestampForm;
  readonly zone: string | null;
  readonly marker: '*' | '.' | null;
  /** Index after the timestamp and what belongs to it (zone, colon): a space or the line's end. */
  readonly end: number;
}

export interface TimestampInvalid {
  readonly kind: 'invalid';
  readonly offset: number;
  readonly detail: string;
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
/** Groups: 1 day, 2 year after the day | 3 year first, 4 day; 5 hour, 6 minute, 7 second. */
const BSD = new RegExp(
  `(?:(?:${MONTHS}) {1,2}(\\d{1,2})(?: (\\d{4}))?|(\\d{4}) (?:${MONTHS}) {1,2}(\\d{1,2})) (\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d{1,9})?`,
  'y',
);
const YEAR_AFTER_TIME = / \d{4}(?= |$)/y;
const ZONE_THEN_YEAR = / ([A-Z][A-Za-z]{1,5}) \d{4}(?= |$)/y;
const NUMERIC_ZONE = / ([+-]\d{2}:?\d{2})(?=[ :]|$)/y;
/**
 * IOS `clock timezone` names are at most 7 characters; zone names are capitalised (UTC, MEST,
 * NewYork) where host names rarely are; ASA has no zone in its timestamps (so `localhost: %ASA-`
 * is an ASA origin).
 */
const ZONE_BEFORE_COLON = / ([A-Z][A-Za-z]{0,6})(?=: %(?!(?:ASA|FTD|PIX|FWSM)-))/y;
const UPTIME = /(?:\d{1,2}:\d{2}:\d{2}(?:\.\d{1,3})?|\d+y\d+w|\d+w\d+d|\d+d\d+h)(?=:(?: |$))/y;
/** A date or a time in some form: `2018-7-23`, `11/10/2024`, `10:00:00`. */
const DATE_OR_TIME = /\d{1,4}[-/]\d{1,2}[-/]\d{1,4}|\d{1,2}:\d{2}:\d{2}/y;

/** Whether a date or a time starts at `at`, in whatever form (to tell "unrecognised" from "absent"). */
export function looksLikeDateOrTime(line: string, at: number): boolean {
  DATE_OR_TIME.lastIndex = at;
  return DATE_OR_TIME.test(line);
}

/**
 * The timestamp starting at `at`, `null` when none starts there, or why it is invalid.
 * `isoSpace`: whether `YYYY-MM-DD hh:mm:ss` (a space for `T`) counts.
 */
export function readTimestamp(
  line: string,
  at: number,
  isoSpace: boolean,
): TimestampRead | TimestampInvalid | null {
  let start = at;
  let marker: '*' | '.' | null = null;
  const first = line.charCodeAt(at);
  if (first === 42 /* * */ || first === 46 /* . */) {
    marker = first === 42 ? '*' : '.';
    start = at + 1;
  }
  const c = line.charCodeAt(start);
  if (c >= 65 && c <= 90) return readBsd(line, start, marker);
  if (c < 48 || c > 57) return null;
  return (
    readIso(line, start, marker, isoSpace) ?? readBsd(line, start, marker) ?? readUptime(line, start, marker)
  );
}

/** The date-time part of a BSD timestamp: what {@link BSD} matches, as numbers. */
export interface BsdDateTime {
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** A year after the day or before the month. */
  readonly year: boolean;
  /** Index after the match. */
  readonly end: number;
}

/** {@link BSD} at `start`, `null` when it does not match there. */
export function matchBsd(line: string, start: number): BsdDateTime | null {
  return matchBsdCommon(line, start) ?? matchBsdByRegex(line, start);
}

/** {@link BSD} at `start` by the regex alone: every form, and the reference of the common path. */
export function matchBsdByRegex(line: string, start: number): BsdDateTime | null {
  BSD.lastIndex = start;
  const m = BSD.exec(line);
  if (m === null) return null;
  return {
    day: Number(m[1] ?? m[4]),
    hour: Number(m[5]),
    minute: Number(m[6]),
    second: Number(m[7]),
    year: m[2] !== undefined || m[3] !== undefined,
    end: BSD.lastIndex,
  };
}

/** Month names as `c0 << 16 | c1 << 8 | c2`. */
const MONTH_CODES = new Set(
  MONTHS.split('|').map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2)),
);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** The number written by the two digits at `at` (checked by the caller). */
const twoDigits = (line: string, at: number): number =>
  (line.charCodeAt(at) - 48) * 10 + line.charCodeAt(at + 1) - 48;

/**
 * The common form of {@link BSD} read without the regex: `Mmm` + 1 or 2 spaces + 1 or 2 digits
 * + ` hh:mm:ss` + optional `.` and 1 to 9 digits (what it would match, to the same index); a
 * year after the day, or anything else off that path, is left to the regex (undefined).
 */
function matchBsdCommon(line: string, start: number): BsdDateTime | undefined {
  if (
    !MONTH_CODES.has(
      (line.charCodeAt(start) << 16) | (line.charCodeAt(start + 1) << 8) | line.charCodeAt(start + 2),
    )
  )
    return undefined;
  let i = start + 3;
  if (line.charCodeAt(i) !== 32) return undefined;
  i++;
  if (line.charCodeAt(i) === 32) i++;
  if (!isDigit(line.charCodeAt(i))) return undefined;
  let day = line.charCodeAt(i++) - 48;
  if (isDigit(line.charCodeAt(i))) day = day * 10 + line.charCodeAt(i++) - 48;
  // Now ` hh:mm:ss`; ` YYYY ` (a year after the day) or anything else goes to the regex.
  if (
    line.charCodeAt(i) !== 32 ||
    !isDigit(line.charCodeAt(i + 1)) ||
    !isDigit(line.charCodeAt(i + 2)) ||
    line.charCodeAt(i + 3) !== 58 ||
    !isDigit(line.charCodeAt(i + 4)) ||
    !isDigit(line.charCodeAt(i + 5)) ||
    line.charCodeAt(i + 6) !== 58 ||
    !isDigit(line.charCodeAt(i + 7)) ||
    !isDigit(line.charCodeAt(i + 8))
  )
    return undefined;
  const hour = twoDigits(line, i + 1);
  const minute = twoDigits(line, i + 4);
  const second = twoDigits(line, i + 7);
  let end = i + 9;
  if (line.charCodeAt(end) === 46 /* . */ && isDigit(line.charCodeAt(end + 1))) {
    let j = end + 1;
    while (j < end + 10 && isDigit(line.charCodeAt(j))) j++;
    end = j;
  }
  return { day, hour, minute, second, year: false, end };
}

function readBsd(
  line: string,
  start: number,
  marker: '*' | '.' | null,
): TimestampRead | TimestampInvalid | null {
  const m = matchBsd(line, start);
  if (m === null) return null;
  const invalid = outOfRange(start, 1, m.day, m.hour, m.minute, m.second);
  if (invalid !== null) return invalid;
  let i = m.end;
  let textEnd = i;
  let zone: string | null = null;
  if (!m.year) {
    YEAR_AFTER_TIME.lastIndex = i;
    if (YEAR_AFTER_TIME.test(line)) {
      i = textEnd = YEAR_AFTER_TIME.lastIndex;
    } else {
      ZONE_THEN_YEAR.lastIndex = i;
      const zy = ZONE_THEN_YEAR.exec(line);
      if (zy !== null) {
        zone = zy[1] ?? null;
        i = textEnd = ZONE_THEN_YEAR.lastIndex;
      }
    }
  }
  if (zone === null) {
    NUMERIC_ZONE.lastIndex = i;
    const nz = NUMERIC_ZONE.exec(line);
    if (nz !== null) {
      zone = nz[1] ?? null;
      i = NUMERIC_ZONE.lastIndex;
    } else {
      ZONE_BEFORE_COLON.lastIndex = i;
      const zc = ZONE_BEFORE_COLON.exec(line);
      if (zc !== null) {
        zone = zc[1] ?? null;
        i = ZONE_BEFORE_COLON.lastIndex;
      }
    }
  }
  return finish(line, start, textEnd, i, 'bsd', zone, marker);
}

function readIso(
  line: string,
  start: number,
  marker: '*' | '.' | null,
  isoSpace: boolean,
): TimestampRead | TimestampInvalid | null {
  const m = matchIso(line, start);
  if (m === null || (m.space && !isoSpace)) return null;
  const invalid = outOfRange(start, m.month, m.day, m.hour, m.minute, m.second);
  if (invalid !== null) return invalid;
  return finish(line, start, m.end, m.end, 'iso8601', m.zone, marker);
}

/**
 * An ISO 8601 date-time as {@link matchIso} reads it, as numbers: the regex
 * `(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2}):(\d{2})(?:[.,]\d{1,9})?(Z|[+-]\d{2}(?::?\d{2})?)?`
 * (sticky), which it replaced and which its test keeps as the reference.
 */
export interface IsoDateTime {
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** A space between date and time, not `T`. */
  readonly space: boolean;
  /** The offset as written (`Z`, `+02:00`, `+0200`, `+02`), or null. */
  readonly zone: string | null;
  /** Index after the match. */
  readonly end: number;
}

/**
 * The ISO 8601 date-time at `start` ({@link IsoDateTime}), `null` when none is there. Read from
 * char codes (the regex allocated a match and eight substrings per line); a differential test
 * holds it to the regex.
 */
export function matchIso(line: string, start: number): IsoDateTime | null {
  const d = (at: number) => isDigit(line.charCodeAt(at));
  const i = start;
  if (!(d(i) && d(i + 1) && d(i + 2) && d(i + 3) && line.charCodeAt(i + 4) === 45 && d(i + 5) && d(i + 6)))
    return null;
  if (!(line.charCodeAt(i + 7) === 45 && d(i + 8) && d(i + 9))) return null;
  const sep = line.charCodeAt(i + 10);
  if (sep !== 84 /* T */ && sep !== 32) return null;
  if (!(d(i + 11) && d(i + 12) && line.charCodeAt(i + 13) === 58 && d(i + 14) && d(i + 15))) return null;
  if (!(line.charCodeAt(i + 16) === 58 && d(i + 17) && d(i + 18))) return null;
  let end = i + 19;
  const f = line.charCodeAt(end);
  if ((f === 46 || f === 44) /* . , */ && d(end + 1)) {
    let j = end + 1;
    while (j < end + 10 && d(j)) j++;
    end = j;
  }
  let zone: string | null = null;
  const z = line.charCodeAt(end);
  if (z === 90 /* Z */) {
    zone = 'Z';
    end++;
  } else if ((z === 43 || z === 45) /* + - */ && d(end + 1) && d(end + 2)) {
    let zEnd = end + 3;
    if (line.charCodeAt(zEnd) === 58 && d(zEnd + 1) && d(zEnd + 2)) zEnd += 3;
    else if (d(zEnd) && d(zEnd + 1)) zEnd += 2;
    zone = line.slice(end, zEnd);
    end = zEnd;
  }
  return {
    month: twoDigits(line, i + 5),
    day: twoDigits(line, i + 8),
    hour: twoDigits(line, i + 11),
    minute: twoDigits(line, i + 14),
    second: twoDigits(line, i + 17),
    space: sep === 32,
    zone,
    end,
  };
}

function readUptime(line: string, start: number, marker: '*' | '.' | null): TimestampRead | null {
  UPTIME.lastIndex = start;
  if (!UPTIME.test(line)) return null;
  const end = UPTIME.lastIndex;
  return finish(line, start, end, end, 'uptime', null, marker);
}

/** Consumes a trailing colon; the timestamp must then end at a space or at the end of the line. */
function finish(
  line: string,
  start: number,
  textEnd: number,
  at: number,
  form: TimestampForm,
  zone: string | null,
  marker: '*' | '.' | null,
): TimestampRead | null {
  let end = at;
  if (line.charCodeAt(end) === 58 /* : */ && (end + 1 === line.length || line.charCodeAt(end + 1) === 32))
    end++;
  if (end !== line.length && line.charCodeAt(end) !== 32) return null;
  return { kind: 'timestamp', text: line.slice(start, textEnd), form, zone, marker, end };
}

function outOfRange(
  offset: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): TimestampInvalid | null {
  if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60) {
    return null;
  }
  return {
    kind: 'invalid',
    offset,
    detail: `timestamp values out of range (month ${month}, day ${day}, ${hour}:${minute}:${second})`,
  };
}
