import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitLines } from './lines.js';

function feed(chunks: string[], maxLine = 10): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  splitLines(stream, (l) => lines.push(l), maxLine);
  for (const c of chunks) stream.write(c);
  stream.end();
  return new Promise((resolve) => stream.on('end', () => resolve(lines)));
}

describe('splitLines', () => {
  it('reassembles lines split across chunks, CRLF included, and keeps a last unterminated line', async () => {
    expect(await feed(['ab', 'c\nde', 'f\r\n', '\nlast'])).toEqual(['abc', 'def', '', 'last']);
  });

  it('cuts a line past the bound and drops the rest of it, never buffering more', async () => {
    const lines = await feed(['0123456789ABCDEF', 'GHIJ', 'KLMN\nok\n']);
    expect(lines).toEqual(['0123456789…[line cut at 10 bytes]', 'ok']);
  });
});
