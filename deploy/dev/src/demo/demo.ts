/**
 * The whole system on one machine, as `npm start` and `deploy/dev/demo up|down` run it: the local
 * services, two controllers, the runners standing for the hosts (front1, front2, back1,
 * collector1), every example channel, and real syslog senders (rsyslogd over RELP, `logger` over
 * TCP) next to the channels' own Lumberjack forwarder.
 *
 * `up` starts what is missing, step by step with progress, and returns with everything running in
 * the background; `down` stops the demo's processes (the services stay unless asked). `npm start`
 * is `up`, then the live summary every second until Ctrl-C, then `down` and the services it
 * started.
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stateDir as defaultStateDir, repoRoot } from '../paths.js';
import { isPortFree } from '../ports.js';
import { readState, type ServiceName } from '../state.js';
import { prepareChannels } from './channels.js';
import {
  CHANNELS,
  DEMO_PREFIX,
  type DemoLayout,
  type DemoPaths,
  demoLayout,
  demoPaths,
  portOffset,
} from './layout.js';
import { startRecorded, stopRecorded, waitHttp } from './processes.js';
import { type Progress, type Step, withDownloadProgress } from './progress.js';

const execFileAsync = promisify(execFile);

/** kafkajs on Node 24 warns about its own negative timeouts (harmless, noisy). */
const NODE_FLAGS = ['--disable-warning=TimeoutNegativeWarning'];

/** The services the demo needs, in start order. */
export const DEMO_SERVICES: readonly ServiceName[] = ['etcd', 'kafka', 'postgres', 'search'];

/** What a first start downloads from Maven Central (measured: the jars in `.drover-dev/cache`). */
const FIRST_DOWNLOAD_BYTES: Partial<Record<ServiceName, number>> = { kafka: 46e6, search: 48e6 };

/** The order `down` stops things in: senders, then runners (which stop their pipelines), then controllers. */
export function stopOrder(layout: DemoLayout): string[] {
  return [
    'syslog-senders',
    'rsyslogd',
    ...layout.runners.map((r) => r.name).reverse(),
    ...layout.controllers.map((c) => c.id).reverse(),
  ];
}

/** The number of progress steps `up` shows. */
export const UP_STEPS = DEMO_SERVICES.length + 5 + CHANNELS.length;

export interface DemoContext {
  readonly root: string;
  readonly stateDir: string;
  readonly paths: DemoPaths;
  readonly layout: DemoLayout;
  /** `node` of the project (Node 24), running every process. */
  readonly node: string;
}

export function demoContext(env: NodeJS.ProcessEnv = process.env): DemoContext {
  const stateDir = defaultStateDir(env);
  return {
    root: repoRoot(),
    stateDir,
    paths: demoPaths(stateDir),
    layout: demoLayout(portOffset(env)),
    node: process.execPath,
  };
}

export class DemoError extends Error {
  override readonly name = 'DemoError';
}

/**
 * Runs a command: its output into `log`, each stderr line to `onLine`; resolves with its stdout,
 * rejects naming the log on failure.
 */
function runLogged(
  command: string,
  args: readonly string[],
  log: string,
  onLine: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    // Its own process group: Ctrl-C at the terminal reaches us, not a service half-started (we
    // let the step finish, then stop what it started).
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    let stdout = '';
    const lines = (chunk: Buffer) => {
      out.write(chunk);
      for (const line of chunk.toString('utf8').split(/\r?\n|\r/)) if (line.trim() !== '') onLine(line);
    };
    // stdout is the command's result (JSON): logged, not shown as progress.
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      out.write(chunk);
    });
    child.stderr.on('data', lines);
    child.once('error', (err) => {
      out.end();
      reject(err);
    });
    child.once('close', (code) => {
      out.end();
      if (code === 0) resolve(stdout);
      else reject(new DemoError(`${[command, ...args].join(' ')} exited with ${code}; see ${log}`));
    });
  });
}

function childEnv(ctx: DemoContext, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const bin = join(ctx.root, 'node_modules', '.bin');
  return { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, ...extra };
}

async function built(ctx: DemoContext): Promise<void> {
  for (const app of ['controller', 'runner', 'channelctl', 'punchline']) {
    try {
      await stat(join(ctx.root, 'apps', app, 'dist', 'main.js'));
    } catch {
      throw new DemoError(`apps/${app} is not built: run 'npm run build' (npm start builds by itself)`);
    }
  }
}

