import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeWindow } from './encoder.js';
import { LumberjackProtocolError } from './errors.js';
import {
  decodeAck,
  encodeAck,
  encodeCompressedFrame,
  encodeJsonFrame,
  encodeKvFrame,
  encodeWindowHeader,
} from './frames.js';
import { defaultReaderLimits, type Window, WindowReader, windowFields } from './window.js';

/** Feeds `bytes` in the given chunk sizes (cycled), collecting windows. */
function readAll(bytes: Buffer, sizes: number[] = [bytes.length], reader = new WindowReader()): Window[] {
  const out: Window[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    out.push(...reader.push(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

function protocolError(fn: () => unknown): LumberjackProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LumberjackProtocolError) return err;
    throw err;
  }
  throw new Error('expected a LumberjackProtocolError');
}

const json = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('Lumberjack codec', () => {
  it('reads the captured Filebeat window (two J frames) and ACKs the last seq', () => {
    const a = { '@timestamp': '2026-01-01T00:00:00Z', message: 'one' };
    const b = { message: 'two' };
    const bytes = Buffer.concat([
      Buffer.from('325700000002', 'hex'),
      encodeJsonFrame(2, 1, json(a)),
      encodeJsonFrame(2, 2, json(b)),
    ]);
    expect(bytes.subarray(0, 12).toString('hex')).toBe('325700000002324a00000001');
    const [w] = readAll(bytes);
    expect(w?.events.map((e) => ({ seq: e.seq, fields: e.fields }))).toEqual([
      { seq: 1, fields: a },
      { seq: 2, fields: b },
    ]);
    expect(encodeAck(w?.version ?? 2, w?.ackSeq ?? 0).toString('hex')).toBe('324100000002');
  });

  it('round-trips any windows, plain or compressed, in any split across reads, pipelined', () => {
    const event = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.oneof(fc.string(), fc.integer(), fc.boolean()),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(event, { maxLength: 20 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 9 }),
        (windows, sizes, level) => {
          const bytes = Buffer.concat(windows.map((w) => encodeWindow(w, { compressionLevel: level })));
          const read = readAll(bytes, sizes);
          expect(read.map((w) => w.events.map((e) => e.fields))).toEqual(windows);
          expect(read.map((w) => w.ackSeq)).toEqual(windows.map((w) => w.length));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads UTF-8 events beside ASCII ones, in the same compressed block and across reads', () => {
    const events = [
      { message: 'plain ASCII line' },
      { message: 'Ünïcödé, 日本語 and 🚀', host: { name: 'hôte' } },
      { message: 'ASCII again', n: 3 },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.record({ message: fc.string({ unit: 'grapheme' }), n: fc.integer() }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (more, sizes, compressed) => {
          const all = [...events, ...more];
          const bytes = encodeWindow(all, compressed ? { compressionLevel: 3 } : {});
          expect(readAll(bytes, sizes).map((w) => w.events.map((e) => e.fields))).toEqual([all]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('assembles a window from plain and compressed frames mixed, and v1 key/value frames', () => {
    const bytes = Buffer.concat([
      Buffer.from('315700000003', 'hex'),
      encodeKvFrame(1, 7, { line: 'first', host: 'h' }),
      encodeCompressedFrame(
        1,
        deflateSync(
          Buffer.concat([
            encodeKvFrame(1, 8, { line: 'second' }),
            encodeJsonFrame(1, 9, json({ line: 'third' })),
          ]),
        ),
      ),
    ]);
    const [w] = readAll(bytes, [3]);
    expect(w?.version).toBe(1);
    expect(w?.events.map((e) => [e.seq, e.fields.line])).toEqual([
      [7, 'first'],
      [8, 'second'],
      [9, 'third'],
    ]);
    expect(w?.ackSeq).toBe(9);
  });

  it('reads every frame type split at every byte boundary', () => {
    const bytes = Buffer.concat([
      encodeWindow([{ a: 1 }, { b: 'two' }]),
      encodeWindow([{ c: 3 }], { compressionLevel: 3 }),
      encodeWindowHeader(2, 0),
      encodeWindowHeader(1, 2),
      encodeKvFrame(1, 1, { line: 'kv' }),
      encodeCompressedFrame(1, deflateSync(encodeJsonFrame(1, 2, json({ line: 'json in C' })))),
    ]);
    const whole = readAll(bytes);
    expect(whole.map((w) => w.events.length)).toEqual([2, 1, 0, 2]);
    for (let k = 1; k < bytes.length; k++) {
      const reader = new WindowReader();
      const split = [...reader.push(bytes.subarray(0, k)), ...reader.push(bytes.subarray(k))];
      expect(split).toEqual(whole);
    }
  });

  it('accepts a window frame inside a compressed frame, as Logstash does', () => {
    const events = [{ message: 'one' }, { message: 'two' }];
    const whole = Buffer.concat([
      encodeWindowHeader(2, 2),
      ...events.map((e, i) => encodeJsonFrame(2, i + 1, json(e))),
    ]);
    const reader = new WindowReader();
    const windows = reader.push(encodeCompressedFrame(2, deflateSync(whole)));
    expect(windows.map((w) => [w.ackSeq, w.events.map((e) => e.fields)])).toEqual([[2, events]]);
    expect(reader.inWindow).toBe(false);
  });

  it('accepts frames split across two compressed frames, at every split point', () => {
    const events = [{ message: 'one' }, { message: 'two', n: 2 }, { message: 'three' }];
    const frames = Buffer.concat(events.map((e, i) => encodeJsonFrame(2, i + 1, json(e))));
    for (let cut = 1; cut < frames.length; cut++) {
      const reader = new WindowReader();
      const bytes = Buffer.concat([
        encodeWindowHeader(2, 3),
        encodeCompressedFrame(2, deflateSync(frames.subarray(0, cut))),
        encodeCompressedFrame(2, deflateSync(frames.subarray(cut))),
      ]);
      const windows = reader.push(bytes);
      expect(windows.map((w) => w.events.map((e) => e.fields))).toEqual([events]);
      expect(reader.buffered).toBe(0);
    }
  });

  it('answers an empty window with ACK 0', () => {
    const [w] = readAll(encodeWindowHeader(2, 0));
    expect(w).toMatchObject({ events: [], ackSeq: 0 });
  });

  it('decodes ACKs, keepalives included', () => {
    expect(decodeAck(Buffer.from('324100000000', 'hex'))).toEqual({ version: 2, seq: 0 });
    expect(decodeAck(Buffer.from('3141000000', 'hex'))).toBeUndefined();
  });

  describe('malformed input is a typed error naming the byte offset', () => {
    const limits = {
      ...defaultReaderLimits,
      maxWindowSize: 100,
      maxFrameBytes: 1024,
      maxInflatedBytes: 4096,
    };
    const cases: [string, Buffer, string][] = [
      ['garbage', Buffer.from('XYZ\n'), 'BAD_VERSION'],
      ['an unknown frame type', Buffer.from('3258', 'hex'), 'BAD_TYPE'],
      ['a window over the limit', encodeWindowHeader(2, 101), 'WINDOW_TOO_LARGE'],
      [
        'a JSON frame over the limit, refused from its header',
        Buffer.concat([encodeWindowHeader(2, 1), Buffer.from('324a0000000100100000', 'hex')]),
        'FRAME_TOO_LARGE',
      ],
      ['data before any window', encodeJsonFrame(2, 1, json({ a: 1 })), 'DATA_OUTSIDE_WINDOW'],
      [
        'invalid JSON',
        Buffer.concat([encodeWindowHeader(2, 1), encodeJsonFrame(2, 1, Buffer.from('{"a":'))]),
        'BAD_JSON',
      ],
      [
        'JSON that is not an object',
        Buffer.concat([encodeWindowHeader(2, 1), encodeJsonFrame(2, 1, json([1]))]),
        'BAD_JSON',
      ],
      [
        'an empty JSON frame',
        Buffer.concat([encodeWindowHeader(2, 1), Buffer.from('324a0000000100000000', 'hex')]),
        'BAD_JSON',
      ],
      [
        'a data frame with no fields',
        Buffer.concat([encodeWindowHeader(1, 1), Buffer.from('31440000000100000000', 'hex')]),
        'BAD_DATA_FRAME',
      ],
      [
        'a compressed frame that is not zlib',
        Buffer.concat([encodeWindowHeader(2, 1), encodeCompressedFrame(2, Buffer.from('not zlib at all'))]),
        'INFLATE_FAILED',
      ],
      [
        'a zip bomb',
        Buffer.concat([
          encodeWindowHeader(2, 1),
          encodeCompressedFrame(2, deflateSync(Buffer.alloc(256 * 1024))),
        ]),
        'INFLATED_TOO_LARGE',
      ],
      [
        'compressed content cut inside a frame, then a plain frame',
        Buffer.concat([
          encodeWindowHeader(2, 2),
          encodeCompressedFrame(2, deflateSync(encodeJsonFrame(2, 1, json({ a: 1 })).subarray(0, 12))),
          encodeJsonFrame(2, 2, json({ b: 2 })),
        ]),
        'TRUNCATED_COMPRESSED',
      ],
      [
        'a window inside a compressed frame while another is incomplete',
        Buffer.concat([
          encodeWindowHeader(2, 1),
          encodeCompressedFrame(2, deflateSync(encodeWindowHeader(2, 1))),
        ]),
        'WINDOW_INTERRUPTED',
      ],
      [
        'a new window before the previous one is complete',
        Buffer.concat([
          encodeWindowHeader(2, 2),
          encodeJsonFrame(2, 1, json({ a: 1 })),
          encodeWindowHeader(2, 1),
        ]),
        'WINDOW_INTERRUPTED',
      ],
    ];
    it.each(cases)('%s', (_what, bytes, code) => {
      // A 'J' frame's JSON is read when its fields are (windowFields): the same error, the same offset.
      const err = protocolError(() => readAll(bytes, [1], new WindowReader(limits)).map(windowFields));
      expect(err.code).toBe(code);
      expect(err.message).toMatch(/\(at byte \d+\)$/);
    });

    it('keeps what it completed before the bad frame (a window is emitted before the error)', () => {
      const reader = new WindowReader(limits);
      const good = encodeWindow([{ a: 1 }]);
      expect(reader.push(good)).toHaveLength(1);
      const err = protocolError(() => reader.push(Buffer.from('XY')));
      expect(err.offset).toBe(good.length);
    });

    it('never throws anything but a LumberjackProtocolError, and never buffers past one frame', () => {
      const valid = Buffer.concat([
        encodeWindow([{ a: 1 }, { b: 2 }], { compressionLevel: 1 }),
        encodeWindow([{ c: 3 }]),
      ]);
      const input = fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        // Valid streams truncated, or with bytes flipped: the interesting malformations.
        fc
          .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.integer({ min: 0, max: 255 }))
          .map(([cut, at, byte]) => {
            const b = Buffer.from(valid.subarray(0, Math.max(cut, 1)));
            if (at < b.length) b[at] = byte;
            return b;
          }),
      );
      fc.assert(
        fc.property(input, fc.integer({ min: 1, max: 16 }), (bytes, chunk) => {
          const reader = new WindowReader(limits);
          try {
            for (let at = 0; at < bytes.length; at += chunk) {
              for (const window of reader.push(bytes.subarray(at, at + chunk))) windowFields(window);
              // One frame on the wire (plus the read) and one unfinished inflated frame at most.
              expect(reader.buffered).toBeLessThanOrEqual(2 * (limits.maxFrameBytes + 10) + chunk);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(LumberjackProtocolError);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});

describe('what the reader keeps', () => {
  // V8's collector on demand, without restarting the test worker with --expose-gc.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('keeps no window once push has returned it: a parsed window is not held until the next read', async () => {
    const reader = new WindowReader();
    // In a function of its own: an async function's locals live across its awaits.
    const readOne = (): WeakRef<object> => {
      const window = reader.push(encodeWindow([{ message: 'a' }, { message: 'b' }]))[0] as Window;
      expect(windowFields(window)).toEqual([{ message: 'a' }, { message: 'b' }]);
      return new WeakRef(window.events[0]?.fields as object);
    };
    const parsed = readOne();
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(parsed.deref()).toBeUndefined();
    // The reader still reads the next window after being emptied.
    expect(reader.push(encodeWindow([{ message: 'c' }]))[0]?.events.length).toBe(1);
  });
});
