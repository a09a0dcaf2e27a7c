import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_SLOT_OFFSETS,
  decodeCheckpoint,
  encodeCheckpoint,
  encodeRecordHeader,
  MAX_PAYLOAD_BYTES,
  readCheckpoint,
} from '../src/record.js';
import { Spool, type SpoolOptions } from '../src/spool.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'drover-spool-'));

/**
 * Every spool a test opened, closed when it ends: a test leaves some open as a SIGKILL would, and
 * a FileHandle the collector finds open is a warning on Node 24 (DEP0137) and an error on Node 26
 * (ERR_INVALID_STATE).
 */
const opened: Spool[] = [];
async function openSpool(options: SpoolOptions): Promise<Spool> {
  const spool = await Spool.open(options);
  opened.push(spool);
  return spool;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

function appendAll(spool: Spool, payloads: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    spool.append(
      payloads.map((p) => Buffer.from(p)),
      (err) => (err ? reject(err) : resolve()),
    ),
  );
}

async function readAll(spool: Spool): Promise<{ seq: number; text: string }[]> {
  const out: { seq: number; text: string }[] = [];
  for (;;) {
    const batch = await spool.read(64);
    if (batch.length === 0) return out;
    out.push(...batch.map((r) => ({ seq: r.seq, text: r.payload.toString() })));
  }
}

const opts = (dir: string, more: Partial<SpoolOptions> = {}): SpoolOptions => ({
  dir,
  maxBytes: 1024 * 1024,
  fsync: 'always',
  checkpointDelayMs: 1,
  ...more,
});

