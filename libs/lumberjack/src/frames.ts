/**
 * Lumberjack frames (protocols.md §1.1): a version byte ('1' or '2'), a type byte, then
 * big-endian uint32 fields. W = window size, J = JSON event, D = v1 key/value event,
 * C = zlib-compressed frames, A = acknowledgement.
 */
export const V1 = 0x31;
export const V2 = 0x32;
export const WINDOW = 0x57; // 'W'
export const JSON_DATA = 0x4a; // 'J'
export const KV_DATA = 0x44; // 'D'
export const COMPRESSED = 0x43; // 'C'
export const ACK = 0x41; // 'A'

export type Version = 1 | 2;

export type Frame =
  | { readonly type: 'window'; readonly version: Version; readonly size: number; readonly offset: number }
  | {
      readonly type: 'json';
      readonly version: Version;
      readonly seq: number;
      readonly payload: Buffer;
      readonly offset: number;
    }
  | {
      readonly type: 'kv';
      readonly version: Version;
      readonly seq: number;
      readonly fields: Record<string, string>;
      readonly offset: number;
    }
  | {
      readonly type: 'compressed';
      readonly version: Version;
      readonly payload: Buffer;
      readonly offset: number;
    };

/** `<version>A<seq>`: acknowledges every event of the window up to `seq`; 0 is a keepalive. */
export function encodeAck(version: Version, seq: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b[0] = version === 1 ? V1 : V2;
  b[1] = ACK;
  b.writeUInt32BE(seq >>> 0, 2);
  return b;
}

export function encodeWindowHeader(version: Version, size: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b[0] = version === 1 ? V1 : V2;
  b[1] = WINDOW;
  b.writeUInt32BE(size >>> 0, 2);
  return b;
}

export function encodeJsonFrame(version: Version, seq: number, json: Buffer): Buffer {
  const b = Buffer.allocUnsafe(10 + json.length);
  b[0] = version === 1 ? V1 : V2;
  b[1] = JSON_DATA;
  b.writeUInt32BE(seq >>> 0, 2);
  b.writeUInt32BE(json.length, 6);
  json.copy(b, 10);
  return b;
}

export function encodeKvFrame(
  version: Version,
  seq: number,
  fields: Readonly<Record<string, string>>,
): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.allocUnsafe(10);
  head[0] = version === 1 ? V1 : V2;
  head[1] = KV_DATA;
  head.writeUInt32BE(seq >>> 0, 2);
  const entries = Object.entries(fields);
  head.writeUInt32BE(entries.length, 6);
  parts.push(head);
  for (const [k, v] of entries) {
    for (const text of [k, v]) {
      const bytes = Buffer.from(text, 'utf8');
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32BE(bytes.length, 0);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

export function encodeCompressedFrame(version: Version, zlibBytes: Buffer): Buffer {
  const b = Buffer.allocUnsafe(6 + zlibBytes.length);
  b[0] = version === 1 ? V1 : V2;
  b[1] = COMPRESSED;
  b.writeUInt32BE(zlibBytes.length, 2);
  zlibBytes.copy(b, 6);
  return b;
}

/** An ACK read by a sender: `{version, seq}`, or undefined while fewer than 6 bytes are there. */
export function decodeAck(buf: Buffer, at = 0): { version: Version; seq: number } | undefined {
  if (buf.length - at < 6) return undefined;
  const v = buf[at];
  if ((v !== V1 && v !== V2) || buf[at + 1] !== ACK) {
    throw new Error(`not a Lumberjack ACK: bytes ${buf.subarray(at, at + 2).toString('hex')}`);
  }
  return { version: v === V1 ? 1 : 2, seq: buf.readUInt32BE(at + 2) };
}
