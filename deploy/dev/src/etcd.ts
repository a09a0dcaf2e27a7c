import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PortInUseError, ServiceStartError } from './errors.js';
import { assertPortFree, freePorts } from './ports.js';
import { ensureEtcdInstalled } from './prereq.js';
import { isAlive, spawnDetached, stopProcess, tailFile } from './process.js';

export interface EtcdOptions {
  dataDir: string;
  clientPort?: number;
  /** Reuse the previous peer port on restart when known; a single member does not need it stable. */
  peerPort?: number;
  /** Defaults to `<dataDir>.log`, beside the data dir (etcd wants its data dir to itself). */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface EtcdHandle {
  endpoints: string[];
  pid: number;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  logFile: string;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;
const MEMBER_NAME = 'drover-dev';

export function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name',
    MEMBER_NAME,
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `${MEMBER_NAME}=${peer}`,
    '--initial-cluster-token',
    MEMBER_NAME,
    '--initial-cluster-state',
    'new',
    '--auto-compaction-retention',
    '0',
    '--logger',
    'zap',
    '--log-level',
    'warn',
    '--log-outputs',
    'stderr',
  ];
}

/** True when GET /health answers {"health":"true"} (etcd 3.4 only says so once it has a leader). */
export async function etcdHealthy(endpoint: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return false;
    const body = (await response.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

function stopper(pid: number): () => Promise<void> {
  return () => stopProcess(pid, STOP_GRACE_MS);
}

export function etcdHandleFor(record: {
  pid: number;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  logFile: string;
}): EtcdHandle {
  return { ...record, endpoints: [`http://127.0.0.1:${record.clientPort}`], stop: stopper(record.pid) };
}

/** Starts one etcd member on loopback and resolves once it reports healthy. */
export async function startEtcd(options: EtcdOptions): Promise<EtcdHandle> {
  const etcd = await ensureEtcdInstalled();
  const dataDir = resolve(options.dataDir);
  const [pickedClient, pickedPeer] = await freePorts(2);
  const clientPort = options.clientPort ?? pickedClient!;
  let peerPort = options.peerPort ?? pickedPeer!;
  if (peerPort === clientPort) peerPort = (await freePorts(2)).find((p) => p !== clientPort)!;
  await assertPortFree(clientPort, 'etcd client');
  await assertPortFree(peerPort, 'etcd peer');

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logFile = resolve(options.logFile ?? `${dataDir}.log`);
  const child = await spawnDetached(etcd, etcdArgs(dataDir, clientPort, peerPort), logFile);
  const pid = child.pid!;
  const handle = etcdHandleFor({ pid, dataDir, clientPort, peerPort, logFile });
  const endpoint = handle.endpoints[0]!;

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await etcdHealthy(endpoint))) {
    if (!isAlive(pid)) {
      const tail = tailFile(logFile, 40);
      if (/address already in use/.test(tail)) {
        throw new PortInUseError(tail.includes(`:${peerPort}`) ? peerPort : clientPort, 'etcd');
      }
      throw new ServiceStartError('etcd', `process ${pid} exited`, logFile, tail);
    }
    if (Date.now() >= deadline) {
      await stopProcess(pid, 2_000);
      throw new ServiceStartError(
        'etcd',
        `not healthy at ${endpoint}/health in time`,
        logFile,
        tailFile(logFile, 40),
      );
    }
    await sleep(100);
  }
  return handle;
}
