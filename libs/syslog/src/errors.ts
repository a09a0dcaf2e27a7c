/**
 * Why a syslog header was read only in part, or not at all: the `header_issue.code` of a
 * {@link SyslogHeader} whose `header` is `partial` or `none`, and the `code` of a
 * {@link SyslogHeaderError}. One list, defined here and imported everywhere.
 *
 * | code | header | meaning |
 * |---|---|---|
 * | `NO_HEADER` | `none` | neither a PRI nor a timestamp at the start of the line, or (without a PRI) a timestamp not followed by a syslog TAG |
 * | `PRI_INVALID` | `none` | the line starts with `<` but not with a PRI of 1 to 3 digits, 0..191 (RFC 5424 §6.2.1) |
 * | `TIMESTAMP_INVALID` | `partial` | a timestamp in a known form whose values are out of range (month 13, hour 25, ...) |
 * | `TIMESTAMP_UNRECOGNISED` | `partial` | a date or a time after the PRI in no form this parser knows |
 * | `FIELD_INVALID` | `partial` | an RFC 5424 header field is empty (two spaces) or missing |
 * | `SD_INVALID` | `partial` | RFC 5424 STRUCTURED-DATA is malformed or not closed (RFC 5424 §6.3) |
 * | `CISCO_HEADER_UNREADABLE` | `partial` | a Cisco counter (`88: `) followed by neither a timestamp nor a message code |
 * | `NOT_A_STRING` | (thrown) | `parseSyslog` was given something other than a string |
 */
export const SYSLOG_HEADER_ISSUE_CODES = [
  'NO_HEADER',
  'PRI_INVALID',
  'TIMESTAMP_INVALID',
  'TIMESTAMP_UNRECOGNISED',
  'FIELD_INVALID',
  'SD_INVALID',
  'CISCO_HEADER_UNREADABLE',
] as const;
export type SyslogHeaderIssueCode = (typeof SYSLOG_HEADER_ISSUE_CODES)[number];

export const SYSLOG_HEADER_ERROR_CODES = [...SYSLOG_HEADER_ISSUE_CODES, 'NOT_A_STRING'] as const;
export type SyslogHeaderErrorCode = (typeof SYSLOG_HEADER_ERROR_CODES)[number];

/**
 * The only error the syslog header functions throw. `parseSyslog` throws it for a non-string
 * argument only (`NOT_A_STRING`); `parseSyslogStrict` throws it for every header that is not
 * fully read, with the code and offset of the `header_issue`. `offset` is the index in the line
 * (UTF-16 code units) where reading stopped.
 */
export class SyslogHeaderError extends Error {
  override readonly name = 'SyslogHeaderError';
  readonly code: SyslogHeaderErrorCode;
  readonly offset: number;

  constructor(code: SyslogHeaderErrorCode, message: string, offset: number) {
    super(`${code}: ${message} (at offset ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}
