/**
 * Cisco IOS, IOS-XE, NX-OS and ASA headers (pure). Cisco's own layout (IOS configuration guides,
 * "System Log Message Format"; rsyslog's pmciscoios) is
 *
 * ```
 * <PRI>[COUNTER ": "][COUNTER ": "][ORIGIN ": "][*|.]TIMESTAMP[ ZONE]": " %FACILITY-SEVERITY-MNEMONIC: text
 * ```
 *
 * - COUNTER: `logging message-counter syslog` and/or `service sequence-numbers` (both:
 *   `<190>421370: 421366: ...`, rsyslog issue 3069); NX-OS sends an empty one (`<189>: 2018 ...`).
 *   The first goes to `sequence`, the second to `sequence2`.
 * - ORIGIN: `logging origin-id hostname|ip|string` (`<189>521: router1: *Nov 14 ...`; NX-OS
 *   `<190>sw01.pdx01: 2017 Jul 28 ...`), the `host`.
 * - the timestamp: any form of `timestamp.ts`, a marker, a zone (`UTC`, `MEST`, `NewYork`);
 *   absent with `no service timestamps`.
 * - the message starts at the message code (`%SYS-5-CONFIG_I: ...`): Cisco has no TAG, so
 *   `app_name` stays `null` (the code is message text, never a made-up program name).
 *
 * ASA's own forms (`logging timestamp`, `logging device-id`) go through the RFC 3164 reader,
 * which knows `HOST : %ASA-...` and `HOST: %ASA-...`; see `rfc3164.ts`.
 */

import { type HeaderDraft, parsed, partial, setTimestamp, skipSpaces } from './header-result.js';
import type { SyslogHeader } from './header-schema.js';
import { isHostname, readHostname } from './hostname.js';
import { readTimestamp } from './timestamp.js';

const COUNTERS = /(\d*): (?:(\d+): )?/y;
const MESSAGE_CODE = /%[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z0-9_]+/y;
const ASA_MESSAGE_CODE = /%(?:ASA|FTD|PIX|FWSM)-[0-7]-\d{6}/y;
const MAX_ORIGIN = 256;

/** Whether a Cisco message code (`%LINK-3-UPDOWN`, `%ASA-6-302013`) starts at `at`. */
export function isMessageCode(line: string, at: number): boolean {
  MESSAGE_CODE.lastIndex = at;
  return MESSAGE_CODE.test(line);
}

/** Whether a Cisco ASA/FTD/PIX/FWSM message code starts at `at`. */
export function isAsaMessageCode(line: string, at: number): boolean {
  ASA_MESSAGE_CODE.lastIndex = at;
  return ASA_MESSAGE_CODE.test(line);
}

/** The Cisco counters right after the PRI, or `null`. */
export function readCounters(
  line: string,
  at: number,
): { readonly first: number | null; readonly second: number | null; readonly end: number } | null {
  const c = line.charCodeAt(at);
  if (c !== 58 /* : */ && (c < 48 || c > 57)) return null;
  COUNTERS.lastIndex = at;
  const m = COUNTERS.exec(line);
  if (m === null) return null;
  return {
    first: m[1] === '' || m[1] === undefined ? null : Number(m[1]),
    second: m[2] === undefined ? null : Number(m[2]),
    end: COUNTERS.lastIndex,
  };
}

/**
 * Whether an ORIGIN `HOST ": "` starts at `at` and is followed by a timestamp, or (when
 * `codeFollows` allows it) by a message code.
 */
export function startsWithOrigin(line: string, at: number, codeFollows: 'any' | 'asa'): boolean {
  return originEnd(line, at, codeFollows) >= 0;
}

/** Reads from `at`: after the counters, or at an ORIGIN that `startsWithOrigin` accepted. */
export function readCiscoHeader(h: HeaderDraft, line: string, at: number): SyslogHeader {
  h.format = 'rfc3164';
  let i = at;
  let ts = readTimestamp(line, i, true);
  const origin = ts === null ? originEnd(line, i, 'any') : -1;
  if (origin >= 0) {
    h.host = line.slice(i, origin);
    i = origin + 2;
    ts = readTimestamp(line, i, true);
  }
  if (ts !== null) {
    if (ts.kind === 'invalid') return partial(h, line, 'TIMESTAMP_INVALID', ts.offset, ts.detail);
    setTimestamp(h, ts);
    i = skipSpaces(line, ts.end);
    if (h.host === null && line.charCodeAt(i) !== 37 /* % */) {
      // NX-OS after an empty counter: `2018 Apr 20 13:15:07 nexus-switch %ETHPORT-5-IF_UP: ...`
      const hostEnd = readHostname(line, i);
      if (hostEnd > 0 && line.charCodeAt(hostEnd) === 32 && isMessageCode(line, hostEnd + 1)) {
        h.host = line.slice(i, hostEnd);
        i = hostEnd + 1;
      }
    }
    return parsed(h, line, i);
  }
  if (line.charCodeAt(i) === 37 /* % */) return parsed(h, line, i);
  return partial(
    h,
    line,
    'CISCO_HEADER_UNREADABLE',
    i,
    'after the Cisco counter, neither a timestamp nor a message code (%FACILITY-SEVERITY-MNEMONIC)',
  );
}

/** Index of the `:` ending an ORIGIN at `at`, or -1. */
function originEnd(line: string, at: number, codeFollows: 'any' | 'asa'): number {
  const limit = Math.min(line.length - 1, at + MAX_ORIGIN);
  for (let i = at; i < limit; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) return -1;
    if (c === 58 && line.charCodeAt(i + 1) === 32) {
      if (i === at || !isHostname(line.slice(at, i))) return -1;
      const next = i + 2;
      const ts = readTimestamp(line, next, true);
      if (ts !== null && ts.kind === 'timestamp') return i;
      if (codeFollows === 'any' ? isMessageCode(line, next) : isAsaMessageCode(line, next)) return i;
      return -1;
    }
  }
  return -1;
}
