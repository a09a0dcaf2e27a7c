/**
 * Real etcd, Kafka, PostgreSQL and OpenSearch for tests and benchmarks: endpoints from
 * DROVER_ETCD_ENDPOINTS / DROVER_KAFKA_BROKERS / DROVER_POSTGRES_URL / DROVER_SEARCH_NODES when set,
 * else started with `deploy/dev/services up`. No vitest here, so
 * benchmarks (run with tsx) can use it too.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export type ServiceName = 'etcd' | 'kafka' | 'postgres' | 'search';

export interface DroverServices {
  etcd?: { endpoints: string[] };
  kafka?: { brokers: string[] };
  /** `postgres://drover@127.0.0.1:PORT/drover` */
  postgres?: { url: string };
  /** OpenSearch node URLs (`http://127.0.0.1:PORT`). */
  search?: { nodes: string[] };
}

/** The environment variable that provides each service instead of starting it. */
export const SERVICE_ENV: Record<ServiceName, string> = {
  etcd: 'DROVER_ETCD_ENDPOINTS',
  kafka: 'DROVER_KAFKA_BROKERS',
  postgres: 'DROVER_POSTGRES_URL',
  search: 'DROVER_SEARCH_NODES',
};

const execFileAsync = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const servicesCli = join(repoRoot, 'deploy', 'dev', 'services');

interface UpOutput {
  etcd?: { endpoints: string[]; started: boolean };
  kafka?: { brokers: string[]; started: boolean };
  postgres?: { url: string; started: boolean };
  search?: { endpoints: string[]; started: boolean };
}

function fromEnv(name: ServiceName, env: NodeJS.ProcessEnv): string[] | undefined {
  const value = env[SERVICE_ENV[name]];
  const list = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length > 0 ? list : undefined;
}

async function runCli(args: string[]): Promise<string> {
  try {
    // First runs resolve Kafka jars from Maven: let the CLI's progress reach the terminal.
    const child = execFileAsync(servicesCli, args, { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    child.child.stderr?.pipe(process.stderr);
    return (await child).stdout;
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`deploy/dev/services ${args.join(' ')} failed:\n${stderr}${stdout}`, { cause: err });
  }
}

/**
 * Endpoints of the services `needs` names: from the environment when set, else started with
 * `deploy/dev/services up`. `release()` deletes the Kafka topics this process created
 * (createTopics; a failure is printed, not thrown: the results stand) and stops only what this
 * call started (unless DROVER_DEV_KEEP=1). Used by the vitest globalSetup below and by benchmarks.
 */
export async function acquireServices(
  needs: readonly ServiceName[],
): Promise<{ services: DroverServices; release(): Promise<void> }> {
  const provided: DroverServices = {};
  const missing: ServiceName[] = [];
  for (const name of needs) {
    const list = fromEnv(name, process.env);
    if (list === undefined) missing.push(name);
    else if (name === 'etcd') provided.etcd = { endpoints: list };
    else if (name === 'postgres') provided.postgres = { url: list[0] as string };
    else if (name === 'search') provided.search = { nodes: list };
    else provided.kafka = { brokers: list };
  }

  const started: ServiceName[] = [];
  if (missing.length > 0) {
    const result = JSON.parse(await runCli(['up', ...missing, '--json'])) as UpOutput;
    if (missing.includes('etcd') && result.etcd) {
      provided.etcd = { endpoints: result.etcd.endpoints };
      if (result.etcd.started) started.push('etcd');
    }
    if (missing.includes('kafka') && result.kafka) {
      provided.kafka = { brokers: result.kafka.brokers };
      if (result.kafka.started) started.push('kafka');
    }
    if (missing.includes('postgres') && result.postgres) {
      provided.postgres = { url: result.postgres.url };
      if (result.postgres.started) started.push('postgres');
    }
    if (missing.includes('search') && result.search) {
      provided.search = { nodes: result.search.endpoints };
      if (result.search.started) started.push('search');
    }
  }
  return {
    services: provided,
    release: async () => {
      if (provided.kafka !== undefined) {
        // What this process created on the broker (benchmarks write gigabytes) goes first.
        // Imported here: acquire.ts is also the globalSetup of libraries that never load Kafka.
        try {
          const { deleteCreatedTopics } = await import('./kafka.js');
          await deleteCreatedTopics(provided.kafka.brokers);
        } catch (err) {
          process.stderr.write(`acquireServices: ${(err as Error).message}\n`);
        }
      }
      if (started.length === 0 || process.env.DROVER_DEV_KEEP === '1') return;
      await runCli(['down', ...started]);
    },
  };
}

/**
 * The pid of the dev service `name` (`deploy/dev/services status`) when it serves `endpoint` and
 * is alive; undefined for a service given from the environment or not started by us. Benchmarks
 * use it to count the broker's CPU next to a receiver's.
 */
export async function devServicePid(name: ServiceName, endpoint: string): Promise<number | undefined> {
  const status = JSON.parse(await runCli(['status', '--json'])) as {
    name: string;
    endpoints: string[];
    pid?: number;
    alive: boolean;
  }[];
  const s = status.find((x) => x.name === name);
  return s?.alive === true && s.endpoints.includes(endpoint) ? s.pid : undefined;
}
