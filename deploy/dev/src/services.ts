import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { etcdHealthy, startEtcd } from './etcd.js';
import { kafkaReady, startKafka } from './kafka.js';
import { acquireLock } from './lock.js';
import { cacheDir as defaultCacheDir, stateDir as defaultStateDir } from './paths.js';
import { ensurePostgresInstalled, postgresReady, startPostgres, stopPostgres } from './postgres.js';
import { commandLine, isAlive, stopProcess } from './process.js';
import { searchHealthy, startSearch } from './search.js';
import {
  type EtcdRecord,
  type KafkaRecord,
  type PostgresRecord,
  readState,
  SERVICE_NAMES,
  type SearchRecord,
  type ServiceName,
  writeState,
} from './state.js';

export interface ServicesDirs {
  stateDir: string;
  cacheDir: string;
}

export function defaultDirs(env: NodeJS.ProcessEnv = process.env): ServicesDirs {
  return { stateDir: defaultStateDir(env), cacheDir: defaultCacheDir(env) };
}

export interface ServiceStatus {
  name: ServiceName;
  recorded: boolean;
  endpoints: string[];
  pid: number | undefined;
  alive: boolean;
  healthy: boolean;
}

export interface UpResult {
  etcd?: EtcdRecord & { started: boolean };
  kafka?: KafkaRecord & { started: boolean };
  postgres?: PostgresRecord & { started: boolean };
  search?: SearchRecord & { started: boolean };
}

const PROCESS_MARKER: Record<ServiceName, string> = {
  etcd: 'etcd',
  kafka: 'kafka.Kafka',
  postgres: 'postgres',
  search: 'org.opensearch.bootstrap.OpenSearch',
};
const STOP_GRACE_MS: Record<ServiceName, number> = {
  etcd: 10_000,
  kafka: 30_000,
  postgres: 30_000,
  search: 20_000,
};

/** How each service is stopped: PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client). */
function stopService(name: ServiceName, pid: number): Promise<void> {
  return name === 'postgres'
    ? stopPostgres(pid, STOP_GRACE_MS.postgres)
    : stopProcess(pid, STOP_GRACE_MS[name]);
}

/** Alive and still the program we started (a recycled pid would run something else). */
function ownsProcess(name: ServiceName, pid: number): boolean {
  if (!isAlive(pid)) return false;
  const cmd = commandLine(pid);
  return cmd === undefined || cmd.includes(PROCESS_MARKER[name]);
}

async function healthy(name: ServiceName, endpoints: string[]): Promise<boolean> {
  if (name === 'etcd') return endpoints[0] !== undefined && etcdHealthy(endpoints[0], 2_000);
  if (name === 'search') return endpoints[0] !== undefined && searchHealthy(endpoints[0], 5_000);
  if (name === 'postgres') {
    const port = Number(new URL(endpoints[0] ?? 'postgres://x:0').port);
    return postgresReady(await ensurePostgresInstalled(), port);
  }
  try {
    await kafkaReady(endpoints, 5_000);
    return true;
  } catch {
    return false;
  }
}

function endpointsOf(record: EtcdRecord | KafkaRecord | PostgresRecord | SearchRecord): string[] {
  if ('url' in record) return [record.url];
  return 'endpoints' in record ? record.endpoints : record.brokers;
}

async function withStateLock<T>(dirs: ServicesDirs, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(join(dirs.stateDir, 'lock'));
  try {
    return await work();
  } finally {
    lock.release();
  }
}

function log(message: string): void {
  process.stderr.write(`dev-services: ${message}\n`);
}

/**
 * Starts what is not already running and healthy; reuses what is. A fresh start gets fresh data
 * (tests want a clean cluster); the jar cache is kept.
 */
