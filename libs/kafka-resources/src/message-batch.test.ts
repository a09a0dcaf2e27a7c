import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageBatch, unpackMessages } from './message-batch.js';

type Pair = readonly [string | null, string];

function roundTrip(pairs: readonly Pair[], expected?: { messages?: number; bytes?: number }) {
  const batch = new MessageBatch(expected);
  for (const [key, value] of pairs) batch.add(key, value);
  return { count: batch.count, bytes: batch.bytes, messages: unpackMessages(batch.pack()) };
}

const utf8 = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8'));

describe('MessageBatch', () => {
  it('packs keys and values as UTF-8 and unpacks them in order, null keys staying null', () => {
    const pairs: Pair[] = [
      [null, '{"log":"plain"}'],
      ['host-1', 'é, 漢字 and 🚀'],
      ['', ''],
      [null, 'last'],
    ];
    const { count, bytes, messages } = roundTrip(pairs);
    expect(count).toBe(4);
    expect(bytes).toBe(pairs.reduce((n, [k, v]) => n + Buffer.byteLength(k ?? '') + Buffer.byteLength(v), 0));
    expect(messages.map((m) => [m.key, m.value])).toEqual(pairs.map(([k, v]) => [utf8(k), utf8(v)]));
  });

  it('grows past its expected size without losing what it already holds', () => {
    const big = 'x'.repeat(100_000);
    const pairs: Pair[] = Array.from({ length: 600 }, (_, i) => [
      i % 3 === 0 ? null : `k${i}`,
      i === 300 ? big : `v${i}`,
    ]);
    const { messages } = roundTrip(pairs, { messages: 2, bytes: 16 });
    expect(messages).toHaveLength(600);
    expect(messages[300]?.value.toString()).toBe(big);
    expect(messages.map((m) => [m.key, m.value])).toEqual(pairs.map(([k, v]) => [utf8(k), utf8(v)]));
  });

  it('gives the bytes Buffer.from would for any strings (lone surrogates included)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.option(fc.string({ unit: 'binary' }), { nil: null }), fc.string({ unit: 'binary' })),
          {
            maxLength: 50,
          },
        ),
        fc.integer({ min: 0, max: 64 }),
        (pairs, bytes) => {
          const { messages } = roundTrip(pairs, { messages: 1, bytes });
          expect(messages.map((m) => [m.key, m.value])).toEqual(pairs.map(([k, v]) => [utf8(k), utf8(v)]));
        },
      ),
    );
  });

  it('refuses to be added to or packed again once packed', () => {
    const batch = new MessageBatch();
    batch.add(null, 'a');
    batch.pack();
    expect(() => batch.add(null, 'b')).toThrow(/add\(\) after pack\(\)/);
    expect(() => batch.pack()).toThrow(/packed twice/);
  });

  it('packs into a buffer of its own, which can be transferred to another thread', () => {
    const batch = new MessageBatch();
    batch.add(null, 'a');
    const packed = batch.pack();
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packed, [packed.data, packed.index.buffer as ArrayBuffer]);
    expect(packed.data.byteLength).toBe(0); // detached: it moved, nothing was copied
    port1.close();
    port2.close();
  });
});
