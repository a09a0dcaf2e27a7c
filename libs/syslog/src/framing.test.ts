import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeNonTransparent,
  encodeOctetCounted,
  type SyslogFrame,
  SyslogFrameDecoder,
  SyslogFramingError,
} from './framing.js';

const text = (frames: readonly SyslogFrame[]) => frames.map((f) => f.message.toString('latin1'));

function decodeAll(chunks: readonly Buffer[], limits = {}): SyslogFrame[] {
  const d = new SyslogFrameDecoder(limits);
  const out: SyslogFrame[] = [];
  for (const c of chunks) out.push(...d.push(c));
  out.push(...d.end());
  return out;
}

/** Splits `buf` at the given cut points (fractions), as TCP may. */
function split(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const a of at) {
    parts.push(buf.subarray(prev, a));
    prev = a;
  }
  parts.push(buf.subarray(prev));
  return parts.filter((p) => p.length > 0);
}

describe('SyslogFrameDecoder: framing detected per frame (RFC 6587)', () => {
  it('reads what logger --octet-count sends: frames back to back, no trailer', () => {
    const a = '<13>1 2026-11-21T05:32:03.143954+00:00 vm myapp - - [timeQuality tzKnown="1"] octet counted';
    const b = '<13>Nov 21 05:31:56 vm myapp: second';
    const stream = Buffer.from(`${Buffer.byteLength(a)} ${a}${Buffer.byteLength(b)} ${b}`);
    const frames = decodeAll([stream]);
    expect(text(frames)).toEqual([a, b]);
    expect(frames.map((f) => f.framing)).toEqual(['octet-counting', 'octet-counting']);
  });

  it('keeps an LF inside an octet-counted frame', () => {
    const m = '<13>java: Exception\n\tat Foo.bar(Foo.java:1)';
    expect(text(decodeAll([encodeOctetCounted(m)]))).toEqual([m]);
  });

  it('reads LF, CRLF and NUL trailers, and mixes framings frame by frame', () => {
    const stream = Buffer.concat([
      Buffer.from('<13>one\n<13>two\r\n'),
      encodeOctetCounted('<13>three\nstill three'),
      Buffer.from('<13>four\0<13>five\n\n\n'),
    ]);
    const frames = decodeAll([stream]);
    expect(text(frames)).toEqual(['<13>one', '<13>two', '<13>three\nstill three', '<13>four', '<13>five']);
    expect(frames.map((f) => f.framing)).toEqual([
      'non-transparent',
      'non-transparent',
      'octet-counting',
      'non-transparent',
      'non-transparent',
    ]);
  });

  it('takes a line without trailer at the end of the stream as a message (rsyslog does)', () => {
    expect(text(decodeAll([Buffer.from('<13>a\n<13>b without LF')]))).toEqual(['<13>a', '<13>b without LF']);
  });

  it('strips only one CR before LF', () => {
    expect(text(decodeAll([Buffer.from('<13>a\r\r\n')]))).toEqual(['<13>a\r']);
  });

  it('truncates a long LF line to maxMessageBytes and discards the rest of it, counted', () => {
    const d = new SyslogFrameDecoder({ maxMessageBytes: 10 });
    const frames = [...d.push(Buffer.from('<13>0123456789abc')), ...d.push(Buffer.from('defgh\n<13>ok\n'))];
    expect(text(frames)).toEqual(['<13>012345', '<13>ok']);
    expect(frames.map((f) => f.truncated)).toEqual([true, false]);
    expect(d.truncatedFrames).toBe(1);
    expect(d.discardedBytes).toBe(12);
  });

  it('truncates a long octet-counted frame and reads the next frame after it', () => {
    const d = new SyslogFrameDecoder({ maxMessageBytes: 5 });
    const stream = Buffer.concat([encodeOctetCounted('<13>long message'), encodeOctetCounted('<1>x')]);
    const frames = split(stream, [0.1, 0.3, 0.5, 0.9]).flatMap((c) => d.push(c));
    expect(text(frames)).toEqual(['<13>l', '<1>x']);
    expect(frames[0]?.truncated).toBe(true);
    expect(d.discardedBytes).toBe(11);
  });

  it('does not count CRLF against the limit', () => {
    const frames = decodeAll([Buffer.from('<13>12345\r\n')], { maxMessageBytes: 9 });
    expect(text(frames)).toEqual(['<13>12345']);
    expect(frames[0]?.truncated).toBe(false);
  });

  it.each([
    ['a count not followed by SP', '12x <13>hello', 'BAD_OCTET_COUNT'],
    ['a count with a leading zero', '012 <13>hello world', 'BAD_OCTET_COUNT'],
    ['a count of 11 digits', '12345678901 <13>x', 'BAD_OCTET_COUNT'],
    ['a count over maxFrameBytes', '999999 <13>x', 'FRAME_TOO_LARGE'],
  ])('refuses %s', (_what, input, code) => {
    const d = new SyslogFrameDecoder({ maxFrameBytes: 1000 });
    const err = (() => {
      try {
        d.push(Buffer.from(`<13>fine\n${input}`));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SyslogFramingError);
    expect((err as SyslogFramingError).code).toBe(code);
    expect((err as SyslogFramingError).offset).toBe(9);
    // The frame before the bad one was complete: it is not lost.
    expect(text((err as SyslogFramingError).before)).toEqual(['<13>fine']);
  });

  it('reports an incomplete octet-counted frame at the end of the stream', () => {
    const d = new SyslogFrameDecoder();
    d.push(Buffer.from('20 <13>short'));
    expect(() => d.end()).toThrow(/11 of 20 octets missing/);
  });

  it('round-trips any messages in either framing, however the stream is cut', () => {
    const message = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(message, fc.constantFrom('octet', 'LF', 'CRLF', 'NUL')), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        (msgs, cuts) => {
          // A non-transparent frame cannot carry its delimiters, nor start with a digit (it would
          // read as a count), nor end in CR before a CRLF: senders with such messages use octets.
          const framed = msgs.map(([m, how]) => {
            const plain = how !== 'octet' && m.indexOf(0x0a) === -1 && m.indexOf(0) === -1;
            const ok =
              plain && !(m[0] !== undefined && m[0] >= 0x30 && m[0] <= 0x39) && m[m.length - 1] !== 0x0d;
            if (!ok) return { m, bytes: encodeOctetCounted(m) };
            return { m, bytes: encodeNonTransparent(m, how as 'LF' | 'CRLF' | 'NUL') };
          });
          const stream = Buffer.concat(framed.map((f) => f.bytes));
          const got = decodeAll(split(stream, cuts), { maxMessageBytes: 1000 });
          expect(got.map((f) => f.message.toString('hex'))).toEqual(framed.map((f) => f.m.toString('hex')));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('fuzz: any bytes, any cuts: only SyslogFramingError, never more than maxMessageBytes held', () => {
    const max = 64;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc
              .constantFrom('<13>ok\n', '12 ', '999 ', '\n', '\r\n', '\0', '0', '7 <13>abc')
              .map((s) => new TextEncoder().encode(s)),
          ),
          { maxLength: 40 },
        ),
        (chunks) => {
          const d = new SyslogFrameDecoder({ maxMessageBytes: max, maxFrameBytes: 4096 });
          try {
            for (const c of chunks) {
              for (const f of d.push(Buffer.from(c))) expect(f.message.length).toBeLessThanOrEqual(max);
              expect(d.buffered).toBeLessThanOrEqual(max + 1);
            }
            d.end();
          } catch (err) {
            expect(err).toBeInstanceOf(SyslogFramingError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('encoders', () => {
  it('encodes octet counting with the byte length, not the character count', () => {
    expect(encodeOctetCounted('<13>é').toString()).toBe('6 <13>é');
  });
  it('refuses a non-transparent message holding its own trailer', () => {
    expect(() => encodeNonTransparent('<13>a\nb')).toThrow(RangeError);
    expect(encodeNonTransparent('<13>a', 'CRLF').toString()).toBe('<13>a\r\n');
  });
});
