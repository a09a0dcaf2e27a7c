/**
 * A Drover cluster of real processes for end-to-end tests and benchmarks: controllers and
 * runners started from their built `dist/main.js`, each logging to its own file, on free
 * loopback ports, under a key prefix of their own. channelctl runs as a process too.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChannelView } from '@drover/cluster-state';
import { freePorts } from '@drover/dev-services';
import { eventually } from './eventually.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// The daemons start through their bin scripts, with the node flags operators get.
const controllerBin = join(repoRoot, 'apps', 'controller', 'bin', 'drover-controller.js');
const runnerBin = join(repoRoot, 'apps', 'runner', 'bin', 'drover-runner.js');
const channelctlMain = join(repoRoot, 'apps', 'channelctl', 'dist', 'main.js');

export interface ClusterOptions {
  readonly etcd: readonly string[];
  readonly kafka?: readonly string[];
  /** Search nodes, the controllers' `es_search` cluster (index template resources). */
  readonly search?: readonly string[];
  /** Short TTLs make failure tests quick; benchmarks use the defaults. */
  readonly electionTtl?: number;
  readonly leaseTtl?: number;
  readonly token?: string;
  /** The token file's text (named tokens with roles), instead of the single `token`. */
  readonly tokenFileText?: string;
  /** Controllers serve the API over HTTPS with this certificate; channelctl trusts `caFile`. */
  readonly apiTls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  /** More environment for every daemon (and what runners pass on to their children). */
  readonly env?: NodeJS.ProcessEnv;
  /** More arguments for every controller. */
  readonly controllerArgs?: readonly string[];
  /** A platform file for controllers and runners (`--config`): etcd TLS and auth, for one. */
  readonly configFile?: string;
  /** The key prefix (default: one of its own per cluster). */
  readonly prefix?: string;
}

