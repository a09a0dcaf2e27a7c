/**
 * Pipelines as real processes for end-to-end tests: punchlinectl started from its bin script on a
 * pipeline file, up once its metrics answer, stopped with SIGTERM (Kafka topics to run them
 * against: kafka.ts).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type IndexTemplateBody,
  parseChannelStructure,
  parseIndexTemplate,
  STRUCTURE_FILE,
  unwrap,
} from '@drover/channel-model';
import { freePorts } from '@drover/dev-services';
import { eventually, fetchJson, Proc, repoRoot } from './cluster.js';

export const punchlinectlBin = join(repoRoot, 'apps', 'punchline', 'bin', 'punchlinectl.js');

export interface PunchlineProcess {
  readonly proc: Proc;
  readonly metricsPort: number;
  /** The Prometheus text of its metrics endpoint. */
  metrics(): Promise<string>;
}

/**
 * Starts `punchlinectl start --punchline FILE --kafka-cluster kafka_front=BROKERS` (its output in
 * `logFile`) and waits until its metrics endpoint answers: the pipeline is built and its inputs
 * started (a listening lumberjack_input, a consuming kafka_input). With `config`, the Kafka
 * clusters come from that platform file (`--config`) instead, `brokers` left out.
 */
export async function startPunchline(options: {
  readonly name: string;
  readonly file: string;
  readonly brokers?: readonly string[];
  /** A platform file (`--config`): Kafka clusters with their TLS and SASL. */
  readonly config?: string;
  readonly logFile: string;
  readonly identity?: { readonly tenant: string; readonly channel: string; readonly app: string };
  /** Flags for node itself (`--cpu-prof`, ...), before the script. */
  readonly nodeArgs?: readonly string[];
  /** Added to the child's environment (`NODE_OPTIONS`, as a runner sets it). */
  readonly env?: Readonly<Record<string, string>>;
}): Promise<PunchlineProcess> {
  const [metricsPort = 0] = await freePorts(1);
  const id = options.identity;
  const proc = new Proc(
    options.name,
    [
      process.execPath,
      ...(options.nodeArgs ?? []),
      punchlinectlBin,
      'start',
      '--punchline',
      options.file,
      ...(id === undefined ? [] : ['--tenant', id.tenant, '--channel', id.channel, '--app', id.app]),
      ...(options.config === undefined ? [] : ['--config', options.config]),
      ...(options.brokers === undefined
        ? []
        : ['--kafka-cluster', `kafka_front=${options.brokers.join(',')}`]),
      '--metrics-listen',
      `127.0.0.1:${metricsPort}`,
    ],
    options.logFile,
    { PATH: process.env.PATH, ...options.env },
  );
  const metrics = async () => String((await fetchJson(`http://127.0.0.1:${metricsPort}/`)).body);
  try {
    await eventually(
      async () => {
        if (!proc.running) throw new Error(`${options.name} exited early:\n${proc.log()}`);
        return (await fetchJson(`http://127.0.0.1:${metricsPort}/`)).status === 200;
      },
      30_000,
      `${options.name} up`,
    );
  } catch (err) {
    await stopPunchline(proc);
    throw err;
  }
  return { proc, metricsPort, metrics };
}

/** SIGTERM (a clean drain), SIGKILL if it has not exited within `graceMs`. Resolves with its exit code. */
export async function stopPunchline(proc: Proc | undefined, graceMs = 15_000): Promise<number | null> {
  return proc === undefined ? null : proc.terminate(graceMs);
}

/**
 * The shipped receiver channel (`channels/reftenant/receiver`) copied into `dir`, with its
 * pipeline listening on 127.0.0.1:`port` instead of 0.0.0.0:2002 and writing to its topics with
 * `-<suffix>` added. Returns the pipeline file and the topics. Throws if the shipped file no
 * longer has what is rewritten, rather than letting a test run a pipeline it did not configure.
 */
export function receiverPipeline(
  dir: string,
  options: { readonly port: number; readonly suffix: string; readonly file?: string },
): { file: string; topics: string[] } {
  cpSync(join(repoRoot, 'channels', 'reftenant', 'receiver'), dir, { recursive: true });
  const shipped = readFileSync(join(dir, 'logs_receiver.yaml'), 'utf8');
  const listen = 'host: 0.0.0.0\n        port: 2002';
  if (!shipped.includes(listen)) throw new Error(`logs_receiver.yaml no longer listens on "${listen}"`);
  const text = shipped
    .replace(listen, `host: 127.0.0.1\n        port: ${options.port}`)
    .replace(/topic: (reftenant-receiver-[a-z-]+)/g, `topic: $1-${options.suffix}`);
  // Several streams may share a topic (json_logs, text_logs and unknown_device_logs all go to
  // the unknown topic): each topic once.
  const topics = [
    ...new Set([...text.matchAll(/topic: (reftenant-receiver-[a-z0-9-]+)/g)].map((m) => m[1] ?? '')),
  ];
  if (topics.length === 0) throw new Error('logs_receiver.yaml names no topic');
  const file = join(dir, options.file ?? 'logs_receiver.yaml');
  writeFileSync(file, text);
  return { file, topics };
}

export interface SyslogReceiverOptions {
  readonly ports: { readonly tls: number; readonly relp: number; readonly tcp: number; readonly udp: number };
  readonly suffix: string;
  /** TLS key and certificate of the 6514 listener; with `ca`, clients must present a certificate it signed. */
  readonly tls: { readonly key: string; readonly cert: string; readonly ca?: string };
  /** The spool directory; undefined: no spool. */
  readonly spoolDir: string | undefined;
  readonly file?: string;
}