describe('Spool', () => {
  it('gives back what was appended, in order, once durable', async () => {
    const spool = await openSpool(opts(fresh()));
    await appendAll(spool, ['a', 'b']);
    await appendAll(spool, ['c']);
    expect(await readAll(spool)).toEqual([
      { seq: 1, text: 'a' },
      { seq: 2, text: 'b' },
      { seq: 3, text: 'c' },
    ]);
    expect(spool.stats).toMatchObject({ records: 3, appended: 3, replayed: 0 });
    await spool.close();
  });

  it('stores a payload given in parts as their concatenation, in the record format v1 defines', async () => {
    const dir = fresh();
    const spool = await openSpool(opts(dir));
    await new Promise<void>((resolve, reject) =>
      spool.append([[Buffer.from('he'), Buffer.from(''), Buffer.from('ad|')], Buffer.from('whole')], (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    expect(await readAll(spool)).toEqual([
      { seq: 1, text: 'head|' },
      { seq: 2, text: 'whole' },
    ]);
    // Byte for byte what encodeRecordHeader + payload wrote before (a spool left by an older
    // version replays unchanged).
    const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    const expected = Buffer.concat([
      encodeRecordHeader(1, Buffer.from('head|')),
      Buffer.from('head|'),
      encodeRecordHeader(2, Buffer.from('whole')),
      Buffer.from('whole'),
    ]);
    expect(readFileSync(join(dir, segment as string))).toEqual(expected);
    await spool.close();
  });

  it('reads what an earlier run left from the file and what it just wrote from memory, in one order', async () => {
    const dir = fresh();
    const first = await openSpool(opts(dir));
    await appendAll(first, ['old1', 'old2']);
    // No close(): as after SIGKILL; the next run finds both on disk.
    const second = await openSpool(opts(dir));
    await appendAll(second, ['new1']);
    await appendAll(second, ['new2', 'new3']);
    const firstRead = await second.read(1); // one record's worth: from the file
    await appendAll(second, ['new4']);
    const rest = await readAll(second);
    expect([...firstRead.map((r) => ({ seq: r.seq, text: r.payload.toString() })), ...rest]).toEqual([
      { seq: 1, text: 'old1' },
      { seq: 2, text: 'old2' },
      { seq: 3, text: 'new1' },
      { seq: 4, text: 'new2' },
      { seq: 5, text: 'new3' },
      { seq: 6, text: 'new4' },
    ]);
    // What was read from memory is on disk all the same: a third run replays all of it.
    const third = await openSpool(opts(dir));
    expect((await readAll(third)).map((r) => r.text)).toEqual([
      'old1',
      'old2',
      'new1',
      'new2',
      'new3',
      'new4',
    ]);
    await third.close();
  });

  it('refuses a payload over MAX_PAYLOAD_BYTES and appends nothing of that group', async () => {
    const spool = await openSpool(opts(fresh(), { maxBytes: 1024 ** 3 }));
    const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1);
    expect(() => spool.append([Buffer.from('ok'), big], () => {})).toThrow(RangeError);
    await appendAll(spool, ['next']);
    expect(await readAll(spool)).toEqual([{ seq: 1, text: 'next' }]);
    await spool.close();
  });

  it('replays what was not confirmed after a crash (no close), and only that', async () => {
    const dir = fresh();
    const first = await openSpool(opts(dir));
    await appendAll(first, ['r1', 'r2', 'r3', 'r4']);
    await readAll(first);
    first.confirm(1);
    first.confirm(3); // out of order: 2 is not confirmed, so 2, 3 and 4 come back
    await new Promise((r) => setTimeout(r, 30)); // the checkpoint is written within checkpointDelayMs
    // No close(): as after SIGKILL.
    const second = await openSpool(opts(dir));
    expect(second.stats.replayed).toBe(3);
    expect((await readAll(second)).map((r) => r.text)).toEqual(['r2', 'r3', 'r4']);
    await appendAll(second, ['r5']);
    expect((await readAll(second)).map((r) => [r.seq, r.text])).toEqual([[5, 'r5']]);
    await second.close();
  });

  it('cuts a torn last record at open, counts it, and appends after the last whole record', async () => {
    const dir = fresh();
    const spool = await openSpool(opts(dir));
    await appendAll(spool, ['whole 1', 'whole 2']);
    await spool.close();
    const seg = join(dir, readdirSync(dir).find((n) => n.endsWith('.seg')) as string);
    // A write cut short by a power cut: the header and half the payload of record 3.
    const payload = Buffer.from('torn record 3');
    appendFileSync(seg, Buffer.concat([encodeRecordHeader(3, payload), payload.subarray(0, 5)]));
    const reopened = await openSpool(opts(dir));
    expect(reopened.stats.tornRecords).toBe(1);
    expect((await readAll(reopened)).map((r) => r.text)).toEqual(['whole 1', 'whole 2']);
    await appendAll(reopened, ['next']);
    expect((await readAll(reopened)).map((r) => [r.seq, r.text])).toEqual([[3, 'next']]);
    await reopened.close();
  });

  it('detects a torn record by its checksum too (a whole length, garbage bytes)', async () => {
    const dir = fresh();
    const spool = await openSpool(opts(dir));
    await appendAll(spool, ['ok']);
    await spool.close();
    const seg = join(dir, readdirSync(dir).find((n) => n.endsWith('.seg')) as string);
    const payload = Buffer.from('written later');
    const header = encodeRecordHeader(2, payload);
    appendFileSync(seg, Buffer.concat([header, Buffer.alloc(payload.length)]));
    const reopened = await openSpool(opts(dir));
    expect(reopened.stats.tornRecords).toBe(1);
    expect((await readAll(reopened)).map((r) => r.text)).toEqual(['ok']);
    await reopened.close();
  });

  it('rolls segments and deletes those wholly confirmed', async () => {
    const dir = fresh();
    const spool = await openSpool(opts(dir, { segmentBytes: 100 }));
    for (let i = 0; i < 10; i++) await appendAll(spool, [`record number ${i}`.padEnd(40, '.')]);
    expect(spool.stats.segments).toBeGreaterThan(3);
    const records = await readAll(spool);
    expect(records).toHaveLength(10);
    for (const r of records.slice(0, 8)) spool.confirm(r.seq);
    expect(spool.stats.records).toBe(2);
    const segments = spool.stats.segments;
    await spool.close();
    const left = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    expect(left.length).toBe(segments);
    expect(left.length).toBeLessThanOrEqual(2);
    const reopened = await openSpool(opts(dir, { segmentBytes: 100 }));
    expect((await readAll(reopened)).map((r) => r.seq)).toEqual([9, 10]);
    await reopened.close();
  });

  it('is full at maxBytes and has room again once confirmed records are released', async () => {
    const spool = await openSpool(opts(fresh(), { maxBytes: 300, segmentBytes: 100 }));
    for (let i = 0; i < 8; i++) await appendAll(spool, ['x'.repeat(40)]);
    expect(spool.full).toBe(true);
    expect(spool.stats.fullEvents).toBe(1);
    let room = false;
    const waiting = spool.room().then(() => {
      room = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(room).toBe(false);
    for (const r of await readAll(spool)) spool.confirm(r.seq);
    await waiting;
    expect(spool.full).toBe(false);
    await spool.close();
  });

  it('skips a corrupt segment tail, counts its records as lost and goes on', async () => {
    const dir = fresh();
    const spool = await openSpool(opts(dir, { segmentBytes: 80 }));
    for (let i = 0; i < 6; i++) await appendAll(spool, [`rec ${i}`.padEnd(20, '.')]);
    await spool.close();
    const segs = readdirSync(dir)
      .filter((n) => n.endsWith('.seg'))
      .sort();
    // Garbage over the second record of the first segment.
    const first = join(dir, segs[0] as string);
    const bytes = readFileSync(first);
    bytes.fill(0xee, 36 + 4, 36 + 8);
    writeFileSync(first, bytes);
    const reopened = await openSpool(opts(dir, { segmentBytes: 80 }));
    const got = await readAll(reopened);
    expect(got.map((r) => r.text)).toEqual(
      ['rec 0', 'rec 2', 'rec 3', 'rec 4', 'rec 5'].map((t) => t.padEnd(20, '.')),
    );
    expect(reopened.stats.corruptRecords).toBe(1);
    for (const r of got) reopened.confirm(r.seq);
    expect(reopened.stats.records).toBe(0);
    await reopened.close();
  });

  it('with fsync: interval, acknowledges appends written to the kernel and syncs on a timer', async () => {
    const spool = await openSpool(opts(fresh(), { fsync: 'interval', fsyncIntervalMs: 10 }));
    await appendAll(spool, ['fast']);
    expect(spool.stats.fsyncs).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(spool.stats.fsyncs).toBeGreaterThan(0);
    await spool.close();
  });

  it('refuses a spool another live process holds, takes over one whose process is gone', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'lock'), '1'); // pid 1 is alive
    await expect(openSpool(opts(dir))).rejects.toThrow(/in use by process 1/);
    writeFileSync(join(dir, 'lock'), '999999999');
    const spool = await openSpool(opts(dir));
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(String(process.pid));
    await spool.close();
  });

  it('reads on from the next segment when the one it finished is released before it moved on', async () => {
    const spool = await openSpool(opts(fresh(), { segmentBytes: 60 }));
    await appendAll(spool, ['first segment'.padEnd(30, '.')]);
    const [first] = await spool.read();
    expect(await spool.read()).toEqual([]); // caught up, standing at the end of segment 1
    await appendAll(spool, ['second segment'.padEnd(30, '.')]); // rolls to segment 2
    spool.confirm(first?.seq ?? 0); // segment 1 released while the reader stands at its end
    expect((await spool.read()).map((r) => r.payload.toString())).toEqual(['second segment'.padEnd(30, '.')]);
    expect(spool.stats.corruptRecords).toBe(0);
    await spool.close();
  });

  it('writes the checkpoint one write at a time however fast the watermark moves', async () => {
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (_o: object, m: string) => warnings.push(m), error: () => {} };
    const dir = fresh();
    const spool = await openSpool(opts(dir, { checkpointDelayMs: 0, logger }));
    await appendAll(
      spool,
      Array.from({ length: 200 }, (_, i) => `r${i}`),
    );
    for (const r of await readAll(spool)) {
      spool.confirm(r.seq);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await spool.close();
    expect(warnings).toEqual([]);
    const reopened = await openSpool(opts(dir));
    expect(reopened.stats.replayed).toBe(0);
    await reopened.close();
  });

  it('keeps the previous watermark in the other checkpoint slot when a write is torn', async () => {
    const dir = fresh();
    const spool = await openSpool(opts(dir));
    await appendAll(spool, ['a', 'b', 'c', 'd']);
    await readAll(spool);
    spool.confirm(1);
    await new Promise((r) => setTimeout(r, 30)); // watermark 2, in one slot
    spool.confirm(2);
    spool.confirm(3);
    await new Promise((r) => setTimeout(r, 30)); // watermark 4, in the other
    // No close(): as after SIGKILL. Both slots are there, the newest wins.
    const file = join(dir, 'checkpoint');
    const bytes = readFileSync(file);
    expect(decodeCheckpoint(bytes)).toBe(4);
    // A power cut tore the newest write: its slot is garbage, the other still says 2.
    const newest = readCheckpoint(bytes)?.slot as 0 | 1;
    bytes.fill(0xff, CHECKPOINT_SLOT_OFFSETS[newest], CHECKPOINT_SLOT_OFFSETS[newest] + 6);
    writeFileSync(file, bytes);
    const reopened = await openSpool(opts(dir));
    expect((await readAll(reopened)).map((r) => r.text)).toEqual(['b', 'c', 'd']);
    await reopened.close();
  });

  it('reads a one-slot checkpoint as versions before wrote it', async () => {
    const dir = fresh();
    const first = await openSpool(opts(dir));
    await appendAll(first, ['a', 'b', 'c']);
    await first.close();
    writeFileSync(join(dir, 'checkpoint'), encodeCheckpoint(3)); // 12 bytes: a and b confirmed
    const second = await openSpool(opts(dir));
    expect((await readAll(second)).map((r) => r.text)).toEqual(['c']);
    await second.close();
  });
});
