/**
 * A durable spool (pyloggr's "collector"): an input appends what it received and acknowledges
 * its sender once the append is durable; the pipeline is fed from the spool; what the outputs
 * confirmed is released. A crash or SIGKILL loses nothing that was acknowledged: at the next
 * open, every record not confirmed is read again, in order (at-least-once: what was in flight
 * comes twice).
 *
 * On disk, in `dir`: append-only segment files `<first seq>.seg` of checksummed records
 * (record.ts), and `checkpoint`, the confirmed watermark (every record below it is confirmed),
 * written in place into two slots in turn (one write each; a torn write spoils one slot only).
 *
 * - Appends are group-committed: while one batch is written (and, with `fsync: always`,
 *   fdatasync'ed) the next accumulates; each append's callback runs once its batch is durable.
 *   With `fsync: interval`, "durable" means written to the kernel (a process crash loses nothing;
 *   a power cut may lose the last `fsyncIntervalMs`), and the segment is synced every interval.
 *   A segment is always synced (and the directory too) when it is closed for the next one.
 * - Records are confirmed in any order; the watermark advances over the confirmed prefix, is
 *   written to `checkpoint` within `checkpointDelayMs`, and a segment is deleted once all its
 *   records are below it. So after a crash, duplicates are bounded by the records in flight plus
 *   those confirmed within the last `checkpointDelayMs`.
 * - `maxBytes` bounds the segments on disk: at it, `full` is true and the input must stop reading
 *   until `room()` resolves. Appends past it are still taken (an input cannot un-read), so the
 *   spool may exceed it by what was read before the input stopped.
 * - The reader takes the batches it has not read yet from memory while they are recent (up to
 *   2 MiB of them; the same bytes that were just written and synced), and from the files
 *   otherwise (behind that, and after a restart).
 * - At open, a torn last record (a write cut short: short header, short payload or bad checksum
 *   at the end of the last segment) is cut off, counted (`tornRecords`) and logged. A bad record
 *   elsewhere is corruption: the rest of that segment is skipped, its records counted
 *   (`corruptRecords`) and logged as lost.
 *
 * Why segment files and not LMDB (pyloggr's choice, `lmdb` on npm): measured on this machine
 * (300-byte records, fdatasync per batch), segments appended 3,400/s one record per commit and
 * 60,600/s in batches of 100, LMDB 293/s and 16,400/s (plus as many again to delete what is
 * confirmed); a FIFO of records is what append-only files do best, releases are unlinks, and no
 * native module is needed.
 */
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setLongInterval, setLongTimeout, type Timer } from '@drover/timers';
import {
  CHECKPOINT_BYTES,
  CHECKPOINT_SLOT_OFFSETS,
  decodeRecord,
  encodeCheckpoint,
  encodeRecordInto,
  MAX_PAYLOAD_BYTES,
  payloadLength,
  RECORD_HEADER_BYTES,
  readCheckpoint,
  type SpoolPayload,
  type SpoolRecord,
} from './record.js';

export interface SpoolLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SpoolOptions {
  readonly dir: string;
  /** Bytes of segments on disk at which the spool is full. */
  readonly maxBytes: number;
  readonly fsync: 'always' | 'interval';
  /** With `fsync: interval`: how often the open segment is synced. Default 1000. */
  readonly fsyncIntervalMs?: number;
  /** A segment is closed for a new one past this size. Default maxBytes / 8, between 1 and 64 MiB. */
  readonly segmentBytes?: number;
  /** The confirmed watermark is written at most this long after it moves. Default 50. */
  readonly checkpointDelayMs?: number;
  readonly logger?: SpoolLogger;
}

export interface SpoolStats {
  /** Records in the spool not confirmed yet (spool depth). */
  records: number;
  /** Bytes of segments on disk. */
  bytes: number;
  segments: number;
  appended: number;
  confirmed: number;
  /** Records found unconfirmed at open, to be delivered again. */
  replayed: number;
  tornRecords: number;
  corruptRecords: number;
  fsyncs: number;
  /** Times the spool became full. */
  fullEvents: number;
}

interface Segment {
  readonly first: number;
  readonly path: string;
  /** Bytes written and durable (what readers may read). */
  size: number;
  /** One past the last seq, once the segment is closed for the next one. */
  end: number | undefined;
}

/** A batch as written at `offset` of `seg`, kept for the reader (its records, back to back). */
interface Written {
  readonly seg: Segment;
  readonly offset: number;
  readonly buffers: readonly Buffer[];
  readonly bytes: number;
}

