/**
 * Gzip files written as a series of members (RFC 1952 §2.2: a gzip file is one or more members;
 * gzip, zcat and Node's gunzip read them all), each member carrying its own total length in an
 * FEXTRA subfield `DR`, as BGZF does with its `BC` field. An appended member is whole or torn,
 * and a reader finds the end of the last whole member without inflating the file: that is how a
 * file cut short by a crash is trimmed back to what was fsynced.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

const HEADER = 10 + 2 + 8; // fixed header, XLEN, subfield (SI1 SI2 LEN(2) DATA(4))
const TRAILER = 8;

/** One member holding `data`, deflated at `level`. */
export function gzipMember(data: Buffer, level: number): Buffer {
  const deflated = deflateRawSync(data, { level });
  const total = HEADER + deflated.length + TRAILER;
  const out = Buffer.allocUnsafe(total);
  out.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255], 0); // ID1 ID2 CM=deflate FLG=FEXTRA MTIME=0 XFL OS=unknown
  out.writeUInt16LE(8, 10); // XLEN
  out.set([0x44, 0x52], 12); // 'D' 'R'
  out.writeUInt16LE(4, 14);
  out.writeUInt32LE(total, 16);
  deflated.copy(out, HEADER);
  out.writeUInt32LE(crc32(data), HEADER + deflated.length);
  out.writeUInt32LE(data.length >>> 0, HEADER + deflated.length + 4);
  return out;
}

/** The member at `offset`'s total length from its header, or undefined when it is not one of ours. */
function memberLength(file: Buffer, offset: number): number | undefined {
  if (offset + HEADER > file.length) return undefined;
  if (file[offset] !== 0x1f || file[offset + 1] !== 0x8b || file[offset + 3] !== 4) return undefined;
  if (file[offset + 12] !== 0x44 || file[offset + 13] !== 0x52) return undefined;
  const total = file.readUInt32LE(offset + 16);
  return total >= HEADER + TRAILER ? total : undefined;
}

function intact(file: Buffer, offset: number, total: number): boolean {
  try {
    const data = inflateRawSync(file.subarray(offset + HEADER, offset + total - TRAILER));
    return (
      crc32(data) === file.readUInt32LE(offset + total - TRAILER) &&
      data.length === file.readUInt32LE(offset + total - 4)
    );
  } catch {
    return false; // not a whole deflate stream: torn
  }
}

/**
 * The length of the longest prefix of `file` made of whole members (the last one's CRC checked:
 * only the tail can be torn, as members are appended and fsynced one after the other).
 */
export function wholeMembersLength(file: Buffer): number {
  const starts: number[] = [];
  let offset = 0;
  for (;;) {
    const total = memberLength(file, offset);
    if (total === undefined || offset + total > file.length) break;
    starts.push(offset);
    offset += total;
  }
  while (starts.length > 0) {
    const last = starts[starts.length - 1] as number;
    if (intact(file, last, offset - last)) return offset;
    starts.pop();
    offset = last;
  }
  return 0;
}
