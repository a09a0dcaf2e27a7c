/**
 * The one syslog header recogniser (protocols.md §4): `format_switch` asks it whether a line is
 * syslog, `syslog_header` (and `syslog_input`) take the fields from it. Pure.
 *
 * It reads RFC 5424 (§6, `rfc5424.ts`), RFC 3164 and what real senders make of it (`rfc3164.ts`:
 * rsyslog's forwarding and file formats, journald, busybox, `logger`, Juniper, F5, Palo Alto,
 * Fortinet, NXLog and Snare), Cisco IOS/NX-OS/ASA (`cisco.ts`), and lines without PRI written
 * to files. The pieces: `pri.ts`, `timestamp.ts`, `hostname.ts`, `tag.ts`,
 * `structured-data.ts`. The result and its every field: `header-schema.ts`.
 *
 * The rule it keeps: a header it cannot read with confidence is never guessed. The result then
 * says `header: 'partial'` (or `'none'`) with a coded `header_issue`, and its `message` is the
 * whole line; no field is shifted, no `app_name` made up.
 */
import { SyslogHeaderError } from './errors.js';
import { draft, none } from './header-result.js';
import type { SyslogHeader } from './header-schema.js';
import { readPri } from './pri.js';
import { readRfc3164 } from './rfc3164.js';
import { isRfc5424, readRfc5424 } from './rfc5424.js';

/**
 * Reads the syslog header of one line (one frame: trailing CR, LF and NUL are its trailer and
 * are cut first). Never throws for a string: what it cannot read is in `header` and
 * `header_issue` (see `header-schema.ts`). Throws {@link SyslogHeaderError} `NOT_A_STRING` when
 * called (from JavaScript) with anything else.
 */
export function parseSyslog(line: string): SyslogHeader {
  if (typeof line !== 'string') {
    throw new SyslogHeaderError('NOT_A_STRING', `expected a string, got ${typeOf(line)}`, 0);
  }
  let end = line.length;
  for (;;) {
    const c = line.charCodeAt(end - 1);
    if (c === 10 || c === 13 || c === 0) end--;
    else break;
  }
  const text = end === line.length ? line : line.slice(0, end);
  let i = headerStart(text);
  const h = draft(text);
  if (text.charCodeAt(i) === 60 /* < */) {
    const pri = readPri(text, i);
    if (pri === null) return none(text, 'PRI_INVALID', i, 'not a PRI: "<", 1 to 3 digits of 0..191, ">"');
    h.pri = pri.value;
    h.facility = pri.value >> 3;
    h.severity = pri.value & 7;
    i = pri.end;
    while (text.charCodeAt(i) === 32) i++;
    if (isRfc5424(text, i)) return readRfc5424(h, text, i);
  }
  return readRfc3164(h, text, i);
}

/**
 * {@link parseSyslog}, for callers that accept only a fully read header: throws
 * {@link SyslogHeaderError} with the `header_issue`'s code and offset otherwise.
 */
export function parseSyslogStrict(line: string): SyslogHeader {
  const header = parseSyslog(line);
  const issue = header.header_issue;
  if (header.header === 'parsed' || issue === null) return header;
  throw new SyslogHeaderError(issue.code, issue.detail, issue.offset);
}

/**
 * Whether a line is syslog, the rule `format_switch` applies: its header is `parsed` or
 * `partial` (`parseSyslog(line).header !== 'none'`), that is, it starts with a valid PRI, or
 * (without PRI) with a timestamp followed by a TAG or a Cisco message code. How much of the
 * header can be read does not change the answer. A line with a valid PRI is never `none`, so
 * for those the PRI alone decides (the receiver's common case costs a PRI, not a parse); the
 * property tests hold the two to the same answer.
 */
export function isSyslogLine(line: string): boolean {
  const start = headerStart(line);
  if (line.charCodeAt(start) === 60 /* < */) return readPri(line, start) !== null;
  return parseSyslog(line).header !== 'none';
}

/** Where the header starts: after a UTF-8 BOM and leading spaces or TABs. */
function headerStart(text: string): number {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i;
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
