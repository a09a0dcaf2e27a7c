/**
 * Our record batches, read back by another implementation: @platformatic/kafka's own reader
 * (readRecordsBatch), and the CRC checked with a CRC-32C computed here from the spec's polynomial.
 * The real broker checks them too (test/batch-producer.test.ts).
 */
import { compressionsAlgorithms, Reader, readRecordsBatch } from '@platformatic/kafka';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageBatch } from './message-batch.js';
import {
  encodeRecords,
  frameRecordBatch,
  RECORD_BATCH_OVERHEAD,
  varintSize,
  writeVarint,
} from './record-batch.js';

type Pair = readonly [string | null, string];

function packed(pairs: readonly Pair[]) {
  const batch = new MessageBatch();
  for (const [key, value] of pairs) batch.add(key, value);
  return batch.pack();
}

/** CRC-32C, bit by bit (RFC 3720 B.4, reflected polynomial 0x82F63B78): slow, and independent of the code under test. */
function crc32cReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function read(batch: Buffer) {
  const decoded = readRecordsBatch(Reader.from(batch));
  return {
    ...decoded,
    pairs: decoded.records.map((r) => [
      r.key === null || r.key.length === 0 ? (r.key === null ? null : '') : r.key.toString('utf8'),
      r.value?.toString('utf8') ?? null,
    ]),
  };
}

describe('record batch v2', () => {
  it('reads back, every key and value in order, with the header Kafka expects of a plain producer', () => {
    const pairs: Pair[] = [
      [null, '{"log":"plain"}'],
      ['host-1', 'é, 漢字 and 🚀'],
      [null, ''],
      ['k', 'x'.repeat(300)],
    ];
    const { records, count } = encodeRecords(packed(pairs), { from: 0, to: pairs.length });
    const batch = frameRecordBatch(records, count, 0, { timestamp: 1_764_000_000_123 });
    const decoded = read(batch);
    expect(decoded.pairs).toEqual(pairs);
    expect(decoded.magic).toBe(2);
    expect(decoded.length).toBe(batch.length - 12);
    expect(decoded.lastOffsetDelta).toBe(pairs.length - 1);
    expect(decoded.firstTimestamp).toBe(1_764_000_000_123n);
    expect(decoded.maxTimestamp).toBe(1_764_000_000_123n);
    expect(decoded.producerId).toBe(-1n);
    expect(decoded.producerEpoch).toBe(-1);
    expect(decoded.firstSequence).toBe(-1);
    expect(decoded.records.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3]);
    expect(decoded.crc).toBe(crc32cReference(batch.subarray(21)));
    expect(batch.length).toBe(RECORD_BATCH_OVERHEAD + records.length);
  });

  it('frames in the room encodeRecords left, the same bytes as a framed copy', () => {
    const { records, count, room } = encodeRecords(
      packed([
        [null, 'a'],
        ['k', 'b'],
      ]),
      { from: 0, to: 2 },
    );
    const copy = frameRecordBatch(records, count, 0, { timestamp: 7 });
    const inPlace = frameRecordBatch(records, count, 0, { timestamp: 7 }, room);
    expect(inPlace.buffer).toBe(room.buffer);
    expect(inPlace.byteOffset).toBe(room.byteOffset);
    expect(inPlace.equals(copy)).toBe(true);
  });

  it('takes only the listed messages, in the order listed, numbered from 0', () => {
    const pairs: Pair[] = [
      ['a', '0'],
      ['b', '1'],
      ['c', '2'],
      ['d', '3'],
    ];
    const { records, count } = encodeRecords(packed(pairs), { only: [3, 1] });
    const decoded = read(frameRecordBatch(records, count, 0, { timestamp: 1 }));
    expect(decoded.pairs).toEqual([
      ['d', '3'],
      ['b', '1'],
    ]);
    expect(decoded.records.map((r) => r.offsetDelta)).toEqual([0, 1]);
  });

  it("carries an idempotent producer's id, epoch and first sequence", () => {
    const { records, count } = encodeRecords(packed([[null, 'once']]), { from: 0, to: 1 });
    const decoded = read(
      frameRecordBatch(records, count, 0, {
        timestamp: 5,
        producerId: 4_000_000_001n,
        producerEpoch: 3,
        baseSequence: 2_147_483_000,
      }),
    );
    expect([decoded.producerId, decoded.producerEpoch, decoded.firstSequence]).toEqual([
      4_000_000_001n,
      3,
      2_147_483_000,
    ]);
  });

  it('compressed records read back with their codec bits set', () => {
    const pairs: Pair[] = Array.from({ length: 40 }, (_, i) => [
      i % 3 === 0 ? null : `k${i}`,
      `line ${i} ${'y'.repeat(90)}`,
    ]);
    for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const codec = compressionsAlgorithms[name];
      const { records, count } = encodeRecords(packed(pairs), { from: 0, to: pairs.length });
      const batch = frameRecordBatch(codec.compressSync(records), count, codec.bitmask, { timestamp: 9 });
      const decoded = read(batch);
      expect(decoded.attributes & 0b111, name).toBe(codec.bitmask);
      expect(decoded.pairs, name).toEqual(pairs);
      expect(decoded.crc, name).toBe(crc32cReference(batch.subarray(21)));
    }
  });

  it('any keys and values read back as written (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.option(fc.string({ unit: 'binary' }), { nil: null }),
            fc.string({ unit: 'binary', maxLength: 400 }),
          ),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        (pairs) => {
          const { records, count } = encodeRecords(packed(pairs), { from: 0, to: pairs.length });
          const decoded = read(frameRecordBatch(records, count, 0, { timestamp: 0 }));
          // UTF-8 turns lone surrogates into U+FFFD, as Buffer.from does.
          const utf8 = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8').toString('utf8'));
          expect(decoded.pairs).toEqual(pairs.map(([k, v]) => [utf8(k), utf8(v)]));
        },
      ),
    );
  });

  it('writes zigzag varints as Kafka does, sized as written', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [63, [0x7e]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [300, [0xd8, 0x04]],
      [2_147_483_647, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [n, bytes] of cases) {
      const out = new Uint8Array(5);
      const end = writeVarint(out, 0, n);
      expect([...out.subarray(0, end)], String(n)).toEqual(bytes);
      expect(varintSize(n), String(n)).toBe(bytes.length);
    }
  });
});
