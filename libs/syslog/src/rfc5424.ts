/**
 * The RFC 5424 header (§6), after the PRI (pure):
 *
 * ```
 * VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
 * ```
 *
 * Fields are separated by exactly one space; `-` (NILVALUE) is `null`. TIMESTAMP must be an
 * ISO 8601 date-time (RFC 3339; `+hhmm` and a missing offset are tolerated) or `-`. A UTF-8 BOM
 * starting MSG (MSG-UTF8, §6.4) is dropped. The message keeps what follows the one separator
 * space: rsyslog's RSYSLOG_SyslogProtocol23Format sends an RFC 3164 message's leading space
 * (`- -  text`), and that space is the sender's, not the header's.
 */

import { type HeaderDraft, parsed, partial, setTimestamp } from './header-result.js';
import type { SyslogHeader } from './header-schema.js';
import { readStructuredData } from './structured-data.js';
import { readTimestamp } from './timestamp.js';

/** Whether an RFC 5424 VERSION SP, then a TIMESTAMP or `-` and a space, start at `at`. */
export function isRfc5424(line: string, at: number): boolean {
  let i = at;
  const first = line.charCodeAt(i);
  if (first < 49 || first > 57) return false;
  i++;
  while (i < at + 3 && isDigit(line.charCodeAt(i))) i++;
  if (line.charCodeAt(i) !== 32) return false;
  const t = line.charCodeAt(i + 1);
  if (t === 45 /* - */) return line.charCodeAt(i + 2) === 32;
  return (
    isDigit(t) &&
    isDigit(line.charCodeAt(i + 2)) &&
    isDigit(line.charCodeAt(i + 3)) &&
    isDigit(line.charCodeAt(i + 4)) &&
    line.charCodeAt(i + 5) === 45
  );
}

/** Reads the header from `at` (the VERSION), the PRI already in `h`. */
export function readRfc5424(h: HeaderDraft, line: string, at: number): SyslogHeader {
  h.format = 'rfc5424';
  let i = line.indexOf(' ', at);
  h.version = Number(line.slice(at, i));
  i++;
  const tsEnd = line.indexOf(' ', i);
  if (tsEnd < 0) return partial(h, line, 'FIELD_INVALID', i, 'RFC 5424 header ends after VERSION');
  if (!(tsEnd === i + 1 && line.charCodeAt(i) === 45)) {
    const ts = readTimestamp(line, i, false);
    if (
      ts === null ||
      ts.kind === 'invalid' ||
      ts.end !== tsEnd ||
      ts.form !== 'iso8601' ||
      ts.marker !== null
    ) {
      return partial(
        h,
        line,
        'TIMESTAMP_INVALID',
        i,
        ts?.kind === 'invalid' ? ts.detail : 'RFC 5424 TIMESTAMP is not an RFC 3339 date-time',
      );
    }
    setTimestamp(h, ts);
  }
  i = tsEnd + 1;
  for (let f = 0; f < 4; f++) {
    const end = line.indexOf(' ', i);
    if (end <= i) {
      return partial(
        h,
        line,
        'FIELD_INVALID',
        i,
        `RFC 5424 ${FIELD_NAMES[f]} is ${end < 0 ? 'missing' : 'empty'}`,
      );
    }
    const value = end === i + 1 && line.charCodeAt(i) === 45 ? null : line.slice(i, end);
    if (f === 0) h.host = value;
    else if (f === 1) h.app_name = value;
    else if (f === 2) h.procid = value;
    else h.msgid = value;
    i = end + 1;
  }
  const sd = readStructuredData(line, i);
  if (sd.kind === 'invalid') return partial(h, line, 'SD_INVALID', sd.offset, sd.detail);
  h.structured_data = sd.text;
  h.sd = sd.params;
  i = sd.end;
  if (i === line.length) return parsed(h, line, i);
  if (line.charCodeAt(i) !== 32) {
    return partial(h, line, 'SD_INVALID', i, 'STRUCTURED-DATA not followed by a space or the end');
  }
  i++;
  if (line.charCodeAt(i) === 0xfeff) i++;
  return parsed(h, line, i);
}

const FIELD_NAMES = ['HOSTNAME', 'APP-NAME', 'PROCID', 'MSGID'] as const;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
