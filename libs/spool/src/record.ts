/**
 * The spool's on-disk record, no I/O. Little-endian, 16 bytes of header then the payload:
 *
 * ```
 * 0  u32  payload length
 * 4  u32  CRC-32 (zlib's) of bytes 8..15 and the payload
 * 8  u48  sequence number (1, 2, 3... over the spool's life)
 * 14 u16  format version (1)
 * 16 ...  payload
 * ```
 *
 * A record is valid when its header is whole, its payload is whole and the CRC matches: a
 * write cut by a crash or a power cut (a torn record) fails one of the three, and so does a
 * record overwritten by garbage. Sequence numbers let a reader skip what was already confirmed.
 */
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_BYTES = 16;
export const RECORD_VERSION = 1;
/** A payload cannot be larger (a corrupt length must not make a reader allocate gigabytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface SpoolRecord {
  readonly seq: number;
  readonly payload: Buffer;
}

/**
 * What an append takes for one record: its payload, whole or in parts (stored as their
 * concatenation, so a caller need not join a header of its own to its data first).
 */
export type SpoolPayload = Buffer | readonly Buffer[];

/** The payload's length in bytes. */
export function payloadLength(payload: SpoolPayload): number {
  if (Buffer.isBuffer(payload)) return payload.length;
  let n = 0;
  for (const part of payload as readonly Buffer[]) n += part.length;
  return n;
}

/**
 * Writes the record `seq` of `payload` (`length` bytes, from {@link payloadLength}) at `at` of
 * `buf`, header and payload in one piece, and returns the offset after it. The CRC covers bytes
 * 8..15 and the payload, contiguous here: one pass.
 */
export function encodeRecordInto(
  buf: Buffer,
  at: number,
  seq: number,
  payload: SpoolPayload,
  length: number,
): number {
  if (length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`spool record of ${length} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  buf.writeUInt32LE(length, at);
  buf.writeUIntLE(seq, at + 8, 6);
  buf.writeUInt16LE(RECORD_VERSION, at + 14);
  let p = at + RECORD_HEADER_BYTES;
  if (Buffer.isBuffer(payload)) p += payload.copy(buf, p);
  else for (const part of payload as readonly Buffer[]) p += part.copy(buf, p);
  buf.writeUInt32LE(crc32(buf.subarray(at + 8, p)), at + 4);
  return p;
}

/** The header of a record for `payload` (the payload itself is written after it, uncopied). */
export function encodeRecordHeader(seq: number, payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `spool record of ${payload.length} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`,
    );
  }
  const h = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  h.writeUInt32LE(payload.length, 0);
  h.writeUIntLE(seq, 8, 6);
  h.writeUInt16LE(RECORD_VERSION, 14);
  h.writeUInt32LE(crc32(payload, crc32(h.subarray(8, 16))), 4);
  return h;
}

export type Decoded =
  | { readonly kind: 'record'; readonly record: SpoolRecord; readonly bytes: number }
  /** The bytes end inside a record: more may come (a reader), or it is torn (recovery at the end of a file). */
  | { readonly kind: 'partial'; readonly need: number }
  /** A header or payload that cannot be a record we wrote. */
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * The record at `offset` of `buf`. `verify: false` skips the checksum, for bytes that never left
 * memory (the spool's own batches, just written).
 */
export function decodeRecord(buf: Buffer, offset: number, verify = true): Decoded {
  const left = buf.length - offset;
  if (left < RECORD_HEADER_BYTES) return { kind: 'partial', need: RECORD_HEADER_BYTES };
  const len = buf.readUInt32LE(offset);
  const version = buf.readUInt16LE(offset + 14);
  if (version !== RECORD_VERSION) return { kind: 'invalid', reason: `record version ${version}` };
  if (len > MAX_PAYLOAD_BYTES) return { kind: 'invalid', reason: `record length ${len}` };
  const total = RECORD_HEADER_BYTES + len;
  if (left < total) return { kind: 'partial', need: total };
  // Bytes 8..15 and the payload are contiguous: one CRC pass over both.
  if (verify && crc32(buf.subarray(offset + 8, offset + total)) !== buf.readUInt32LE(offset + 4)) {
    return { kind: 'invalid', reason: 'checksum mismatch' };
  }
  const payload = buf.subarray(offset + RECORD_HEADER_BYTES, offset + total);
  return { kind: 'record', record: { seq: buf.readUIntLE(offset + 8, 6), payload }, bytes: total };
}

/**
 * The checkpoint file: the confirmed watermark (every seq below it is confirmed). Two slots of
 * CHECKPOINT_BYTES (u48 watermark, u16 0, u32 CRC-32 of the first 8 bytes), at
 * CHECKPOINT_SLOT_OFFSETS, a sector apart, written in place in turn: a write torn by a power cut
 * spoils one slot, and the other still holds the watermark before it. A file of one slot (as
 * versions before wrote it) reads the same.
 */
export const CHECKPOINT_BYTES = 12;
export const CHECKPOINT_SLOT_OFFSETS = [0, 512] as const;

export function encodeCheckpoint(watermark: number): Buffer {
  const b = Buffer.alloc(CHECKPOINT_BYTES);
  b.writeUIntLE(watermark, 0, 6);
  b.writeUInt32LE(crc32(b.subarray(0, 8)), 8);
  return b;
}

/** The highest valid slot's watermark and which slot holds it; undefined when no slot is valid. */
export function readCheckpoint(b: Buffer): { readonly watermark: number; readonly slot: 0 | 1 } | undefined {
  let best: { watermark: number; slot: 0 | 1 } | undefined;
  for (const slot of [0, 1] as const) {
    const at = CHECKPOINT_SLOT_OFFSETS[slot];
    if (b.length < at + CHECKPOINT_BYTES) continue;
    if (crc32(b.subarray(at, at + 8)) !== b.readUInt32LE(at + 8)) continue;
    const watermark = b.readUIntLE(at, 6);
    if (best === undefined || watermark > best.watermark) best = { watermark, slot };
  }
  return best;
}

/** The watermark (the highest valid slot's), or undefined when no slot is whole with its CRC. */
export function decodeCheckpoint(b: Buffer): number | undefined {
  return readCheckpoint(b)?.watermark;
}
