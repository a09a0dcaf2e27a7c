/**
 * Building a {@link SyslogHeader} while reading a line (internal): one object literal with every
 * field, always created in the same order (one hidden class, so the readers stay monomorphic),
 * filled in by the readers, and finished as `parsed`, `partial` or `none`.
 */
import type { SyslogHeaderIssueCode } from './errors.js';
import type { SyslogHeader } from './header-schema.js';
import type { TimestampRead } from './timestamp.js';

export type HeaderDraft = { -readonly [K in keyof SyslogHeader]: SyslogHeader[K] };

/** A draft that says `none` and holds the whole line, until a reader finishes it otherwise. */
export function draft(line: string): HeaderDraft {
  return {
    header: 'none',
    header_issue: null,
    format: null,
    pri: null,
    facility: null,
    severity: null,
    version: null,
    sequence: null,
    sequence2: null,
    timestamp: null,
    timestamp_form: null,
    timestamp_zone: null,
    timestamp_marker: null,
    host: null,
    level: null,
    app_name: null,
    procid: null,
    msgid: null,
    structured_data: null,
    sd: null,
    message: line,
  };
}

export function setTimestamp(h: HeaderDraft, ts: TimestampRead): void {
  h.timestamp = ts.text;
  h.timestamp_form = ts.form;
  h.timestamp_zone = ts.zone;
  h.timestamp_marker = ts.marker;
}

/** The header was read; the message starts at `at`. */
export function parsed(h: HeaderDraft, line: string, at: number): SyslogHeader {
  h.header = 'parsed';
  h.message = at === 0 ? line : line.slice(at);
  return h;
}

/** What was read stays; the message is the whole line. */
export function partial(
  h: HeaderDraft,
  line: string,
  code: SyslogHeaderIssueCode,
  offset: number,
  detail: string,
): SyslogHeader {
  h.header = 'partial';
  h.header_issue = { code, offset, detail };
  h.message = line;
  return h;
}

/** Not syslog: every field `null`, the message is the whole line. */
export function none(
  line: string,
  code: SyslogHeaderIssueCode,
  offset: number,
  detail: string,
): SyslogHeader {
  const h = draft(line);
  h.header_issue = { code, offset, detail };
  return h;
}

export function skipSpaces(line: string, at: number): number {
  let i = at;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}