interface Batch {
  /** One buffer per append: its records, encoded (header, payload) back to back. */
  buffers: Buffer[];
  bytes: number;
  count: number;
  dones: ((err?: Error) => void)[];
}

const SEGMENT_SUFFIX = '.seg';
const READ_CHUNK = 256 * 1024;
/** What was just written is kept for the reader up to this many bytes (past it, it reads the file). */
const TAIL_BYTES = 2 * 1024 * 1024;
const noLog: SpoolLogger = { info: () => {}, warn: () => {}, error: () => {} };

export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  readonly dir: string;
  constructor(dir: string, message: string, options?: { cause?: unknown }) {
    super(`spool ${dir}: ${message}`, options);
    this.dir = dir;
  }
}

export class Spool {
  readonly dir: string;
  readonly stats: SpoolStats;
  readonly #options: SpoolOptions;
  readonly #log: SpoolLogger;
  readonly #segmentBytes: number;
  readonly #segments: Segment[] = [];
  #writer: FileHandle | undefined;
  #writerSynced = true;
  #nextSeq: number;
  #batch: Batch = emptyBatch();
  #flushing: Promise<void> | undefined;
  #broken: Error | undefined;
  #closed = false;
  // Confirmation
  #watermark: number;
  readonly #confirmedAbove = new Set<number>();
  #checkpointTimer: Timer | undefined;
  #checkpointWritten: number;
  #syncTimer: Timer | undefined;
  // Reading
  #readSeg = 0;
  #readOffset = 0;
  #reader: { path: string; fh: FileHandle } | undefined;
  /** The last seq read from disk. */
  #lastReadSeq = 0;
  /** One past the last seq written (durable). */
  #durableSeq: number;
  /** Batches written and durable the reader has not reached yet, in write order (at most TAIL_BYTES). */
  #tail: Written[] = [];
  #tailHead = 0;
  #tailBytes = 0;
  #readable: (() => void)[] = [];
  #roomWaiters: (() => void)[] = [];
  #wasFull = false;
  readonly #deleting = new Set<Promise<void>>();
  #checkpointing: Promise<void> | undefined;
  /** The checkpoint file, open for writes in place, and the slot the next write goes to. */
  #checkpointFile: FileHandle | undefined;
  #checkpointSlot: 0 | 1;

