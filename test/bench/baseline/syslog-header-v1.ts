/**
 * FROZEN: the syslog header parser as it was on main at 776e538 (`git show 776e538:libs/syslog/src/header.ts`),
 * kept verbatim below this comment as the baseline of `syslog-parser.bench.ts`. Never edit it, never import it
 * outside the benchmark.
 */
/**
 * Syslog header parsing (protocols.md §4): RFC 5424, RFC 3164, and the deviations real senders
 * produce (an RFC 3339 timestamp in a 3164 layout as rsyslog forwards, no hostname, a year or
 * fractional seconds in the timestamp, a TAG with `/`, `.` or `-`, a missing PRI, a BOM). Pure.
 */
export interface SyslogHeader {
  readonly format: 'rfc5424' | 'rfc3164';
  readonly pri: number | null;
  readonly facility: number | null;
  readonly severity: number | null;
  readonly version: number | null;
  readonly timestamp: string | null;
  readonly host: string | null;
  readonly app_name: string | null;
  readonly procid: string | null;
  readonly msgid: string | null;
  readonly structured_data: string | null;
  readonly message: string;
}

export class SyslogParseError extends Error {
  override readonly name = 'SyslogParseError';
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const BSD_TIME = new RegExp(
  `^(?:(${MONTHS})\\s+(\\d{1,2})(?:\\s+(\\d{4}))?\\s+(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?))\\s+`,
);
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))\s+/;
const nil = (s: string | undefined): string | null => (s === undefined || s === '-' ? null : s);

export function parseSyslog(line: string): SyslogHeader {
  let rest = line
    .replace(/^\uFEFF/, '')
    .replace(/[\r\n\0]+$/, '')
    .trimStart();
  let pri: number | null = null;
  const priMatch = /^<(\d{1,3})>\s?/.exec(rest);
  if (priMatch !== null) {
    pri = Number(priMatch[1]);
    if (pri > 191) throw new SyslogParseError(`priority ${pri} is over 191`);
    rest = rest.slice(priMatch[0].length);
  }
  const facility = pri === null ? null : Math.floor(pri / 8);
  const severity = pri === null ? null : pri % 8;
  const base = { pri, facility, severity };

  // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
  const v5424 = /^([1-9]\d{0,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
  if (v5424 !== null && (v5424[2] === '-' || /^\d{4}-\d{2}-\d{2}T/.test(v5424[2] ?? ''))) {
    const after = rest.slice(v5424[0].length);
    const { sd, msg } = splitStructuredData(after);
    return {
      format: 'rfc5424',
      ...base,
      version: Number(v5424[1]),
      timestamp: nil(v5424[2]),
      host: nil(v5424[3]),
      app_name: nil(v5424[4]),
      procid: nil(v5424[5]),
      msgid: nil(v5424[6]),
      structured_data: sd,
      message: msg.replace(/^\uFEFF/, ''),
    };
  }

  // RFC 3164 and its relatives: [TIMESTAMP SP] [HOSTNAME SP] TAG[pid]: MSG
  let timestamp: string | null = null;
  const bsd = BSD_TIME.exec(rest);
  const iso = bsd === null ? RFC3339.exec(rest) : null;
  if (bsd !== null) {
    timestamp = `${bsd[1]} ${bsd[2]?.padStart(2, ' ')}${bsd[3] === undefined ? '' : ` ${bsd[3]}`} ${bsd[4]}`;
    rest = rest.slice(bsd[0].length);
  } else if (iso !== null) {
    timestamp = iso[1] ?? null;
    rest = rest.slice(iso[0].length);
  } else if (pri === null) {
    throw new SyslogParseError('neither a syslog priority nor a timestamp at the start of the line');
  }
  // HOSTNAME then TAG, or TAG alone (no hostname): a first word ending in ':' or '[' is the TAG.
  let host: string | null = null;
  const first = /^(\S+)\s+/.exec(rest);
  if (
    first !== null &&
    !/[:[]/.test(first[1] ?? '') &&
    /^\S+?(?:\[[^\]]*\])?:(?:\s|$)/.test(rest.slice(first[0].length))
  ) {
    host = first[1] ?? null;
    rest = rest.slice(first[0].length);
  } else if (
    first !== null &&
    !/[:[]/.test(first[1] ?? '') &&
    timestamp !== null &&
    !/^\S+?(?:\[[^\]]*\])?:(?:\s|$)/.test(rest)
  ) {
    // "<13>2026-... vm myapp hello" (rsyslog from 5424 input): host, then a tag without colon.
    host = first[1] ?? null;
    rest = rest.slice(first[0].length);
  }
  const tag = /^([^\s:[]+)(?:\[([^\]]*)\])?:?(?:\s+|$)/.exec(rest);
  let app_name: string | null = null;
  let procid: string | null = null;
  if (tag !== null && tag[1] !== undefined && tag[1].length <= 128) {
    app_name = tag[1];
    procid = tag[2] ?? null;
    rest = rest.slice(tag[0].length);
  }
  return {
    format: 'rfc3164',
    ...base,
    version: null,
    timestamp,
    host,
    app_name,
    procid,
    msgid: null,
    structured_data: null,
    message: rest,
  };
}

/** STRUCTURED-DATA (NILVALUE or SD-ELEMENTs, `\]` and `\"` escaped) and the message after it. */
function splitStructuredData(text: string): { sd: string | null; msg: string } {
  if (text.startsWith('-')) return { sd: null, msg: text.slice(1).replace(/^ /, '') };
  if (!text.startsWith('[')) return { sd: null, msg: text };
  let i = 0;
  let inQuotes = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && c === ']' && text[i + 1] !== '[') {
      return { sd: text.slice(0, i + 1), msg: text.slice(i + 1).replace(/^ /, '') };
    }
    i++;
  }
  throw new SyslogParseError('structured data not closed');
}
