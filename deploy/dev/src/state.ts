import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SERVICE_NAMES = ['etcd', 'kafka', 'postgres', 'search'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface EtcdRecord {
  endpoints: string[];
  pid: number;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  logFile: string;
}

export interface KafkaRecord {
  brokers: string[];
  pid: number;
  dir: string;
  port: number;
  controllerPort: number;
  logFile: string;
}

export interface PostgresRecord {
  /** `postgres://drover@127.0.0.1:PORT/drover` */
  url: string;
  pid: number;
  dir: string;
  port: number;
  logFile: string;
}

/** A single-node OpenSearch (search.ts). */
export interface SearchRecord {
  /** `http://127.0.0.1:<port>` */
  endpoints: string[];
  pid: number;
  dir: string;
  port: number;
  transportPort: number;
  logFile: string;
}

/** The shape of `<stateDir>/services.json`, read by the test harness and by `services env`. */
export interface ServicesState {
  etcd?: EtcdRecord;
  kafka?: KafkaRecord;
  postgres?: PostgresRecord;
  search?: SearchRecord;
}

export function stateFile(dir: string): string {
  return join(dir, 'services.json');
}

export async function readState(dir: string): Promise<ServicesState> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as ServicesState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

export async function writeState(dir: string, state: ServicesState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `${stateFile(dir)}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, stateFile(dir));
}

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}
