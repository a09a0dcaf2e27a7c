/**
 * HOSTNAME (RFC 3164 §4.1.2, RFC 5424 §6.2.4), as real senders write it (pure):
 *
 * - a name: letters, digits, `-`, `.` and `_` (NetBIOS and appliance names such as
 *   `palo_alto_host` or `NetAuto_CSRv-03`), starting with a letter, digit or `_`, at most 255
 *   characters; an IPv4 address is such a name;
 * - an IPv6 address in RFC 4291 §2.2 text form, `::ffff:10.0.0.7` (IPv4-mapped) included:
 *   RFC 3164 §4.1.2 allows an IPv6 address as HOSTNAME.
 *
 * Anything else (quotes, `=`, `,`, `/`, brackets) cannot be a host, so the word is message text.
 */
import { isIPv6 } from 'node:net';

const MAX_HOSTNAME = 255;

/**
 * End index of the HOSTNAME starting at `at` (the space after it, or the end of the line), or -1
 * when the word there is not a valid host.
 */
export function readHostname(line: string, at: number): number {
  let i = at;
  let colons = 0;
  const limit = Math.min(line.length, at + MAX_HOSTNAME + 1);
  for (; i < limit; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) break;
    if (c === 58 /* : */) {
      colons++;
      continue;
    }
    if (!isNameChar(c)) return -1;
  }
  if (i === at || i - at > MAX_HOSTNAME) return -1;
  if (colons > 0) return colons >= 2 && isIPv6(line.slice(at, i)) ? i : -1;
  const first = line.charCodeAt(at);
  return first === 45 /* - */ || first === 46 /* . */ ? -1 : i;
}

/** Whether `word` as a whole is a valid HOSTNAME. */
export function isHostname(word: string): boolean {
  return word.length > 0 && readHostname(word, 0) === word.length;
}

function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95
  );
}
