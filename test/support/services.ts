/**
 * Vitest globalSetup for tests that need real etcd and/or Kafka.
 *
 *   // <pkg>/test/global-setup.ts
 *   import { servicesSetup } from '../../../test/support/services.js';
 *   export default servicesSetup(['etcd']);
 *
 * Endpoints come from DROVER_ETCD_ENDPOINTS / DROVER_KAFKA_BROKERS when set (nothing is started);
 * otherwise `deploy/dev/services up` starts what is missing. Teardown stops only what this setup
 * started, unless DROVER_DEV_KEEP=1. Tests read the endpoints with `droverServices('etcd')`.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';

export type ServiceName = 'etcd' | 'kafka';

export interface DroverServices {
  etcd?: { endpoints: string[] };
  kafka?: { brokers: string[] };
}

declare module 'vitest' {
  export interface ProvidedContext {
    droverServices: DroverServices;
  }
}

const execFileAsync = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const servicesCli = join(repoRoot, 'deploy', 'dev', 'services');

interface UpOutput {
  etcd?: { endpoints: string[]; started: boolean };
  kafka?: { brokers: string[]; started: boolean };
}

function fromEnv(name: ServiceName, env: NodeJS.ProcessEnv): string[] | undefined {
  const value = name === 'etcd' ? env.DROVER_ETCD_ENDPOINTS : env.DROVER_KAFKA_BROKERS;
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

export function servicesSetup(
  needs: readonly ServiceName[],
): (project: TestProject) => Promise<() => Promise<void>> {
  return async (project) => {
    const provided: DroverServices = {};
    const missing: ServiceName[] = [];
    for (const name of needs) {
      const list = fromEnv(name, process.env);
      if (list === undefined) missing.push(name);
      else if (name === 'etcd') provided.etcd = { endpoints: list };
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
    }
    project.provide('droverServices', provided);

    return async () => {
      if (started.length === 0 || process.env.DROVER_DEV_KEEP === '1') return;
      await runCli(['down', ...started]);
    };
  };
}

type Needed<K extends ServiceName> = DroverServices & Required<Pick<DroverServices, K>>;

/** The services the globalSetup provided; throws naming the setup to add when one is missing. */
export function droverServices<K extends ServiceName = never>(...needs: K[]): Needed<K> {
  const services = inject('droverServices') as DroverServices | undefined;
  for (const name of needs) {
    if (services?.[name] === undefined) {
      throw new Error(
        `test needs ${name} but no globalSetup provided it: add globalSetup with ` +
          `servicesSetup(['${name}']) from test/support/services.ts, or set ` +
          `${name === 'etcd' ? 'DROVER_ETCD_ENDPOINTS' : 'DROVER_KAFKA_BROKERS'}`,
      );
    }
  }
  return services as Needed<K>;
}
