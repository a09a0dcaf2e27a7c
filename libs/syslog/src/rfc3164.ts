/**
 * The RFC 3164 header and its relatives, after the PRI if any (pure):
 *
 * ```
 * [TIMESTAMP SP] [HOSTNAME SP] [TAG] MSG
 * ```
 *
 * Reading rules, in order (each has a row in `test/real-world-lines.ts`):
 *
 * 1. A Cisco counter after the PRI (`<189>88: `) means Cisco's layout: `cisco.ts`.
 * 2. TIMESTAMP (`timestamp.ts`). Values out of range: `partial` (TIMESTAMP_INVALID).
 * 3. No TIMESTAMP after a PRI: RFC 3164 §4.3.3, everything after the PRI is MSG. Within it:
 *    a date or time in an unknown form is `partial` (TIMESTAMP_UNRECOGNISED); a Cisco
 *    `ORIGIN: TIMESTAMP` (NX-OS) or `ORIGIN: %ASA-...` goes to `cisco.ts`; `HOST %CODE-...` (ASA
 *    `logging device-id` without timestamps) gives the host; a TAG form gives the TAG; else no
 *    host and no TAG (RFC 3164 §4.3.3: `<38>User logged in` has no host `User`).
 * 4. After a TIMESTAMP, RFC 3164 §4.1.2 requires a HOSTNAME, except that local senders
 *    (glibc syslog(3), journald's ForwardToSyslog, busybox syslogd -R, `logger` to /dev/log)
 *    leave it out: a first word in a TAG form is the TAG and there is no host. `%...` (a Cisco
 *    message code) there means no host either. `HOST: %ASA-...` is an ASA origin, not a TAG.
 * 5. Otherwise the first word is the HOSTNAME when it can be one (`hostname.ts`); if not, there
 *    is no host and the message starts there.
 * 6. After the host: two spaces mean an empty TAG (rsyslog's forwarding templates write
 *    `%HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%`); ` : %ASA-` is the ASA device-id separator;
 *    a TAG form is the TAG; a severity word then a TAG is F5 BIG-IP's `host level tag[pid]:`
 *    (the word goes to `level`); anything else is the message, right after the host (RFC 3164
 *    §5.4 example 2, `<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!`; Palo Alto's CSV).
 *
 * Without a PRI (log files), a line is syslog only when it has a TIMESTAMP (RFC 3339 with `T`,
 * or RFC 3164) and then a TAG or a Cisco message code, with or without a host: the form syslog
 * daemons write files in (rsyslog RSYSLOG_FileFormat on Ubuntu 24.04,
 * RSYSLOG_TraditionalFileFormat on RHEL). Anything else is `none`: an application's own log line
 * (`2024-01-15 10:00:00,123 INFO ...`) is not taken apart as if it were syslog.
 */
import { isAsaMessageCode, isMessageCode, readCiscoHeader, readCounters, startsWithOrigin } from './cisco.js';
import { type HeaderDraft, none, parsed, partial, setTimestamp, skipSpaces } from './header-result.js';
import type { SyslogHeader } from './header-schema.js';
import { readHostname } from './hostname.js';
import { readTag } from './tag.js';
import { looksLikeDateOrTime, readTimestamp } from './timestamp.js';

