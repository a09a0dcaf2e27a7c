/**
 * Splits a child's output stream into lines with a bounded buffer: a line longer than `maxLine`
 * is cut (and the rest of it up to the next newline dropped, with a marker), so a child writing
 * without newlines can never grow the runner's memory.
 */
import type { Readable } from 'node:stream';

export const MAX_LINE = 64 * 1024;

export function splitLines(
  stream: Readable | null | undefined,
  onLine: (line: string) => void,
  maxLine = MAX_LINE,
): void {
  if (stream == null) return;
  let pending = '';
  let dropping = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const piece = chunk.slice(start, nl === -1 ? undefined : nl);
      if (!dropping) {
        if (pending.length + piece.length > maxLine) {
          onLine(`${(pending + piece).slice(0, maxLine)}…[line cut at ${maxLine} bytes]`);
          pending = '';
          dropping = nl === -1;
        } else if (nl === -1) {
          pending += piece;
        } else {
          const line = (pending + piece).replace(/\r$/, '');
          pending = '';
          onLine(line);
        }
      } else if (nl !== -1) {
        dropping = false;
      }
      if (nl === -1) return;
      start = nl + 1;
    }
  });
  stream.on('end', () => {
    if (pending !== '' && !dropping) onLine(pending);
    pending = '';
  });
  stream.on('error', () => {});
}