export class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly exited: Promise<number | null>;

  constructor(name: string, args: string[], logFile: string, env: NodeJS.ProcessEnv) {
    this.name = name;
    this.logFile = logFile;
    const log = createWriteStream(logFile, { flags: 'a' });
    const [file = '', ...rest] = args;
    this.child = spawn(file, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    // Exited once the process is gone, its output read to the end and written to its log file
    // (so a test reading the log right after sees its last lines).
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        log.end(() => resolve(code));
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM, and SIGKILL if it is still there after `graceMs`; resolves with its exit code once it is gone. */
  async terminate(graceMs: number): Promise<number | null> {
    if (!this.running) return this.exited;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.kill('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  log(): string {
    return readFileSync(this.logFile, 'utf8');
  }
}

export interface Runner {
  readonly name: string;
  readonly tags: readonly string[];
  readonly workdir: string;
  readonly port: number;
  proc: Proc;
}

export interface Controller {
  readonly id: string;
  readonly port: number;
  readonly api: string;
  proc: Proc;
}

export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'drover-e2e-'));
  readonly prefix: string;
  readonly options: ClusterOptions;
  readonly controllers: Controller[] = [];
  readonly runners = new Map<string, Runner>();
  readonly tokenFile: string | undefined;
  #logs = 0;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.prefix = options.prefix ?? `/drover-e2e-${Math.random().toString(16).slice(2, 10)}`;
    if (options.tokenFileText !== undefined) {
      this.tokenFile = join(this.dir, 'api-tokens.yaml');
      writeFileSync(this.tokenFile, options.tokenFileText, { mode: 0o600 });
    } else if (options.token !== undefined) {
      this.tokenFile = join(this.dir, 'token');
      writeFileSync(this.tokenFile, `${options.token}\n`, { mode: 0o600 });
    }
  }

  #env(): NodeJS.ProcessEnv {
    // Nothing from the test's environment that the apps read (DROVER_*), except the log level.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DROVER_LOG_LEVEL: 'debug',
      ...this.options.env,
    };
    return env;
  }

  #logFile(name: string): string {
    return join(this.dir, `${String(this.#logs++).padStart(2, '0')}-${name}.log`);
  }

  async startController(id: string, port?: number): Promise<Controller> {
    const listen = port ?? (await freePorts(1))[0] ?? 0;
    const args = [
      controllerBin,
      ...(this.options.configFile === undefined ? [] : ['--config', this.options.configFile]),
      '--id',
      id,
      '--etcd',
      this.options.etcd.join(','),
      '--prefix',
      this.prefix,
      '--listen',
      `127.0.0.1:${listen}`,
      ...(this.options.kafka === undefined
        ? []
        : ['--kafka-cluster', `kafka_front=${this.options.kafka.join(',')}`]),
      ...(this.options.search === undefined
        ? []
        : ['--search-cluster', `es_search=${this.options.search.join(',')}`]),
      ...(this.options.electionTtl === undefined ? [] : ['--election-ttl', String(this.options.electionTtl)]),
      ...(this.tokenFile === undefined ? [] : ['--token-file', this.tokenFile]),
      ...(this.options.apiTls === undefined
        ? []
        : ['--tls-cert', this.options.apiTls.certFile, '--tls-key', this.options.apiTls.keyFile]),
      ...(this.options.controllerArgs ?? []),
    ];
    const tls = this.options.apiTls;
    const controller: Controller = {
      id,
      port: listen,
      api: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${listen}`,
      proc: new Proc(id, args, this.#logFile(id), this.#env()),
    };
    const existing = this.controllers.findIndex((c) => c.id === id);
    if (existing >= 0) this.controllers[existing] = controller;
    else this.controllers.push(controller);
    await eventually(
      async () => {
        if (!controller.proc.running)
          throw new Error(`${id} exited before serving:\n${controller.proc.log()}`);
        const url = `${controller.api}/healthz`;
        const status = tls === undefined ? (await fetchJson(url)).status : await httpsStatus(url, tls.caFile);
        return status === 200;
      },
      20_000,
      `${id} up`,
    );
    return controller;
  }

  async startRunner(
    name: string,
    tags: readonly string[],
    options: {
      cluster?: string;
      allow?: readonly string[];
      port?: number;
      extraArgs?: readonly string[];
      /** Added to the runner's environment (which its children inherit in part). */
      env?: Readonly<Record<string, string>>;
    } = {},
  ): Promise<Runner> {
    const previous = this.runners.get(name);
    const port = options.port ?? previous?.port ?? (await freePorts(1))[0] ?? 0;
    const workdir = previous?.workdir ?? join(this.dir, `work-${name}`);
    mkdirSync(workdir, { recursive: true });
    const args = [
      runnerBin,
      ...(this.options.configFile === undefined ? [] : ['--config', this.options.configFile]),
      '--etcd',
      this.options.etcd.join(','),
      '--prefix',
      this.prefix,
      '--name',
      name,
      '--cluster',
      options.cluster ?? 'shiva_front',
      '--tags',
      tags.join(','),
      '--listen',
      `127.0.0.1:${port}`,
      '--workdir',
      workdir,
      '--stop-grace',
      '3',
      ...(options.allow ?? ['idle-app']).flatMap((c) => ['--allow-command', c]),
      ...(this.options.leaseTtl === undefined ? [] : ['--lease-ttl', String(this.options.leaseTtl)]),
      ...(options.extraArgs ?? []),
    ];
    const runner: Runner = {
      name,
      tags,
      workdir,
      port,
      proc: new Proc(name, args, this.#logFile(name), { ...this.#env(), ...options.env }),
    };
    this.runners.set(name, runner);
    await eventually(
      async () => {
        if (!runner.proc.running) throw new Error(`${name} exited before serving:\n${runner.proc.log()}`);
        return (await fetchJson(`http://127.0.0.1:${port}/healthz`)).status === 200;
      },
      20_000,
      `${name} up`,
    );
    return runner;
  }

  runner(name: string): Runner {
    const r = this.runners.get(name);
    if (r === undefined) throw new Error(`no runner ${name}`);
    return r;
  }

  /**
   * Runs channelctl against the first live controller (or `api`), with the cluster's token (or
   * `token`; null: none) and, for an HTTPS API, its CA (or `ca`; null: none).
   */
  channelctl(
    args: readonly string[],
    options: { api?: string; token?: string | null; ca?: string | null } = {},
  ): Promise<CliResult> {
    const api = options.api ?? this.controllers.find((c) => c.proc.running)?.api ?? '';
    const token = options.token === null ? undefined : (options.token ?? this.options.token);
    const ca = options.ca === null ? undefined : (options.ca ?? this.options.apiTls?.caFile);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DROVER_API: api,
      ...(token === undefined ? {} : { DROVER_TOKEN: token }),
      ...(ca === undefined ? {} : { DROVER_API_CA: ca }),
    };
    return run(process.execPath, [channelctlMain, ...args], env);
  }

  /** `channelctl --json status TENANT/CHANNEL`: the API's view of the channel (throws on failure). */
  async status(ref: string): Promise<ChannelView> {
    const result = await this.channelctl(['--json', 'status', ref]);
    if (result.code !== 0) throw new Error(`channelctl status ${ref} failed: ${result.stderr}`);
    return JSON.parse(result.stdout) as ChannelView;
  }

  async stop(): Promise<void> {
    const all = [...this.runners.values(), ...this.controllers].map((p) => p.proc);
    await Promise.all(all.map((p) => p.terminate(15_000)));
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export async function fetchJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** The status of a GET over HTTPS trusting `caFile` (0 when it could not connect). */
export function httpsStatus(url: string, caFile: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsGet(url, { ca: readFileSync(caFile), timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export { eventually };

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of `channels/<tenant>/<channel>` whose applications run `idle-app` (a tiny script the
 * channel ships, from test/e2e/fixtures) instead of punchlinectl, so control-plane tests do not
 * depend on the pipeline runtime. `edit` may change the structure text further.
 */
export function idleChannelCopy(
  channelsDir: string,
  tenant: string,
  channel: string,
  edit: (structure: string) => string = (s) => s,
): string {
  const target = join(channelsDir, tenant, channel);
  cpSync(join(repoRoot, 'channels', tenant, channel), target, { recursive: true });
  cpSync(join(repoRoot, 'test', 'e2e', 'fixtures', 'idle-app'), join(target, 'idle-app'));
  const file = join(target, 'channel_structure.yaml');
  const text = readFileSync(file, 'utf8')
    .replaceAll('command: punchlinectl', 'command: idle-app')
    .replace(
      // An application's resources (indented), not the channel's: [ \t], since \s would span
      // the blank line before a top-level `resources:`.
      /(\n[ \t]+resources:\n)([ \t]+)- /g,
      (_m, head: string, indent: string) => `${head}${indent}- idle-app\n${indent}- `,
    );
  writeFileSync(file, edit(text));
  return target;
}
