/**
 * The trailer a sender puts inside a message: one LF (with a CR before it) or one NUL at its end.
 * Senders add it to UDP datagrams, and syslog-ng's `syslog()` driver counts its LF into each
 * octet-counted frame (`78 <13>1 ... msg\n`). rsyslog drops a trailing LF from every message it
 * receives (`parser.dropTrailingLFOnReception`, on by default); so do Drover's servers for
 * datagrams, octet-counted frames and RELP messages (an LF-framed message never holds its trailer).
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** Where `message` ends without its trailer: its length, less one LF (and a CR before it) or one NUL. */
export function endWithoutTrailer(message: Uint8Array): number {
  let end = message.length;
  if (end > 0 && (message[end - 1] === LF || message[end - 1] === NUL)) {
    end--;
    if (message[end] === LF && end > 0 && message[end - 1] === CR) end--;
  }
  return end;
}