/** syslog-ng's severity names, as F5 BIG-IP writes them between host and TAG. */
const LEVEL_WORDS = new Set(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug']);
const MAX_LEVEL_WORD = 7;

/** Reads from `at` (after the PRI and its spaces, or at the start of a line without PRI). */
export function readRfc3164(h: HeaderDraft, line: string, at: number): SyslogHeader {
  const hasPri = h.pri !== null;
  h.format = 'rfc3164';
  if (hasPri) {
    const counters = readCounters(line, at);
    if (counters !== null) {
      h.sequence = counters.first;
      h.sequence2 = counters.second;
      return readCiscoHeader(h, line, counters.end);
    }
  }
  const ts = readTimestamp(line, at, hasPri);
  if (ts === null) {
    return hasPri ? readWithoutTimestamp(h, line, at) : notSyslog(line, at, 'neither a PRI nor a timestamp');
  }
  if (ts.kind === 'invalid') {
    return hasPri
      ? partial(h, line, 'TIMESTAMP_INVALID', ts.offset, ts.detail)
      : notSyslog(line, at, ts.detail);
  }
  setTimestamp(h, ts);
  return readHostAndTag(h, line, skipSpaces(line, ts.end), hasPri);
}

/** Rule 3: a PRI and no timestamp. */
function readWithoutTimestamp(h: HeaderDraft, line: string, at: number): SyslogHeader {
  if (at === line.length) return parsed(h, line, at);
  if (looksLikeDateOrTime(line, at)) {
    return partial(h, line, 'TIMESTAMP_UNRECOGNISED', at, 'a date or a time in no form this parser knows');
  }
  if (startsWithOrigin(line, at, 'asa')) return readCiscoHeader(h, line, at);
  const hostEnd = readHostname(line, at);
  if (hostEnd > 0 && line.charCodeAt(hostEnd) === 32 && isMessageCode(line, hostEnd + 1)) {
    h.host = line.slice(at, hostEnd);
    return parsed(h, line, hostEnd + 1);
  }
  const tag = readTag(line, at);
  if (tag === null) return parsed(h, line, at);
  h.app_name = tag.app;
  h.procid = tag.procid;
  return parsed(h, line, tag.end);
}

/** Rules 4 to 6: after a timestamp. */
function readHostAndTag(h: HeaderDraft, line: string, at: number, hasPri: boolean): SyslogHeader {
  const length = line.length;
  if (at === length) return hasPri ? parsed(h, line, at) : notSyslog(line, at, NO_TAG);
  if (line.charCodeAt(at) === 37 /* % */) return messageCodeOrNot(h, line, at, hasPri);
  const first = readTag(line, at);
  if (first !== null) {
    if (first.bareColon && isAsaMessageCode(line, first.end)) h.host = first.app;
    else {
      h.app_name = first.app;
      h.procid = first.procid;
    }
    return parsed(h, line, first.end);
  }
  const hostEnd = readHostname(line, at);
  if (hostEnd < 0) return hasPri ? parsed(h, line, at) : notSyslog(line, at, NO_TAG);
  h.host = line.slice(at, hostEnd);
  if (hostEnd === length) return hasPri ? parsed(h, line, hostEnd) : notSyslog(line, at, NO_TAG);
  const next = hostEnd + 1;
  const c = line.charCodeAt(next);
  if (c === 32) return parsed(h, line, next + 1);
  if (c === 58 /* : */ && line.charCodeAt(next + 1) === 32 && line.charCodeAt(next + 2) === 37) {
    return parsed(h, line, next + 2);
  }
  if (c === 37 /* % */) return messageCodeOrNot(h, line, next, hasPri);
  let tag = readTag(line, next);
  if (tag === null) {
    const levelEnd = wordEnd(line, next, MAX_LEVEL_WORD);
    if (levelEnd > next && LEVEL_WORDS.has(line.slice(next, levelEnd))) {
      tag = readTag(line, levelEnd + 1);
      if (tag !== null) h.level = line.slice(next, levelEnd);
    }
  }
  if (tag === null) return hasPri ? parsed(h, line, next) : notSyslog(line, at, NO_TAG);
  h.app_name = tag.app;
  h.procid = tag.procid;
  return parsed(h, line, tag.end);
}

const NO_TAG = 'a timestamp without a syslog TAG after it: without a PRI, not taken for syslog';

function messageCodeOrNot(h: HeaderDraft, line: string, at: number, hasPri: boolean): SyslogHeader {
  return hasPri || isMessageCode(line, at) ? parsed(h, line, at) : notSyslog(line, at, NO_TAG);
}

/** Index of the space ending a word of at most `max` characters at `at`, or -1. */
function wordEnd(line: string, at: number, max: number): number {
  const limit = Math.min(line.length, at + max + 1);
  for (let i = at; i < limit; i++) if (line.charCodeAt(i) === 32) return i;
  return -1;
}

function notSyslog(line: string, at: number, detail: string): SyslogHeader {
  return none(line, 'NO_HEADER', at, detail);
}