export function up(names: readonly ServiceName[], dirs: ServicesDirs = defaultDirs()): Promise<UpResult> {
  return withStateLock(dirs, async () => {
    const result: UpResult = {};
    for (const name of names) {
      const state = await readState(dirs.stateDir);
      const existing = state[name];
      if (existing !== undefined && ownsProcess(name, existing.pid)) {
        if (await healthy(name, endpointsOf(existing))) {
          log(`${name} already up at ${endpointsOf(existing).join(',')} (pid ${existing.pid})`);
          if (name === 'etcd') result.etcd = { ...(existing as EtcdRecord), started: false };
          else if (name === 'postgres') result.postgres = { ...(existing as PostgresRecord), started: false };
          else if (name === 'search') result.search = { ...(existing as SearchRecord), started: false };
          else result.kafka = { ...(existing as KafkaRecord), started: false };
          continue;
        }
        log(`${name} pid ${existing.pid} is alive but not healthy: restarting it`);
        await stopService(name, existing.pid);
      }
      const serviceDir = join(dirs.stateDir, name);
      await rm(serviceDir, { recursive: true, force: true });
      const started = Date.now();
      if (name === 'etcd') {
        const h = await startEtcd({
          dataDir: join(serviceDir, 'data'),
          logFile: join(serviceDir, 'etcd.log'),
        });
        const record: EtcdRecord = {
          endpoints: h.endpoints,
          pid: h.pid,
          dataDir: h.dataDir,
          clientPort: h.clientPort,
          peerPort: h.peerPort,
          logFile: h.logFile,
        };
        await writeState(dirs.stateDir, { ...(await readState(dirs.stateDir)), etcd: record });
        result.etcd = { ...record, started: true };
      } else if (name === 'postgres') {
        const h = await startPostgres({ dir: serviceDir });
        const record: PostgresRecord = {
          url: h.url,
          pid: h.pid,
          dir: h.dir,
          port: h.port,
          logFile: h.logFile,
        };
        await writeState(dirs.stateDir, { ...(await readState(dirs.stateDir)), postgres: record });
        result.postgres = { ...record, started: true };
      } else if (name === 'search') {
        const h = await startSearch({ dir: serviceDir, cacheDir: dirs.cacheDir });
        const record: SearchRecord = {
          endpoints: h.endpoints,
          pid: h.pid,
          dir: h.dir,
          port: h.port,
          transportPort: h.transportPort,
          logFile: h.logFile,
        };
        await writeState(dirs.stateDir, { ...(await readState(dirs.stateDir)), search: record });
        result.search = { ...record, started: true };
      } else {
        const h = await startKafka({ dir: serviceDir, cacheDir: dirs.cacheDir });
        const record: KafkaRecord = {
          brokers: h.brokers,
          pid: h.pid,
          dir: h.dir,
          port: h.port,
          controllerPort: h.controllerPort,
          logFile: h.logFile,
        };
        await writeState(dirs.stateDir, { ...(await readState(dirs.stateDir)), kafka: record });
        result.kafka = { ...record, started: true };
      }
      const pid = result[name]?.pid;
      log(
        `${name} started at ${endpointsOf(result[name]!).join(',')} (pid ${pid}) in ${Date.now() - started} ms`,
      );
    }
    return result;
  });
}

/** Stops the recorded processes and forgets them; their folders stay for post-mortem reading. */
export function down(names: readonly ServiceName[], dirs: ServicesDirs = defaultDirs()): Promise<void> {
  return withStateLock(dirs, async () => {
    for (const name of names) {
      const state = await readState(dirs.stateDir);
      const existing = state[name];
      if (existing === undefined) {
        log(`${name} is not recorded as up`);
        continue;
      }
      if (ownsProcess(name, existing.pid)) {
        await stopService(name, existing.pid);
        log(`${name} stopped (pid ${existing.pid})`);
      } else {
        log(`${name} pid ${existing.pid} was already gone`);
      }
      const next = { ...(await readState(dirs.stateDir)) };
      delete next[name];
      await writeState(dirs.stateDir, next);
    }
  });
}

export async function status(dirs: ServicesDirs = defaultDirs()): Promise<ServiceStatus[]> {
  const state = await readState(dirs.stateDir);
  const out: ServiceStatus[] = [];
  for (const name of SERVICE_NAMES) {
    const record = state[name];
    if (record === undefined) {
      out.push({ name, recorded: false, endpoints: [], pid: undefined, alive: false, healthy: false });
      continue;
    }
    const endpoints = endpointsOf(record);
    const alive = ownsProcess(name, record.pid);
    out.push({
      name,
      recorded: true,
      endpoints,
      pid: record.pid,
      alive,
      healthy: alive && (await healthy(name, endpoints)),
    });
  }
  return out;
}

/** Shell lines exporting the endpoints of what is recorded, for `eval "$(deploy/dev/services env)"`. */
export function envLines(state: {
  etcd?: { endpoints: string[] };
  kafka?: { brokers: string[] };
  postgres?: { url: string };
  search?: { endpoints: string[] };
}): string[] {
  const lines: string[] = [];
  if (state.etcd) lines.push(`export DROVER_ETCD_ENDPOINTS=${state.etcd.endpoints.join(',')}`);
  if (state.kafka) lines.push(`export DROVER_KAFKA_BROKERS=${state.kafka.brokers.join(',')}`);
  if (state.postgres) lines.push(`export DROVER_POSTGRES_URL=${state.postgres.url}`);
  if (state.search) lines.push(`export DROVER_SEARCH_NODES=${state.search.endpoints.join(',')}`);
  return lines;
}
