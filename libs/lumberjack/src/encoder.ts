/** A sender's side: one window of events as bytes, numbered 1..N as Beats do (§1.2). */
import { deflateSync } from 'node:zlib';
import { encodeCompressedFrame, encodeJsonFrame, encodeWindowHeader, type Version } from './frames.js';

export interface EncodeOptions {
  readonly version?: Version;
  /** zlib level 1-9 (Filebeat's default is 3); 0 or undefined sends plain frames. */
  readonly compressionLevel?: number;
}

export function encodeWindow(events: readonly unknown[], options: EncodeOptions = {}): Buffer {
  const version = options.version ?? 2;
  const frames = events.map((e, i) =>
    encodeJsonFrame(version, i + 1, Buffer.from(JSON.stringify(e), 'utf8')),
  );
  const header = encodeWindowHeader(version, events.length);
  const level = options.compressionLevel ?? 0;
  if (level <= 0 || frames.length === 0) return Buffer.concat([header, ...frames]);
  return Buffer.concat([
    header,
    encodeCompressedFrame(version, deflateSync(Buffer.concat(frames), { level })),
  ]);
}
