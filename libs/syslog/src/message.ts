/**
 * Syslog messages written out (the counterpart of header.ts): RFC 5424 and RFC 3164 lines from
 * their parts. Pure.
 *
 * RFC 5424 §6: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG]`; a missing part is
 * the NILVALUE `-`; HOSTNAME, APP-NAME, PROCID and MSGID are PRINTUSASCII (33-126) of at most
 * 255, 48, 128 and 32 characters: other characters become `_` and longer values are cut (a
 * receiver would otherwise misread the header); the timestamp is RFC 3339 with milliseconds, in UTC.
 * STRUCTURED-DATA is passed through when it is well formed (`[id param="v"]...`), else NIL.
 * RFC 3164 §4.1: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PROCID]: MSG`, the day space-padded, the time
 * in UTC (the format has no zone), TAG the app name (at most 32 characters).
 */

export interface SyslogMessageParts {
  /** 0-23 (RFC 5424 §6.2.1). */
  readonly facility: number;
  /** 0-7. */
  readonly severity: number;
  /** A Date, or an RFC 3339 text used as it is. */
  readonly timestamp: Date | string | null;
  readonly hostname: string | null;
  readonly appName: string | null;
  readonly procid: string | null;
  readonly msgid: string | null;
  /** Already in RFC 5424 form (`[exampleSDID@32473 iut="3"]`); RFC 3164 has none. */
  readonly structuredData: string | null;
  readonly message: string;
}

export class SyslogFormatError extends Error {
  override readonly name = 'SyslogFormatError';
}

/** `<PRI>` from facility and severity; SyslogFormatError when either is out of range. */
export function priority(facility: number, severity: number): number {
  if (!Number.isInteger(facility) || facility < 0 || facility > 23) {
    throw new SyslogFormatError(`facility ${facility} is not 0-23`);
  }
  if (!Number.isInteger(severity) || severity < 0 || severity > 7) {
    throw new SyslogFormatError(`severity ${severity} is not 0-7`);
  }
  return facility * 8 + severity;
}

/** PRINTUSASCII of at most `max` characters, `-` when empty. */
function headerField(value: string | null, max: number): string {
  if (value === null || value === '') return '-';
  const clean = value.replace(/[^\x21-\x7e]/g, '_');
  return clean.length > max ? clean.slice(0, max) : clean;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;
/** SD-ELEMENTs side by side: `[SD-ID *(SP PARAM="VALUE")]` with `"`, `\` and `]` escaped in values. */
const STRUCTURED_DATA = /^(?:\[[^\s=\]"]{1,32}(?: [^\s=\]"]{1,32}="(?:[^"\\\]]|\\["\\\]])*")*\])+$/;

/** An RFC 3339 timestamp as RFC 5424 takes it (TIME-SECFRAC at most 6 digits): usable as it is. */
export function isRfc3339(value: string): boolean {
  return RFC3339.test(value);
}

function timestamp5424(value: Date | string | null): string {
  if (value === null) return '-';
  if (typeof value === 'string') return RFC3339.test(value) ? value : '-';
  return Number.isNaN(value.getTime()) ? '-' : value.toISOString();
}

/** An RFC 5424 message. */
export function formatRfc5424(parts: SyslogMessageParts): string {
  const sd =
    parts.structuredData !== null && STRUCTURED_DATA.test(parts.structuredData) ? parts.structuredData : '-';
  const header = [
    `<${priority(parts.facility, parts.severity)}>1`,
    timestamp5424(parts.timestamp),
    headerField(parts.hostname, 255),
    headerField(parts.appName, 48),
    headerField(parts.procid, 128),
    headerField(parts.msgid, 32),
    sd,
  ].join(' ');
  return parts.message === '' ? header : `${header} ${parts.message}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** An RFC 3164 message; a string timestamp is read with Date.parse (the event time when it is none). */
export function formatRfc3164(parts: SyslogMessageParts, now: Date = new Date()): string {
  let at = typeof parts.timestamp === 'string' ? new Date(Date.parse(parts.timestamp)) : parts.timestamp;
  if (at === null || Number.isNaN(at.getTime())) at = now;
  const day = at.getUTCDate();
  const stamp = `${MONTHS[at.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${two(at.getUTCHours())}:${two(
    at.getUTCMinutes(),
  )}:${two(at.getUTCSeconds())}`;
  const host = headerField(parts.hostname, 255);
  // TAG: alphanumerics and a few punctuation marks real programs use, at most 32 characters.
  const tag = (parts.appName ?? '').replace(/[^\w./-]/g, '_').slice(0, 32) || '-';
  const pid = parts.procid === null || parts.procid === '' ? '' : `[${headerField(parts.procid, 128)}]`;
  return `<${priority(parts.facility, parts.severity)}>${stamp} ${host} ${tag}${pid}: ${parts.message}`;
}
