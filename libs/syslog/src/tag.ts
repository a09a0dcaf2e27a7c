/**
 * The RFC 3164 TAG (§4.1.3) as real programs write it (pure). RFC 3164 describes TAG as at most
 * 32 alphanumeric characters ended by any other character; taken literally, the first word of
 * every message would become a program name (`Connection closed` -> app `Connection`), which is
 * the silent shift this module exists to prevent. A word is a TAG here only in these forms:
 *
 * | form | example | source |
 * |---|---|---|
 * | `name[pid]:` then a space or the end | `sshd[1581943]: Invalid user` | syslog(3), RFC 3164 §5.3 |
 * | `name:` then a space or the end | `su: 'su root' failed` | RFC 3164 §5.4 example 1 |
 * | `name[pid]` then a space | `myapp[4242] hello` | rsyslog forwarding an RFC 5424 message in a 3164 template |
 * | `name` then a TAB | `MSWinEventLog\t1\tSecurity` | Snare over syslog |
 *
 * `name` is 1 to 48 printable characters (RFC 5424 APP-NAME's limit: real tags such as
 * `systemd-networkd-wait-online` or `org.gnome.Shell.desktop` pass RFC 3164's 32), without
 * space, `:`, `[` or `]`, not starting with a digit (a Cisco counter `88:` or uptime `1d02h:`
 * is not a program) nor with `%` (a Cisco message code `%SYS-5-CONFIG_I:` is message text).
 * `-` as pid (systemd-netlogd writes `kernel[-]:`) is the NILVALUE: no pid.
 */

const MAX_NAME = 48;
const MAX_PID = 128;

export interface TagRead {
  readonly app: string;
  readonly procid: string | null;
  /** Whether the TAG ended with `:` and carried no pid (the form a Cisco ASA origin also has). */
  readonly bareColon: boolean;
  /** Index where the message starts (after the separator). */
  readonly end: number;
}

/** The TAG starting at `at`, or `null` when the word there is not in a TAG form. */
export function readTag(line: string, at: number): TagRead | null {
  const first = line.charCodeAt(at);
  if ((first >= 48 && first <= 57) || first === 37 /* % */) return null;
  const length = line.length;
  let i = at;
  const nameLimit = Math.min(length, at + MAX_NAME);
  for (; i < nameLimit; i++) {
    const c = line.charCodeAt(i);
    if (c <= 32 || c === 58 || c === 91 || c === 93 || c === 127) break;
  }
  if (i === at || i === length) return null;
  const stop = line.charCodeAt(i);
  if (stop === 58 /* : */) {
    const next = i + 1;
    if (next === length) return { app: line.slice(at, i), procid: null, bareColon: true, end: next };
    if (line.charCodeAt(next) !== 32) return null;
    return { app: line.slice(at, i), procid: null, bareColon: true, end: next + 1 };
  }
  if (stop === 9 /* TAB */) return { app: line.slice(at, i), procid: null, bareColon: false, end: i + 1 };
  if (stop !== 91 /* [ */) return null;
  const pidStart = i + 1;
  const pidLimit = Math.min(length, pidStart + MAX_PID + 1);
  let j = pidStart;
  for (; j < pidLimit; j++) {
    const c = line.charCodeAt(j);
    if (c === 93 /* ] */ || c <= 32) break;
  }
  if (j === pidStart || j >= length || line.charCodeAt(j) !== 93) return null;
  const pid = j - pidStart === 1 && line.charCodeAt(pidStart) === 45 /* - */ ? null : line.slice(pidStart, j);
  let end = j + 1;
  if (end === length) return { app: line.slice(at, i), procid: pid, bareColon: false, end };
  const after = line.charCodeAt(end);
  if (after === 58 /* : */) {
    end++;
    if (end < length) {
      if (line.charCodeAt(end) !== 32) return null;
      end++;
    }
  } else if (after === 32) {
    end++;
  } else {
    return null;
  }
  return { app: line.slice(at, i), procid: pid, bareColon: false, end };
}
