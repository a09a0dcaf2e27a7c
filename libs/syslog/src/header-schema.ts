/**
 * The syslog header object: what `parseSyslog` returns, what `syslog_header` puts on an event
 * (under its `output` field) and what `syslog_input` will put on its events. A stable contract:
 * fields are added, never renamed or removed. Every field is always present (`null` when the line
 * does not carry it), so the object has one shape for JSON, Kafka and Elasticsearch mappings.
 *
 * ```ts
 * {
 *   header: 'parsed' | 'partial' | 'none',  // how much of the header was read (below)
 *   header_issue: { code, offset, detail } | null,  // why not 'parsed' (codes: errors.ts)
 *   format: 'rfc5424' | 'rfc3164' | null,   // rfc3164 covers BSD syslog and its relatives
 *                                           // (Cisco, RFC 3339 times in a 3164 layout, files)
 *   pri: 0..191 | null, facility: 0..23 | null, severity: 0..7 | null,   // RFC 5424 §6.2.1
 *   version: number | null,                 // RFC 5424 VERSION (1)
 *   sequence: number | null,                // Cisco counter before the header (`<189>88: ...`)
 *   sequence2: number | null,               // a second Cisco counter (`<190>421370: 421366: ...`)
 *   timestamp: string | null,               // the date-time as written (see below)
 *   timestamp_form: 'iso8601' | 'bsd' | 'uptime' | null,
 *   timestamp_zone: string | null,          // the zone or offset as written: 'Z', '+00:00',
 *                                           // '+0000', 'UTC', 'CEST', 'NewYork'
 *   timestamp_marker: '*' | '.' | null,     // Cisco: '*' clock not set, '.' clock not in sync
 *   host: string | null,                    // HOSTNAME (name, IPv4, IPv6, ::ffff:a.b.c.d)
 *   level: string | null,                   // a severity word between host and tag (F5 BIG-IP)
 *   app_name: string | null,                // RFC 5424 APP-NAME, or the RFC 3164 TAG
 *   procid: string | null,                  // RFC 5424 PROCID, or the pid in TAG[pid]
 *   msgid: string | null,                   // RFC 5424 MSGID
 *   structured_data: string | null,         // RFC 5424 STRUCTURED-DATA as written
 *   sd: { [sd_id]: { [param]: string | string[] } } | null,  // the same, parsed and unescaped;
 *                                           // a repeated PARAM-NAME gives an array
 *   message: string,                        // MSG: what follows the header
 * }
 * ```
 *
 * `header`:
 * - `parsed`: the line's header was read by the rules of its form; `message` is the text after
 *   it (less the one separator space, and less a UTF-8 BOM before an RFC 5424 MSG).
 * - `partial`: the line starts as syslog (a valid PRI, or a recognised timestamp) but a later
 *   part could not be read with confidence. The parts read before the problem are set, the
 *   others are `null`, and `message` is the WHOLE line: nothing is shifted, nothing guessed.
 * - `none`: not a syslog line (no PRI and no recognised timestamp, an invalid PRI, or a line
 *   without PRI that has a timestamp but no TAG). Every field is `null`; `message` is the line.
 *
 * In every case the line is first cut of its framing trailer (trailing CR, LF and NUL,
 * RFC 6587 §3.4.2): "the whole line" means the line less that trailer.
 *
 * `timestamp` is the date-time as written, from its first to its last character, without a
 * Cisco marker, without the trailing colon and without a zone name that follows it (that is in
 * `timestamp_zone`). `iso8601`: `2026-01-12T11:15:58.792703+00:00` (offset included, as RFC 3339
 * writes it; `T` or a space; `Z`, `+hh:mm`, `+hhmm` or none). `bsd`: `Oct  1 22:14:15`,
 * `Feb 28 00:20:10.663`, `Aug 16 2019 09:09:20`, `2018 Apr 20 13:15:07` (NX-OS),
 * `Aug 24 05:34:00 CST 1987`; no year means the receiver's year. `uptime`: Cisco
 * `service timestamps log uptime` (`00:00:46`, `1d02h`, `2w3d`), time since the device booted.
 * Turning the text into an instant (year inference, zone names) is left to the consumer.
 */
import { z } from 'zod';
import { SYSLOG_HEADER_ISSUE_CODES } from './errors.js';

export const syslogHeaderIssueSchema = z.object({
  code: z.enum(SYSLOG_HEADER_ISSUE_CODES),
  /** Index in the line (UTF-16 code units) where reading stopped. */
  offset: z.number().int().nonnegative(),
  detail: z.string(),
});
export type SyslogHeaderIssue = Readonly<z.output<typeof syslogHeaderIssueSchema>>;

const nullableString = z.string().nullable();

export const syslogHeaderSchema = z.object({
  header: z.enum(['parsed', 'partial', 'none']),
  header_issue: syslogHeaderIssueSchema.nullable(),
  format: z.enum(['rfc5424', 'rfc3164']).nullable(),
  pri: z.number().int().min(0).max(191).nullable(),
  facility: z.number().int().min(0).max(23).nullable(),
  severity: z.number().int().min(0).max(7).nullable(),
  version: z.number().int().positive().nullable(),
  sequence: z.number().int().nonnegative().nullable(),
  sequence2: z.number().int().nonnegative().nullable(),
  timestamp: nullableString,
  timestamp_form: z.enum(['iso8601', 'bsd', 'uptime']).nullable(),
  timestamp_zone: nullableString,
  timestamp_marker: z.enum(['*', '.']).nullable(),
  host: nullableString,
  level: nullableString,
  app_name: nullableString,
  procid: nullableString,
  msgid: nullableString,
  structured_data: nullableString,
  sd: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string())]))).nullable(),
  message: z.string(),
});

/** See the module comment: the contract of every field. */
export type SyslogHeader = Readonly<z.output<typeof syslogHeaderSchema>>;
export type HeaderStatus = SyslogHeader['header'];
export type TimestampForm = NonNullable<SyslogHeader['timestamp_form']>;
/** Parsed STRUCTURED-DATA: SD-ID -> PARAM-NAME -> value (an array when the name repeats). */
export type StructuredDataParams = NonNullable<SyslogHeader['sd']>;
