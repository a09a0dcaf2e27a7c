/**
 * The shipped example channels, changed to run on one host: a copy in `<state>/demo/channels`
 * where both receivers of each HA pair listen on loopback ports of their own, the forwarder sends
 * to those ports instead of the front hosts, the processor stores into the local PostgreSQL and
 * search node, and the syslog receivers use the demo's certificate and spools.
 *
 * Each change is a text substitution that must apply: when a shipped channel no longer reads as
 * expected, the demo refuses to start naming the file and the change, instead of running a channel
 * that still points at hosts that do not exist here.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoLayout } from './layout.js';

export class DemoChannelError extends Error {
  override readonly name = 'DemoChannelError';
  constructor(
    readonly file: string,
    readonly change: string,
  ) {
    super(
      `${file}: the demo cannot apply "${change}" (the shipped channel changed; update deploy/dev/src/demo/channels.ts)`,
    );
  }
}

/** One substitution: `from` must match in the file. */
export interface Change {
  readonly what: string;
  readonly from: RegExp;
  readonly to: string;
}

/** Applies every change to `text`; throws DemoChannelError naming the first that does not match. */
export function applyChanges(file: string, text: string, changes: readonly Change[]): string {
  let out = text;
  for (const change of changes) {
    if (!change.from.test(out)) throw new DemoChannelError(file, change.what);
    change.from.lastIndex = 0;
    out = out.replace(change.from, change.to);
  }
  return out;
}

export interface OneHostSettings {
  readonly postgresUrl: string;
  readonly searchNodes: string;
  /** The demo's TLS key and certificate, without extension (`.key`, `.crt`). */
  readonly tlsBase: string;
  readonly spoolDir: string;
  /** Where the receivers listen here. */
  readonly ports: Pick<DemoLayout, 'lumberjack' | 'syslog'>;
}

/** Every file the demo writes: its path in the channels folder and the changes from a source file. */
export interface FilePlan {
  readonly source: string;
  readonly target: string;
  readonly changes: readonly Change[];
}

/** The plan for the reftenant channels (paths relative to `channels/reftenant`). */
export function oneHostPlan(s: OneHostSettings): FilePlan[] {
  const receiver = (port: number): Change[] => [
    { what: 'receiver on loopback', from: /host: 0\.0\.0\.0/, to: 'host: 127.0.0.1' },
    { what: `receiver port ${port}`, from: /port: 2002\b/, to: `port: ${port}` },
  ];
  const syslog = (ports: { relp: number; tls: number; plain: number }, spool: string): Change[] => [
    { what: 'syslog listeners on loopback', from: /host: 0\.0\.0\.0/g, to: 'host: 127.0.0.1' },
    { what: `TLS port ${ports.tls}`, from: /port: 6514\b/, to: `port: ${ports.tls}` },
    { what: `RELP port ${ports.relp}`, from: /port: 2514\b/, to: `port: ${ports.relp}` },
    { what: `TCP and UDP port ${ports.plain}`, from: /port: 514\b/g, to: `port: ${ports.plain}` },
    { what: 'the demo certificate', from: /\/etc\/drover\/tls\/syslog-receiver/g, to: s.tlsBase },
    { what: 'the demo spool', from: /\/var\/lib\/drover\/spool\/reftenant-syslog/, to: spool },
  ];
  return [
    {
      source: 'receiver/logs_receiver.yaml',
      target: 'receiver/logs_receiver.yaml',
      changes: receiver(s.ports.lumberjack.receiver1),
    },
    {
      source: 'receiver/logs_receiver.yaml',
      target: 'receiver/logs_receiver2.yaml',
      changes: receiver(s.ports.lumberjack.receiver2),
    },
    {
      source: 'receiver/channel_structure.yaml',
      target: 'receiver/channel_structure.yaml',
      changes: [
        {
          what: 'central_receiver2 runs logs_receiver2.yaml',
          from: /(name: central_receiver2[\s\S]*?)logs_receiver\.yaml/,
          to: '$1logs_receiver2.yaml',
        },
      ],
    },
    {
      source: 'forwarder/forwarder.yaml',
      target: 'forwarder/forwarder.yaml',
      changes: [
        {
          what: 'forward to receiver 1',
          from: /host: centralfront1(\s+)port: 2002/,
          to: `host: 127.0.0.1$1port: ${s.ports.lumberjack.receiver1}`,
        },
        {
          what: 'forward to receiver 2',
          from: /host: centralfront2(\s+)port: 2002/,
          to: `host: 127.0.0.1$1port: ${s.ports.lumberjack.receiver2}`,
        },
      ],
    },
    {
      source: 'processor/logs_processor.yaml',
      target: 'processor/logs_processor.yaml',
      changes: [
        {
          what: 'the local PostgreSQL',
          from: /url: postgres:\/\/drover@127\.0\.0\.1:5432\/drover/,
          to: `url: ${s.postgresUrl}`,
        },
        {
          what: 'the local search node',
          from: /hosts: \["http:\/\/127\.0\.0\.1:9200"\]/,
          to: `hosts: ["${s.searchNodes}"]`,
        },
      ],
    },
    {
      source: 'syslog/syslog_receiver.yaml',
      target: 'syslog/syslog_receiver.yaml',
      changes: syslog(s.ports.syslog.receiver1, join(s.spoolDir, 'syslog-receiver1')),
    },
    {
      source: 'syslog/syslog_receiver.yaml',
      target: 'syslog/syslog_receiver2.yaml',
      changes: syslog(s.ports.syslog.receiver2, join(s.spoolDir, 'syslog-receiver2')),
    },
    {
      source: 'syslog/channel_structure.yaml',
      target: 'syslog/channel_structure.yaml',
      changes: [
        {
          what: 'central_syslog_receiver2 runs syslog_receiver2.yaml',
          from: /(name: central_syslog_receiver2[\s\S]*?)syslog_receiver\.yaml/,
          to: '$1syslog_receiver2.yaml',
        },
      ],
    },
  ];
}

/**
 * Copies `<repo>/channels/reftenant` to `<channelsDir>/reftenant` and applies the one-host plan.
 * Throws DemoChannelError when a change does not apply.
 */
export async function prepareChannels(repo: string, channelsDir: string, s: OneHostSettings): Promise<void> {
  const source = join(repo, 'channels', 'reftenant');
  const target = join(channelsDir, 'reftenant');
  await rm(channelsDir, { recursive: true, force: true });
  await mkdir(channelsDir, { recursive: true });
  await cp(source, target, { recursive: true });
  for (const plan of oneHostPlan(s)) {
    const text = await readFile(join(source, plan.source), 'utf8');
    await writeFile(join(target, plan.target), applyChanges(join(source, plan.source), text, plan.changes));
  }
}