/**
 * The shipped syslog receiver channel (`channels/reftenant/syslog`) copied into `dir`, its
 * listeners on 127.0.0.1 with the given ports, its TLS files and spool directory replaced, and
 * its topics with `-<suffix>` added. Throws if the shipped file no longer has what is rewritten.
 */
export function syslogReceiverPipeline(
  dir: string,
  o: SyslogReceiverOptions,
): { file: string; topics: string[] } {
  cpSync(join(repoRoot, 'channels', 'reftenant', 'syslog'), dir, { recursive: true });
  let text = readFileSync(join(dir, 'syslog_receiver.yaml'), 'utf8');
  const replace = (from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`syslog_receiver.yaml no longer has "${from}"`);
    text = text.replace(from, to);
  };
  replace(
    'protocol: tls\n          host: 0.0.0.0\n          port: 6514',
    `protocol: tls\n          host: 127.0.0.1\n          port: ${o.ports.tls}`,
  );
  replace(
    'protocol: relp\n          host: 0.0.0.0\n          port: 2514',
    `protocol: relp\n          host: 127.0.0.1\n          port: ${o.ports.relp}`,
  );
  replace(
    'protocol: tcp\n          host: 0.0.0.0\n          port: 514',
    `protocol: tcp\n          host: 127.0.0.1\n          port: ${o.ports.tcp}`,
  );
  replace(
    'protocol: udp\n          host: 0.0.0.0\n          port: 514',
    `protocol: udp\n          host: 127.0.0.1\n          port: ${o.ports.udp}`,
  );
  replace('ssl_private_key: /etc/drover/tls/syslog-receiver.key', `ssl_private_key: ${o.tls.key}`);
  replace(
    'ssl_certificate: /etc/drover/tls/syslog-receiver.crt',
    `ssl_certificate: ${o.tls.cert}${o.tls.ca === undefined ? '' : `\n          ssl_trusted_certificate: ${o.tls.ca}`}`,
  );
  const spool = /\n {6}spool:\n {8}dir: \/var\/lib\/drover\/spool\/reftenant-syslog\n(?: {8}.*\n)*/;
  if (!spool.test(text)) throw new Error('syslog_receiver.yaml no longer has its spool block');
  text = text.replace(
    spool,
    o.spoolDir === undefined ? '\n' : `\n      spool:\n        dir: ${o.spoolDir}\n        fsync: always\n`,
  );
  text = text.replace(/topic: (reftenant-receiver-[a-z-]+)/g, `topic: $1-${o.suffix}`);
  const topics = [
    ...new Set([...text.matchAll(/topic: (reftenant-receiver-[a-z0-9-]+)/g)].map((m) => m[1] ?? '')),
  ];
  const file = join(dir, o.file ?? 'syslog_receiver.yaml');
  writeFileSync(file, text);
  return { file, topics };
}

/** A channel's index template resources as the controller ensures them: name, body from the file, overwrite. */
export function channelTemplates(
  dir: string,
): { readonly name: string; readonly body: IndexTemplateBody; readonly overwrite: boolean }[] {
  const structure = unwrap(
    parseChannelStructure(readFileSync(join(dir, STRUCTURE_FILE), 'utf8'), { file: STRUCTURE_FILE }),
  );
  return structure.resources.flatMap((r) =>
    r.type === 'elasticsearch_index_template'
      ? [
          {
            name: r.name,
            body: unwrap(parseIndexTemplate(readFileSync(join(dir, r.file), 'utf8'), r.file)),
            overwrite: r.overwrite,
          },
        ]
      : [],
  );
}

/**
 * The shipped processor channel (`channels/reftenant/processor`) copied into `dir`, storing into
 * `postgresUrl` and reading the receiver topics (and writing its errors topic) with `-<suffix>`
 * added. Returns the pipeline file, the topics it reads and writes, and its index templates (what
 * the controller would create before placing it: run alone, punchlinectl leaves them to the
 * caller). Throws if the shipped file no longer has what is rewritten.
 */
export function processorPipeline(
  dir: string,
  options: { readonly postgresUrl: string; readonly searchUrl: string; readonly suffix: string },
): {
  file: string;
  inputTopics: string[];
  errorsTopic: string;
  templates: ReturnType<typeof channelTemplates>;
} {
  cpSync(join(repoRoot, 'channels', 'reftenant', 'processor'), dir, { recursive: true });
  const file = join(dir, 'logs_processor.yaml');
  const shipped = readFileSync(file, 'utf8');
  const url = 'url: postgres://drover@127.0.0.1:5432/drover';
  if (!shipped.includes(url)) throw new Error(`logs_processor.yaml no longer has "${url}"`);
  const hosts = 'hosts: ["http://127.0.0.1:9200"]';
  if (!shipped.includes(hosts)) throw new Error(`logs_processor.yaml no longer has "${hosts}"`);
  const text = shipped
    .replace(url, `url: ${options.postgresUrl}`)
    .replace(hosts, `hosts: ["${options.searchUrl}"]`)
    .replace(/(reftenant-(?:receiver|processor)-[a-z-]+)/g, `$1-${options.suffix}`);
  writeFileSync(file, text);
  const inputTopics = [...text.matchAll(/- (reftenant-receiver-[a-z0-9-]+)/g)].map((m) => m[1] ?? '');
  const errorsTopic = /topic: (reftenant-processor-errors-[a-z0-9-]+)/.exec(text)?.[1];
  if (inputTopics.length === 0 || errorsTopic === undefined)
    throw new Error('logs_processor.yaml names no topic');
  return { file, inputTopics, errorsTopic, templates: channelTemplates(dir) };
}