/** A throwaway certificate for the syslog receivers' TLS listeners (CN localhost), made once. */
async function demoCertificate(paths: DemoPaths): Promise<string> {
  const base = join(paths.tls, 'syslog-receiver');
  await mkdir(paths.tls, { recursive: true });
  try {
    await stat(`${base}.crt`);
    return base;
  } catch {
    // make it
  }
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.crt`,
  ]);
  return base;
}

/**
 * Real syslog senders: rsyslogd (Debian, in the foreground with its own configuration) forwarding
 * over RELP to central_syslog_receiver1 what `logger` writes to its socket, and `logger` sending
 * straight to central_syslog_receiver2 over TCP (octet counting, RFC 5424).
 */
async function startSyslogSenders(ctx: DemoContext, rsyslogd: string): Promise<void> {
  const dir = ctx.paths.rsyslog;
  await mkdir(join(dir, 'work'), { recursive: true });
  const socket = join(dir, 'log.sock');
  await writeFile(
    join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}/work")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${socket}")`,
      'module(load="omrelp")',
      `action(type="omrelp" target="127.0.0.1" port="${ctx.layout.syslog.receiver1.relp}" windowSize="1024"`,
      '       action.resumeRetryCount="-1" action.resumeInterval="1"',
      '       queue.type="LinkedList" queue.filename="to-drover" queue.saveOnShutdown="on")',
      '',
    ].join('\n'),
  );
  await startRecorded(ctx.paths, 'rsyslogd', rsyslogd, [
    '-n',
    '-f',
    join(dir, 'rsyslog.conf'),
    '-i',
    join(dir, 'rsyslogd.pid'),
  ]);
  for (let i = 0; i < 50; i++) {
    if (
      await stat(socket).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const loop = [
    'i=0',
    'while sleep 0.2; do',
    '  i=$((i + 1))',
    `  logger -u '${socket}' -t sshd "Accepted publickey for deploy from 10.1.2.3 port $((40000 + i % 20000)) ssh2 seq=$i" || true`,
    `  logger --tcp --octet-count --rfc5424 -n 127.0.0.1 -P ${ctx.layout.syslog.receiver2.plain} -t httpd --msgid ACCESS \\`,
    '    "10.1.2.4 - - \\"GET /index.html HTTP/1.1\\" 200 5120 seq=$i" 2>/dev/null || true',
    'done',
  ].join('\n');
  await startRecorded(ctx.paths, 'syslog-senders', 'bash', ['-c', loop]);
}

export interface UpOptions {
  readonly progress: Progress;
  /** Called with the services this run started (not those already running), as they start. */
  readonly onServiceStarted?: (name: ServiceName) => void;
  /** Aborted (Ctrl-C while starting): no further step starts; `up` throws DemoError. */
  readonly signal?: AbortSignal;
}

/**
 * Starts the demo. Throws DemoError (after logging which step) when something cannot start; what
 * did start stays recorded, so `down` stops it.
 */
export async function up(ctx: DemoContext, options: UpOptions): Promise<void> {
  const { progress } = options;
  await built(ctx);
  await mkdir(ctx.paths.dir, { recursive: true });
  const services = join(ctx.root, 'deploy', 'dev', 'dist', 'cli.js');
  const setupLog = ctx.paths.log('setup');
  const run = async <T>(label: string, work: (step: Step) => Promise<T>): Promise<T> => {
    if (options.signal?.aborted === true) throw new DemoError(`stopped before: ${label}`);
    const step = progress.step(label);
    try {
      const result = await work(step);
      step.done();
      return result;
    } catch (err) {
      step.fail((err as Error).message);
      throw err;
    }
  };

  for (const name of DEMO_SERVICES) {
    await run(name, async (step) => {
      const start = () =>
        runLogged(ctx.node, [...NODE_FLAGS, services, 'up', name, '--json'], setupLog, (line) =>
          step.detail(line.replace(/^dev-services: /, '')),
        );
      const expected = FIRST_DOWNLOAD_BYTES[name];
      const out = await (expected === undefined
        ? start()
        : withDownloadProgress(step, name, expected, start));
      const result = JSON.parse(out) as Record<string, { started?: boolean }>;
      if (result[name]?.started === true) options.onServiceStarted?.(name);
    });
  }
  const state = await readState(ctx.stateDir);
  const etcd = state.etcd?.endpoints.join(',');
  const brokers = state.kafka?.brokers.join(',');
  const postgres = state.postgres?.url;
  const search = state.search?.endpoints.join(',');
  if (etcd === undefined || brokers === undefined || postgres === undefined || search === undefined)
    throw new DemoError(`a service is missing from ${join(ctx.stateDir, 'services.json')} after starting it`);

  const rsyslogd = await run('rsyslog (Debian packages, for the syslog senders)', async (step) => {
    const out = await runLogged(ctx.node, [...NODE_FLAGS, services, 'install', 'rsyslog'], setupLog, (line) =>
      step.detail(line.replace(/^dev-services: /, '')),
    );
    const parsed = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { rsyslog?: { rsyslogd?: string } };
    if (parsed.rsyslog?.rsyslogd === undefined) throw new DemoError(`no rsyslogd path in: ${out}`);
    return parsed.rsyslog.rsyslogd;
  });

  await run('channels for one host', async (step) => {
    for (const port of ctx.layout.ports) {
      if (!(await isPortFree(port)))
        throw new DemoError(`port ${port} is in use (another demo? 'deploy/dev/demo down')`);
    }
    step.detail('the demo certificate');
    const tlsBase = await demoCertificate(ctx.paths);
    step.detail(`copying channels/reftenant to ${ctx.paths.channels}`);
    await prepareChannels(ctx.root, ctx.paths.channels, {
      postgresUrl: postgres,
      searchNodes: search,
      tlsBase,
      spoolDir: ctx.paths.spool,
      ports: ctx.layout,
    });
  });

  const common = ['--etcd', etcd, '--prefix', DEMO_PREFIX];
  // What runners pass on to their pipelines: Kafka clusters by name.
  const env = childEnv(ctx, { DROVER_KAFKA_CLUSTERS: `kafka_front=${brokers}` });
  await run('two controllers', async (step) => {
    for (const c of ctx.layout.controllers) {
      step.detail(`${c.id} on ${c.listen}`);
      await startRecorded(
        ctx.paths,
        c.id,
        ctx.node,
        [
          join(ctx.root, 'apps/controller/bin/drover-controller.js'),
          ...common,
          '--listen',
          c.listen,
          '--id',
          c.id,
          '--kafka-cluster',
          `kafka_front=${brokers}`,
          // The processor's index template is a resource on the es_search cluster.
          '--search-cluster',
          `es_search=${search}`,
          // The console searches the log table the demo's processor channel fills.
          '--log-store-url',
          postgres,
        ],
        env,
      );
    }
    for (const c of ctx.layout.controllers)
      await waitHttp(`http://${c.listen}/healthz`, 60_000, ctx.paths.log(c.id));
    await waitHttp(`${ctx.layout.primaryApi}/readyz`, 60_000, ctx.paths.log(ctx.layout.controllers[0].id));
  });

  await run(`runners ${ctx.layout.runners.map((r) => r.name).join(', ')}`, async (step) => {
    for (const r of ctx.layout.runners) {
      step.detail(`${r.name} [${r.tags.join(',')}] on ${r.listen}`);
      await startRecorded(
        ctx.paths,
        r.name,
        ctx.node,
        [
          join(ctx.root, 'apps/runner/bin/drover-runner.js'),
          ...common,
          '--name',
          r.name,
          '--cluster',
          r.cluster,
          '--tags',
          r.tags.join(','),
          '--listen',
          r.listen,
          '--workdir',
          ctx.paths.workdir(r.name),
        ],
        env,
      );
    }
    for (const r of ctx.layout.runners)
      await waitHttp(`http://${r.listen}/healthz`, 60_000, ctx.paths.log(r.name));
  });

  const channelctl = join(ctx.root, 'apps/channelctl/bin/channelctl.js');
  const ctlEnv = childEnv(ctx, {
    DROVER_CHANNELS_DIR: ctx.paths.channels,
    DROVER_API: ctx.layout.primaryApi,
  });
  for (const channel of CHANNELS) {
    await run(`channelctl start ${channel}`, (step) =>
      runLogged(
        ctx.node,
        [channelctl, 'start', channel, '--wait', '--timeout', '180'],
        ctx.paths.log('channelctl'),
        (line) => step.detail(line),
        ctlEnv,
      ),
    );
  }

  await run('syslog senders (rsyslogd over RELP, logger over TCP)', () => startSyslogSenders(ctx, rsyslogd));
}

/** Stops the demo's processes; returns what was running. The services stay. */
export function down(ctx: DemoContext): Promise<string[]> {
  return stopRecorded(ctx.paths, stopOrder(ctx.layout));
}

/** Stops services by name through the services CLI (its output into the setup log). */
export async function stopServices(ctx: DemoContext, names: readonly ServiceName[]): Promise<void> {
  if (names.length === 0) return;
  const services = join(ctx.root, 'deploy', 'dev', 'dist', 'cli.js');
  await runLogged(ctx.node, [...NODE_FLAGS, services, 'down', ...names], ctx.paths.log('setup'), () => {});
}

/** The commands the README and `up` suggest once the demo runs. */
export async function tryLines(ctx: DemoContext): Promise<string[]> {
  const state = await readState(ctx.stateDir);
  const pg = state.postgres?.url ?? '$DROVER_POSTGRES_URL';
  const search = state.search?.endpoints[0] ?? '$DROVER_SEARCH_NODES';
  const front1 = (await readFile(ctx.paths.pidFile('front1'), 'utf8').catch(() => '<pid>')).trim();
  return [
    'The forwarder sends 100 syslog lines a second through both Lumberjack receivers into Kafka;',
    'rsyslogd (RELP) and logger (TCP) send syslog to the syslog receivers, which spool it and write',
    'it to the same topics; the processor parses it into PostgreSQL, files and the search node. Try:',
    '  npx channelctl status reftenant/receiver',
    '  npx channelctl logs reftenant/receiver/central_receiver1 --tail 5',
    `  kill -9 ${front1}      # runner front1: central_receiver1 pending, naming its tag`,
    `  psql "${pg}" -c "SELECT ts, host, program, left(message, 50) FROM logs ORDER BY ts DESC LIMIT 5"`,
    `  curl -s "${search}/reftenant-*/_count"`,
    `  console: ${ctx.layout.primaryApi}/   (live status, counters, instance logs, search of the stored logs)`,
  ];
}