  private constructor(options: SpoolOptions, state: OpenedState) {
    this.dir = options.dir;
    this.#options = options;
    this.#log = options.logger ?? noLog;
    this.#segmentBytes =
      options.segmentBytes ??
      Math.min(64 * 1024 * 1024, Math.max(1024 * 1024, Math.floor(options.maxBytes / 8)));
    this.#segments.push(...state.segments);
    this.#writer = state.writer;
    this.#nextSeq = state.nextSeq;
    this.#durableSeq = state.nextSeq;
    this.#watermark = state.watermark;
    this.#checkpointWritten = state.watermark;
    this.#checkpointSlot = state.checkpointSlot;
    this.stats = {
      records: state.nextSeq - state.watermark,
      bytes: state.segments.reduce((n, s) => n + s.size, 0),
      segments: state.segments.length,
      appended: 0,
      confirmed: 0,
      replayed: state.nextSeq - state.watermark,
      tornRecords: state.torn,
      corruptRecords: 0,
      fsyncs: 0,
      fullEvents: 0,
    };
    if (options.fsync === 'interval') {
      this.#syncTimer = setLongInterval(
        () => void this.#periodicSync(),
        options.fsyncIntervalMs ?? 1000,
      ).unref();
    }
  }

  /** Opens (or creates) the spool in `options.dir`, recovering what a previous run left. */
  static async open(options: SpoolOptions): Promise<Spool> {
    const state = await recover(options, options.logger ?? noLog);
    const spool = new Spool(options, state);
    if (spool.stats.replayed > 0 || state.torn > 0) {
      spool.#log.info(
        {
          dir: options.dir,
          replay: spool.stats.replayed,
          tornRecords: state.torn,
          segments: state.segments.length,
        },
        'spool opened: unconfirmed records will be delivered again',
      );
    }
    return spool;
  }

  /** At or over `maxBytes`: the input should stop reading until `room()`. */
  get full(): boolean {
    return this.stats.bytes + this.#batch.bytes >= this.#options.maxBytes;
  }

  /** Resolves when the spool is under `maxBytes` again. */
  room(): Promise<void> {
    if (!this.full || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /**
   * Appends `payloads` as one group; `done()` once they are durable (see the class doc), or
   * `done(err)` if they could not be written (then nothing of them may be acknowledged). The
   * payloads are copied (encoded into one buffer with their record headers): the caller may reuse
   * them once this returns. RangeError, and nothing appended, if one is over MAX_PAYLOAD_BYTES.
   */
  append(payloads: readonly SpoolPayload[], done: (err?: Error) => void): void {
    if (this.#broken !== undefined || this.#closed) {
      done(this.#broken ?? new SpoolError(this.dir, 'closed'));
      return;
    }
    const lengths = payloads.map(payloadLength);
    let bytes = 0;
    for (const n of lengths) {
      if (n > MAX_PAYLOAD_BYTES) {
        throw new RangeError(`spool record of ${n} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`);
      }
      bytes += RECORD_HEADER_BYTES + n;
    }
    const buf = Buffer.allocUnsafe(bytes);
    let at = 0;
    const first = this.#nextSeq;
    for (let i = 0; i < payloads.length; i++) {
      at = encodeRecordInto(buf, at, first + i, payloads[i] as SpoolPayload, lengths[i] as number);
    }
    this.#nextSeq = first + payloads.length;
    const b = this.#batch;
    b.buffers.push(buf);
    b.bytes += bytes;
    b.count += payloads.length;
    b.dones.push(done);
    this.stats.appended += payloads.length;
    this.stats.records += payloads.length;
    if (this.full && !this.#wasFull) {
      this.#wasFull = true;
      this.stats.fullEvents++;
      this.#log.warn(
        { dir: this.dir, bytes: this.stats.bytes, maxBytes: this.#options.maxBytes },
        'spool full: input stops reading',
      );
    }
    this.#flushing ??= this.#flush();
  }

  /** Resolves when records may be readable (after an append is durable, or at close). */
  readable(): Promise<void> {
    if (this.#closed || this.#hasUnread()) return Promise.resolve();
    return new Promise((resolve) => this.#readable.push(resolve));
  }

  /**
   * The next durable records not read yet, in order, about `maxBytes` of them (at least one if
   * any); [] when the reader has caught up. Each must be confirmed (`confirm(seq)`) once the
   * pipeline confirmed it; a record that failed is the caller's to deliver again.
   */
  async read(maxBytes = READ_CHUNK): Promise<SpoolRecord[]> {
    const out: SpoolRecord[] = [];
    while (out.length === 0 && !this.#closed) {
      const seg = this.#segments[this.#readSeg];
      if (seg === undefined) return out;
      if (this.#readOffset >= seg.size) {
        if (seg.end === undefined) return out; // caught up with the writer
        this.#readSeg++;
        this.#readOffset = 0;
        continue;
      }
      if (this.#readTail(seg, out, maxBytes)) continue;
      const fh = await this.#readerFor(seg);
      let want = Math.min(maxBytes, seg.size - this.#readOffset);
      for (;;) {
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, this.#readOffset);
        let at = 0;
        let need = 0;
        while (at < bytesRead) {
          const d = decodeRecord(buf.subarray(0, bytesRead), at);
          if (d.kind === 'record') {
            this.#lastReadSeq = d.record.seq;
            if (d.record.seq >= this.#watermark && !this.#confirmedAbove.has(d.record.seq))
              out.push(d.record);
            at += d.bytes;
            continue;
          }
          if (d.kind === 'partial') need = d.need;
          else this.#corrupt(seg, this.#readOffset + at, d.reason);
          break;
        }
        if (this.#readOffset + at < seg.size && need > 0 && at === 0) {
          want = Math.min(need, seg.size - this.#readOffset); // one record larger than the chunk
          continue;
        }
        if (need === 0 && at < bytesRead) {
          // Corrupt: the rest of this segment is unreadable.
          this.#readOffset = seg.size;
        } else {
          this.#readOffset += at;
        }
        break;
      }
    }
    return out;
  }

  /**
   * The records of the batches written at the reader's place, from memory (they are the bytes
   * just written, so no read and no checksum to check); false when the reader is not at one.
   * Batches behind the reader (it read them from the file) are dropped.
   */
  #readTail(seg: Segment, out: SpoolRecord[], maxBytes: number): boolean {
    let taken = 0;
    while (this.#tailHead < this.#tail.length) {
      const w = this.#tail[this.#tailHead] as Written;
      const behind = w.seg.first < seg.first || (w.seg === seg && w.offset < this.#readOffset);
      const here = w.seg === seg && w.offset === this.#readOffset;
      if (!behind && !(here && (taken === 0 || taken + w.bytes <= maxBytes))) break;
      this.#tail[this.#tailHead++] = undefined as unknown as Written;
      this.#tailBytes -= w.bytes;
      if (behind) continue;
      for (const buf of w.buffers) {
        let at = 0;
        while (at < buf.length) {
          const d = decodeRecord(buf, at, false);
          if (d.kind !== 'record') throw new SpoolError(this.dir, `bad record in memory: ${d.kind}`);
          this.#lastReadSeq = d.record.seq;
          if (d.record.seq >= this.#watermark && !this.#confirmedAbove.has(d.record.seq)) out.push(d.record);
          at += d.bytes;
        }
      }
      this.#readOffset += w.bytes;
      taken += w.bytes;
    }
    if (this.#tailHead === this.#tail.length) {
      this.#tail = [];
      this.#tailHead = 0;
    }
    return taken > 0;
  }

  /** The pipeline confirmed record `seq`: it is released once every record before it is too. */
  confirm(seq: number): void {
    if (seq < this.#watermark || this.#confirmedAbove.has(seq) || seq >= this.#nextSeq) return;
    this.stats.confirmed++;
    this.stats.records--;
    if (seq !== this.#watermark) {
      this.#confirmedAbove.add(seq);
      return;
    }
    this.#watermark++;
    while (this.#confirmedAbove.delete(this.#watermark)) this.#watermark++;
    this.#release();
    this.#checkpointTimer ??= setLongTimeout(() => {
      this.#checkpointTimer = undefined;
      void this.#writeCheckpoint();
    }, this.#options.checkpointDelayMs ?? 50);
  }

  /** Writes what is pending, syncs, records the watermark and closes the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#flushing !== undefined) await this.#flushing;
    this.#closed = true;
    this.#syncTimer?.clear();
    this.#checkpointTimer?.clear();
    await this.#writeCheckpoint(true);
    await this.#checkpointFile?.close();
    if (this.#writer !== undefined) {
      if (!this.#writerSynced) await this.#writer.datasync();
      await this.#writer.close();
    }
    await this.#reader?.fh.close();
    await Promise.all(this.#deleting);
    await unlink(join(this.dir, LOCK_FILE)).catch(() => {});
    for (const w of this.#readable.splice(0)) w();
    for (const w of this.#roomWaiters.splice(0)) w();
  }

  #hasUnread(): boolean {
    const seg = this.#segments[this.#readSeg];
    if (seg === undefined) return false;
    return (
      this.#readOffset < seg.size || (seg.end !== undefined && this.#readSeg + 1 < this.#segments.length)
    );
  }

  async #readerFor(seg: Segment): Promise<FileHandle> {
    if (this.#reader?.path === seg.path) return this.#reader.fh;
    await this.#reader?.fh.close();
    const fh = await open(seg.path, 'r');
    this.#reader = { path: seg.path, fh };
    return fh;
  }

  /**
   * A bad record at `offset` of `seg`: the rest of the segment cannot be read. The records from
   * the last one read to the segment's end are lost: counted, logged, and let through the
   * watermark (nothing will ever confirm them).
   */
  #corrupt(seg: Segment, offset: number, reason: string): void {
    const from = Math.max(this.#lastReadSeq + 1, seg.first, this.#watermark);
    const to = seg.end ?? this.#durableSeq;
    this.#log.error(
      { dir: this.dir, segment: seg.path, offset, reason, lostRecords: Math.max(0, to - from) },
      'spool segment corrupt: the rest of it is skipped and its records are lost',
    );
    for (let s = from; s < to; s++) {
      if (this.#confirmedAbove.has(s)) continue;
      this.stats.corruptRecords++;
      this.confirm(s);
      this.stats.confirmed--;
    }
    this.#lastReadSeq = Math.max(this.#lastReadSeq, to - 1);
  }

  /** Deletes segments wholly below the watermark; wakes inputs waiting for room. */
  #release(): void {
    while (this.#segments.length > 1) {
      const first = this.#segments[0] as Segment;
      if (first.end === undefined || first.end > this.#watermark) break;
      this.#segments.shift();
      // The reader is past every record of it (all confirmed, so all read): if it still stands at
      // its end, it goes to the start of what is now the first segment.
      if (this.#readSeg === 0) this.#readOffset = 0;
      else this.#readSeg--;
      this.stats.bytes -= first.size;
      this.stats.segments--;
      const deleting = unlink(first.path)
        .catch((err: Error) =>
          this.#log.warn(
            { dir: this.dir, segment: first.path, err: err.message },
            'could not delete a released spool segment',
          ),
        )
        .finally(() => this.#deleting.delete(deleting));
      this.#deleting.add(deleting);
    }
    if (this.#wasFull && !this.full) {
      this.#wasFull = false;
      this.#log.info({ dir: this.dir, bytes: this.stats.bytes }, 'spool has room again');
      for (const w of this.#roomWaiters.splice(0)) w();
    }
  }

  /** One checkpoint write at a time (they alternate between the file's two slots); a later one waits. */
  #writeCheckpoint(sync = false): Promise<void> {
    const next = (this.#checkpointing ?? Promise.resolve()).then(() => this.#writeCheckpointNow(sync));
    this.#checkpointing = next;
    return next;
  }

  async #writeCheckpointNow(sync: boolean): Promise<void> {
    const watermark = this.#watermark;
    if (watermark === this.#checkpointWritten && !sync) return;
    try {
      // In place, one write: not the other slot, which holds the last watermark until this is whole.
      this.#checkpointFile ??= await open(
        join(this.dir, CHECKPOINT_FILE),
        fsConstants.O_RDWR | fsConstants.O_CREAT,
      );
      const slot = this.#checkpointSlot;
      await this.#checkpointFile.write(
        encodeCheckpoint(watermark),
        0,
        CHECKPOINT_BYTES,
        CHECKPOINT_SLOT_OFFSETS[slot],
      );
      this.#checkpointSlot = slot === 0 ? 1 : 0;
      if (sync) await this.#checkpointFile.datasync();
      this.#checkpointWritten = Math.max(this.#checkpointWritten, watermark);
    } catch (err) {
      this.#log.warn({ dir: this.dir, err: (err as Error).message }, 'could not write the spool checkpoint');
    }
  }

  async #flush(): Promise<void> {
    try {
      while (this.#batch.count > 0 && this.#broken === undefined) {
        const b = this.#batch;
        this.#batch = emptyBatch();
        try {
          await this.#write(b);
          for (const d of b.dones) d();
        } catch (err) {
          this.#broken = new SpoolError(this.dir, `write failed: ${(err as Error).message}`, { cause: err });
          this.#log.error(
            { dir: this.dir, err: (err as Error).message },
            'spool write failed: appends are refused from now on',
          );
          for (const d of b.dones) d(this.#broken);
          for (const d of this.#batch.dones) d(this.#broken);
          this.#batch = emptyBatch();
        }
        for (const w of this.#readable.splice(0)) w();
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  async #write(b: Batch): Promise<void> {
    const firstSeq = this.#nextSeq - this.#batch.count - b.count;
    let seg = this.#segments[this.#segments.length - 1];
    if (
      seg === undefined ||
      this.#writer === undefined ||
      (seg.size > 0 && seg.size + b.bytes > this.#segmentBytes)
    ) {
      seg = await this.#roll(firstSeq);
    }
    const writer = this.#writer as FileHandle;
    let written = 0;
    while (written < b.bytes) {
      // writev may write less than asked: go on from where it stopped.
      const { bytesWritten } = await writer.writev(remaining(b.buffers, written), seg.size + written);
      written += bytesWritten;
    }
    this.#writerSynced = false;
    if (this.#options.fsync === 'always') {
      await writer.datasync();
      this.#writerSynced = true;
      this.stats.fsyncs++;
    }
    if (this.#tailBytes + b.bytes <= TAIL_BYTES) {
      this.#tail.push({ seg, offset: seg.size, buffers: b.buffers, bytes: b.bytes });
      this.#tailBytes += b.bytes;
    }
    seg.size += b.bytes;
    this.stats.bytes += b.bytes;
    this.#durableSeq = firstSeq + b.count;
  }

  /** Closes the open segment (synced) and starts `<firstSeq>.seg`. */
  async #roll(firstSeq: number): Promise<Segment> {
    const last = this.#segments[this.#segments.length - 1];
    if (this.#writer !== undefined && last !== undefined) {
      await this.#writer.datasync();
      this.stats.fsyncs++;
      await this.#writer.close();
      last.end = firstSeq;
    }
    const path = join(this.dir, segmentName(firstSeq));
    this.#writer = await open(path, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
    const seg: Segment = { first: firstSeq, path, size: 0, end: undefined };
    this.#segments.push(seg);
    this.stats.segments++;
    await syncDir(this.dir);
    return seg;
  }

  async #periodicSync(): Promise<void> {
    const writer = this.#writer;
    if (writer === undefined || this.#writerSynced || this.#closed) return;
    try {
      this.#writerSynced = true;
      await writer.datasync();
      this.stats.fsyncs++;
    } catch (err) {
      this.#writerSynced = false;
      this.#log.warn({ dir: this.dir, err: (err as Error).message }, 'spool fsync failed');
    }
  }
}

interface OpenedState {
  segments: Segment[];
  writer: FileHandle | undefined;
  nextSeq: number;
  watermark: number;
  torn: number;
  /** The checkpoint slot to write first: not the one the watermark was read from. */
  checkpointSlot: 0 | 1;
}

/** Reads what is on disk: segments, the watermark, and the last segment cut after its last whole record. */
async function recover(options: SpoolOptions, log: SpoolLogger): Promise<OpenedState> {
  const dir = options.dir;
  await mkdir(dir, { recursive: true });
  await lock(dir);
  let watermark = 1;
  let checkpointSlot: 0 | 1 = 0;
  try {
    const cp = readCheckpoint(await readFile(join(dir, CHECKPOINT_FILE)));
    if (cp === undefined) log.warn({ dir }, 'spool checkpoint unreadable: replaying every record on disk');
    else {
      watermark = cp.watermark;
      checkpointSlot = cp.slot === 0 ? 1 : 0;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new SpoolError(dir, 'cannot read its checkpoint', { cause: err });
  }
  const names = (await readdir(dir)).filter((n) => /^\d{15}\.seg$/.test(n)).sort();
  const segments: Segment[] = [];
  for (const [i, name] of names.entries()) {
    const first = Number(name.slice(0, 15));
    const next = names[i + 1];
    const end = next === undefined ? undefined : Number(next.slice(0, 15));
    const path = join(dir, name);
    if (end !== undefined && end <= watermark) {
      await unlink(path); // released before the crash, not yet deleted
      continue;
    }
    segments.push({ first, path, size: (await stat(path)).size, end });
  }
  let torn = 0;
  let nextSeq = Math.max(watermark, segments[0]?.first ?? watermark);
  let writer: FileHandle | undefined;
  const last = segments[segments.length - 1];
  if (last !== undefined) {
    // The last segment: find the end of its last whole record; what follows is torn.
    const data = await readFile(last.path);
    let at = 0;
    let seq = last.first;
    for (;;) {
      const d = decodeRecord(data, at);
      if (d.kind !== 'record') break;
      seq = d.record.seq + 1;
      at += d.bytes;
    }
    if (at < data.length) {
      torn = 1;
      log.warn(
        { dir, segment: last.path, validBytes: at, tornBytes: data.length - at },
        'spool: torn last record (a write cut short) skipped',
      );
    }
    writer = await open(last.path, 'r+');
    if (at < data.length) {
      try {
        await writer.truncate(at);
        await writer.datasync();
      } catch (err) {
        // Not left for the collector to close (Node 24 warns, Node 26 throws).
        await writer.close();
        throw new SpoolError(dir, `cannot cut the torn record off ${last.path}`, { cause: err });
      }
    }
    last.size = at;
    nextSeq = seq;
  }
  watermark = Math.max(watermark, segments[0]?.first ?? watermark);
  if (watermark > nextSeq) nextSeq = watermark;
  return { segments, writer, nextSeq, watermark, torn, checkpointSlot };
}

const LOCK_FILE = 'lock';
const CHECKPOINT_FILE = 'checkpoint';

/** One process per spool: `lock` holds the owner's pid; a lock whose process is gone is taken over. */
async function lock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new SpoolError(dir, 'cannot lock it', { cause: err });
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new SpoolError(dir, `in use by process ${owner} (its lock file: ${path})`);
    }
    await unlink(path).catch(() => {});
  }
  throw new SpoolError(dir, `cannot take the lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(15, '0')}${SEGMENT_SUFFIX}`;
}

function emptyBatch(): Batch {
  return { buffers: [], bytes: 0, count: 0, dones: [] };
}

/** The buffers past the first `skip` bytes. */
function remaining(buffers: Buffer[], skip: number): Buffer[] {
  if (skip === 0) return buffers;
  const out: Buffer[] = [];
  let left = skip;
  for (const b of buffers) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
