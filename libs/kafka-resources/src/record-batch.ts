/**
 * Kafka's record batch (message format v2: KIP-98; Kafka protocol guide, "Record Batch"),
 * encoded straight from a packed batch's bytes (MessageBatch) into one buffer. Pure: no I/O.
 *
 * Why our own: the client library builds a writer object and several small buffers per record and
 * keeps them until the broker answers; in a pipeline with a 96 MB heap those survive young-
 * generation collections by the thousand and drive full collections (the receiver spent more CPU
 * in V8's collector than in its own work). Here a batch is one allocation whatever its size.
 *
 * Layout (big-endian; varints are zigzag, as in Kafka's ByteUtils.writeVarint):
 *
 *     baseOffset int64 (0) | batchLength int32 | partitionLeaderEpoch int32 (-1) | magic int8 (2)
 *     | crc uint32 (CRC-32C of everything after it) | attributes int16 (compression codec in bits
 *     0-2) | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 | producerId int64
 *     | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
 *
 *     record: length varint | attributes int8 (0) | timestampDelta varlong | offsetDelta varint
 *             | keyLength varint (-1: null) | key | valueLength varint | value | headerCount varint (0)
 *
 * With compression the records (not the count) are compressed as one block. Every record carries
 * the batch's timestamp (CreateTime, delta 0). Without an idempotent producer, producerId,
 * producerEpoch and baseSequence are -1, as Kafka's Java producer sends them.
 */
import { crc32c } from '@node-rs/crc32';
import type { BufferPool } from './buffer-pool.js';
import type { PackedMessages } from './message-batch.js';

/** Bytes before the records: 12 (baseOffset, batchLength) + 49. */
export const RECORD_BATCH_OVERHEAD = 61;
/** Offset of the CRC and of the first byte it covers (attributes). */
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;

/** A record's bytes besides its key and value, at most: length 5, attributes 1, timestamp 1, offset 5, key length 5, value length 5, headers 1. */
const RECORD_OVERHEAD_MAX = 23;

export interface RecordBatchHeader {
  /** CreateTime of every record, ms since the epoch. */
  readonly timestamp: number;
  /** Idempotent producer (KIP-98): its id, epoch and this batch's first sequence number. */
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

/**
 * The records of messages `from`..`to` (exclusive) of `packed`, in that order, as a record
 * batch's records section (no header): to compress, then frame with `frameRecordBatch`.
 * `only`, when given, lists the message numbers to take instead (keyed messages of one partition).
 * `records` is written after RECORD_BATCH_OVERHEAD bytes of `room` left for the header, so that an
 * uncompressed batch is framed where it lies (frameRecordBatch's `room`). With a `pool`, `room`
 * is taken from it (the caller gives `room.buffer` back once the batch is acknowledged).
 */
export function encodeRecords(
  packed: PackedMessages,
  messages:
    | { readonly from: number; readonly to: number }
    | { readonly only: Int32Array | readonly number[] },
  pool?: BufferPool,
): { readonly records: Buffer; readonly count: number; readonly room: Buffer } {
  const { index } = packed;
  const data = Buffer.from(packed.data);
  const only = 'only' in messages ? messages.only : undefined;
  const from = only === undefined ? (messages as { from: number }).from : 0;
  const count = only === undefined ? (messages as { to: number }).to - from : only.length;
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const at = (only === undefined ? from + i : (only[i] as number)) * 4;
    const key = index[at] as number;
    worst += RECORD_OVERHEAD_MAX + (index[at + 3] as number) - (index[at + 2] as number);
    if (key >= 0) worst += (index[at + 1] as number) - key;
  }
  const size = RECORD_BATCH_OVERHEAD + worst;
  const room = pool === undefined ? Buffer.allocUnsafe(size) : Buffer.from(pool.take(size), 0, size);
  const out = room.subarray(RECORD_BATCH_OVERHEAD);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const at = (only === undefined ? from + i : (only[i] as number)) * 4;
    const keyStart = index[at] as number;
    const keyLength = keyStart < 0 ? -1 : (index[at + 1] as number) - keyStart;
    const valueStart = index[at + 2] as number;
    const valueLength = (index[at + 3] as number) - valueStart;
    const body =
      3 + // attributes, timestampDelta 0, headerCount 0
      varintSize(i) +
      varintSize(keyLength) +
      Math.max(keyLength, 0) +
      varintSize(valueLength) +
      valueLength;
    pos = writeVarint(out, pos, body);
    out[pos++] = 0; // attributes
    out[pos++] = 0; // timestampDelta
    pos = writeVarint(out, pos, i); // offsetDelta
    pos = writeVarint(out, pos, keyLength);
    if (keyLength > 0) {
      pos += data.copy(out, pos, keyStart, keyStart + keyLength);
    }
    pos = writeVarint(out, pos, valueLength);
    pos += data.copy(out, pos, valueStart, valueStart + valueLength);
    out[pos++] = 0; // headerCount
  }
  return { records: out.subarray(0, pos), count, room };
}

/**
 * A whole record batch: the header, then `records` (as encodeRecords made them, or compressed
 * with the codec whose bit mask is `codec`, Kafka's attributes bits 0-2), with its CRC-32C.
 * Given the `room` encodeRecords wrote `records` into, the header is written there and no byte
 * is copied.
 */
export function frameRecordBatch(
  records: Buffer,
  count: number,
  codec: number,
  header: RecordBatchHeader,
  room?: Buffer,
): Buffer {
  const inPlace =
    room !== undefined &&
    room.buffer === records.buffer &&
    records.byteOffset === room.byteOffset + RECORD_BATCH_OVERHEAD;
  const out = inPlace
    ? room.subarray(0, RECORD_BATCH_OVERHEAD + records.length)
    : Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + records.length);
  out.writeBigInt64BE(0n, 0); // baseOffset: the broker assigns offsets
  out.writeInt32BE(out.length - 12, 8); // batchLength: from partitionLeaderEpoch to the end
  out.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
  out.writeInt8(2, 16); // magic
  out.writeInt16BE(codec & 0b111, ATTRIBUTES_AT);
  out.writeInt32BE(count - 1, 23); // lastOffsetDelta
  const timestamp = BigInt(header.timestamp);
  out.writeBigInt64BE(timestamp, 27);
  out.writeBigInt64BE(timestamp, 35);
  out.writeBigInt64BE(header.producerId ?? -1n, 43);
  out.writeInt16BE(header.producerEpoch ?? -1, 51);
  out.writeInt32BE(header.baseSequence ?? -1, 53);
  out.writeInt32BE(count, 57);
  if (!inPlace) records.copy(out, RECORD_BATCH_OVERHEAD);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_AT)), CRC_AT);
  return out;
}

/** Bytes of `n` as a zigzag varint (Kafka's ByteUtils.sizeOfVarint). */
export function varintSize(n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

/** Writes `n` (int32) as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, n: number): number {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}
