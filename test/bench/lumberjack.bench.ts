/**
 * Lumberjack decode-only throughput on one core: 1,024-event windows compressed at Filebeat's
 * default level 3, each event a ~300-byte syslog line with Beats-like metadata, decoded by the
 * receiver's codec (frames, inflate, JSON) from 64 KiB reads.
 */
import { encodeWindow, WindowReader } from '@drover/lumberjack';
import { type BenchContext, type BenchRow, median } from './harness.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'lumberjack';

const syslogLine = syslogLines();

export function run(ctx: BenchContext): BenchRow[] {
  const windows = 20;
  const perWindow = 1024;
  const stream = Buffer.concat(
    Array.from({ length: windows }, (_, w) =>
      encodeWindow(
        Array.from({ length: perWindow }, (_, i) => ({
          '@timestamp': '2026-11-23T05:00:00.000Z',
          '@metadata': { beat: 'filebeat', type: '_doc', version: '8.15.0' },
          message: syslogLine(w * perWindow + i),
          host: { name: `front-web-${i % 17}` },
          log: { offset: i * 301, file: { path: '/var/log/nginx/access.log' } },
        })),
        { compressionLevel: 3 },
      ),
    ),
  );
  const chunk = 64 * 1024;
  let decoded = 0;
  const samples = ctx.time(
    () => {
      const reader = new WindowReader();
      for (let at = 0; at < stream.length; at += chunk) {
        for (const w of reader.push(stream.subarray(at, at + chunk))) decoded += w.events.length;
      }
    },
    { runs: 9, warmup: 2 },
  );
  const events = windows * perWindow;
  const rate = events / (median(samples) / 1000);
  ctx.log(`  decoded ${decoded} events; ${(stream.length / events).toFixed(0)} compressed bytes per event`);
  return [
    {
      case: 'receiver decode-only, 1,024-event windows (zlib level 3), ~300-byte syslog lines',
      metric: 'events/s',
      value: Math.round(rate),
      unit: '/s',
      goal: '>= 150,000',
      extra: { windows, perWindow, compressedBytes: stream.length },
    },
  ];
}
