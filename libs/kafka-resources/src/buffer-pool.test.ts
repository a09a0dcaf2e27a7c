import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';
import { MessageBatch, unpackMessages } from './message-batch.js';
import { encodeRecords } from './record-batch.js';

describe('BufferPool', () => {
  it('hands a buffer given back out again, rounded up to its grain', () => {
    const pool = new BufferPool({ grain: 1024 });
    const a = pool.take(1500);
    expect(a.byteLength).toBe(2048);
    pool.give(a);
    expect(pool.free).toEqual({ buffers: 1, bytes: 2048 });
    expect(pool.take(2000)).toBe(a);
    expect(pool.free).toEqual({ buffers: 0, bytes: 0 });
  });

  it('takes the smallest buffer that fits, and allocates when none does', () => {
    const pool = new BufferPool({ grain: 1024 });
    const small = pool.take(1024);
    const large = pool.take(8192);
    pool.give(large);
    pool.give(small);
    expect(pool.take(1000)).toBe(small);
    const fresh = pool.take(16_384);
    expect(fresh).not.toBe(large);
    expect(fresh.byteLength).toBe(16_384);
  });

  it('ignores buffers it did not hand out, transferred ones, and a second give', () => {
    const pool = new BufferPool({ grain: 1024 });
    pool.give(new ArrayBuffer(4096));
    // A slice of Node's shared pool must never be handed out as a batch's own buffer.
    pool.give(Buffer.allocUnsafe(16).buffer as ArrayBuffer);
    const moved = pool.take(1024);
    structuredClone(moved, { transfer: [moved] });
    pool.give(moved);
    expect(pool.free.buffers).toBe(0);
    const twice = pool.take(1024);
    pool.give(twice);
    pool.give(twice);
    expect(pool.free.buffers).toBe(1);
  });

  it('keeps at most maxFree buffers and maxFreeBytes waiting; the rest go to the collector for good', () => {
    const pool = new BufferPool({ grain: 1024, maxFree: 2, maxFreeBytes: 3 * 1024 });
    const [a, b, c] = [pool.take(1024), pool.take(1024), pool.take(1024)] as const;
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.free).toEqual({ buffers: 2, bytes: 2048 });
    const big = pool.take(2048);
    pool.give(big);
    expect(pool.free.buffers).toBe(2);
    // c was refused: it is no longer the pool's, even once there is room.
    pool.take(1024);
    pool.give(c);
    expect(pool.free.buffers).toBe(1);
  });

  it('ignores a second give of a waiting buffer even when full, and keeps handing that buffer out', () => {
    const pool = new BufferPool({ grain: 1024, maxFree: 1 });
    const a = pool.take(1024);
    pool.give(a);
    pool.give(a);
    expect(pool.take(1024)).toBe(a);
    pool.give(a);
    expect(pool.free).toEqual({ buffers: 1, bytes: 1024 });
  });
});

describe('batches on pooled buffers', () => {
  it('a MessageBatch writes into a pooled buffer, and gives back the one it outgrew', () => {
    const pool = new BufferPool({ grain: 1024 });
    const batch = new MessageBatch({ bytes: 1024, pool });
    const first = pool.free;
    expect(first.buffers).toBe(0);
    batch.add(null, 'x'.repeat(300));
    batch.add('k', 'y'.repeat(900));
    // The second value did not fit the first 1 KiB buffer (room for its worst case): it went back.
    expect(pool.free.buffers).toBe(1);
    const packed = batch.pack();
    expect(unpackMessages(packed).map((m) => [m.key?.toString() ?? null, m.value.toString()])).toEqual([
      [null, 'x'.repeat(300)],
      ['k', 'y'.repeat(900)],
    ]);
    pool.give(packed.data);
    expect(pool.free.buffers).toBe(2);
  });

  it('a reused buffer carries only the new batch: what the last batch left is not read', () => {
    const pool = new BufferPool({ grain: 4096 });
    const one = new MessageBatch({ bytes: 4096, pool });
    one.add(null, 'first batch, a longer value than the next one');
    const p1 = one.pack();
    pool.give(p1.data);
    const two = new MessageBatch({ bytes: 4096, pool });
    two.add(null, 'second');
    const p2 = two.pack();
    expect(p2.data).toBe(p1.data);
    expect(unpackMessages(p2).map((m) => m.value.toString())).toEqual(['second']);
    const { records, room } = encodeRecords(p2, { from: 0, to: 1 }, pool);
    expect(records.includes(Buffer.from('second'))).toBe(true);
    expect(records.includes(Buffer.from('longer'))).toBe(false);
    pool.give(room.buffer as ArrayBuffer);
    expect(pool.free.buffers).toBe(1);
  });
});
