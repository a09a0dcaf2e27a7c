/**
 * syslog_output to rsyslog (Debian's rsyslogd, imtcp / imrelp, writing every message to a file
 * as received; the same configuration as the tests), ~300-byte lines, `format: raw`:
 *
 * - TCP (octet counting): an engine in this process, input -> syslog_output, as fast as
 *   max.spout.pending (5,000) allows; lines per second from the first emit until rsyslog's file
 *   holds them all (the output's own confirmation is only the write to the socket). Anchor, same
 *   run: the same frames written by a bare socket loop, until the file holds them all.
 * - RELP (window 128, librelp's default, and 1,024): the same engine, until every event is
 *   confirmed (each answered 200 by rsyslog, so in its file); anchor: RelpSender alone (no
 *   engine) with the same window.
 * Runs interleaved, three each, medians. rsyslog writes each message to its file as it comes
 * (its ruleset in Direct mode, as the tests need): that is most of its cost, for the anchor too.
 */
import { chmodSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { syslogOutputSettings } from '@drover/channel-model';
import { freePorts } from '@drover/dev-services';
import { Engine, type InputContext, type InputNode, SyslogOutput } from '@drover/pipeline';
import { frameMessage, RelpSender } from '@drover/syslog';
import { eventually } from '../support/eventually.js';
import { type RsyslogServer, startRsyslogServer } from '../support/rsyslog-server.js';
import { type BenchContext, type BenchRow, median } from './harness.js';
import { syslogLines } from './syslog-lines.js';

export const name = 'syslog-output';

const LINES = Number(process.env.DROVER_BENCH_SYSLOG_LINES ?? 50_000);
const RUNS = 3;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function viaEngine(
  lines: readonly string[],
  destination: { port: number; protocol: 'tcp' | 'relp' },
  windowSize: number,
  server: RsyslogServer,
): Promise<number> {
  let ctx: InputContext | undefined;
  const input: InputNode = {
    kind: 'input',
    start: async (c) => {
      ctx = c;
    },
    stop: async () => {},
  };
  const output = new SyslogOutput(
    syslogOutputSettings.parse({
      destinations: [{ host: '127.0.0.1', ...destination }],
      format: 'raw',
      window_size: windowSize,
    }),
    quiet,
  );
  const engine = new Engine(
    [
      { component: 'in', impl: input, publish: [{ stream: 'logs', fields: ['log'] }], subscribe: [] },
      { component: 'out', impl: output, publish: [], subscribe: [{ component: 'in', stream: 'logs' }] },
    ],
    { maxPending: 5000, messageTimeoutMs: 60_000, logger: quiet },
  );
  await engine.start();
  const c = ctx as InputContext;
  const already = server.count();
  let confirmed = 0;
  let all: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    all = resolve;
  });
  const start = performance.now();
  for (const log of lines) {
    if (c.inFlight >= c.maxPending) await c.ready();
    c.emit('logs', { log }, (o) => {
      if (!o.ok) throw new Error(`an event failed: ${o.reason}`);
      if (++confirmed === lines.length) all();
    });
  }
  await done;
  // TCP: confirmed means written; the lines count once rsyslog has them. RELP: answered 200 means in its file.
  if (destination.protocol === 'tcp') {
    await eventually(() => server.count() >= already + lines.length, 120_000, 'every line in rsyslog');
  }
  const ms = performance.now() - start;
  await engine.drain(5000);
  return (lines.length / ms) * 1000;
}

async function bareTcp(lines: readonly string[], port: number, server: RsyslogServer): Promise<number> {
  const frames = lines.map((l) => frameMessage(l, 'octet_counting'));
  const already = server.count();
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const start = performance.now();
  for (let i = 0; i < frames.length; i += 256) {
    if (!socket.write(Buffer.concat(frames.slice(i, i + 256)))) {
      await new Promise((r) => socket.once('drain', r));
    }
  }
  await eventually(() => server.count() >= already + lines.length, 120_000, 'every line in rsyslog');
  const ms = performance.now() - start;
  socket.destroy();
  return (lines.length / ms) * 1000;
}

async function bareRelp(lines: readonly string[], port: number, window: number): Promise<number> {
  const sender = await RelpSender.connect({ host: '127.0.0.1', port });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < lines.length) await sender.send(lines[next++] as string);
    }),
  );
  const ms = performance.now() - start;
  await sender.close();
  return (lines.length / ms) * 1000;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const line = syslogLines(11);
  const lines = Array.from({ length: LINES }, (_, i) => line(i));
  const [tcpPort = 0, relpPort = 0] = await freePorts(2);
  const dir = ctx.scratchDir('drover-bench-syslog-out-');
  chmodSync(dir, 0o755);
  const tcp = await startRsyslogServer(join(dir, 'tcp'), { kind: 'tcp', port: tcpPort });
  const relp = await startRsyslogServer(join(dir, 'relp'), { kind: 'relp', port: relpPort });
  try {
    const r = { tcp: [] as number[], bareTcp: [] as number[], relp: [] as number[], relp1k: [] as number[] };
    const anchors = { relp: [] as number[], relp1k: [] as number[] };
    for (let k = 0; k < RUNS; k++) {
      r.bareTcp.push(await bareTcp(lines, tcpPort, tcp));
      r.tcp.push(await viaEngine(lines, { port: tcpPort, protocol: 'tcp' }, 128, tcp));
      anchors.relp.push(await bareRelp(lines, relpPort, 128));
      r.relp.push(await viaEngine(lines, { port: relpPort, protocol: 'relp' }, 128, relp));
      anchors.relp1k.push(await bareRelp(lines, relpPort, 1024));
      r.relp1k.push(await viaEngine(lines, { port: relpPort, protocol: 'relp' }, 1024, relp));
      ctx.log(
        `  run ${k}: tcp ${r.tcp[k]?.toFixed(0)} (bare ${r.bareTcp[k]?.toFixed(0)}), relp ${r.relp[k]?.toFixed(0)} (bare ${anchors.relp[k]?.toFixed(0)}), relp window 1024 ${r.relp1k[k]?.toFixed(0)} (bare ${anchors.relp1k[k]?.toFixed(0)}) lines/s`,
      );
    }
    const row = (c: string, values: number[]): BenchRow => ({
      case: c,
      metric: 'lines/s',
      value: Math.round(median(values)),
      unit: 'lines/s',
    });
    return [
      row(
        `syslog_output TCP (octet counting) -> rsyslog imtcp, ${LINES} ~300-byte lines, until all in rsyslog's file`,
        r.tcp,
      ),
      row('anchor: a bare socket writing the same frames, until all in the file', r.bareTcp),
      row('syslog_output RELP (window 128) -> rsyslog imrelp, until every line is answered 200', r.relp),
      row('anchor: RelpSender alone, window 128', anchors.relp),
      row('syslog_output RELP (window 1024)', r.relp1k),
      row('anchor: RelpSender alone, window 1024', anchors.relp1k),
    ];
  } finally {
    await tcp.stop();
    await relp.stop();
  }
}
