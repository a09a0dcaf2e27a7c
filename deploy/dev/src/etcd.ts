import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
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
  /**
   * Client TLS: etcd serves https with this certificate, and with `clientCertAuth` accepts only
   * clients whose certificate `ca` signed (`--client-cert-auth`). The peer URL stays plain
   * (one member, loopback).
   */
  tls?: EtcdTls;
}

/** PEM files of etcd's client-facing TLS (see `EtcdOptions.tls`). */
export interface EtcdTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly clientCertAuth?: boolean;
}

/** What a client needs to reach a TLS etcd: the CA and, with client-cert auth, its own pair (PEM files). */
export interface EtcdClientTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
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

export function etcdArgs(dataDir: string, clientPort: number, peerPort: number, tls?: EtcdTls): string[] {
  const client = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const secure =
    tls === undefined
      ? []
      : [
          '--cert-file',
          tls.cert,
          '--key-file',
          tls.key,
          '--trusted-ca-file',
          tls.ca,
          ...(tls.clientCertAuth === true ? ['--client-cert-auth'] : []),
        ];
  return [
    ...secure,
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
export async function etcdHealthy(
  endpoint: string,
  timeoutMs = 1_000,
  tls?: EtcdClientTls,
): Promise<boolean> {
  try {
    const response = await etcdHttp(endpoint, 'GET', '/health', undefined, { timeoutMs, tls });
    if (response.status !== 200) return false;
    const body = response.body as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

/**
 * One request to etcd's HTTP API (its gRPC gateway: `/health`, `/v3/...`), over https with the
 * client's TLS files when given. Resolves with the status and the parsed JSON body.
 */
export function etcdHttp(
  endpoint: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  options: { timeoutMs?: number; tls?: EtcdClientTls | undefined; token?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const url = new URL(path, endpoint);
  const tls = options.tls;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolvePromise, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method,
        timeout: options.timeoutMs ?? 5_000,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token === undefined ? {} : { authorization: options.token }),
        },
        ...(tls === undefined
          ? {}
          : {
              ca: readFileSync(tls.ca),
              ...(tls.cert === undefined ? {} : { cert: readFileSync(tls.cert) }),
              ...(tls.key === undefined ? {} : { key: readFileSync(tls.key) }),
            }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolvePromise({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`${url.href}: no answer within ${options.timeoutMs ?? 5_000} ms`)),
    );
    request.on('error', reject);
    request.end(payload);
  });
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
  const child = await spawnDetached(etcd, etcdArgs(dataDir, clientPort, peerPort, options.tls), logFile);
  const pid = child.pid!;
  const base = etcdHandleFor({ pid, dataDir, clientPort, peerPort, logFile });
  const handle =
    options.tls === undefined ? base : { ...base, endpoints: [`https://127.0.0.1:${clientPort}`] };
  const endpoint = handle.endpoints[0]!;
  // etcd answers /health only to clients it accepts: with client-cert auth, ours is needed.
  const probe =
    options.tls === undefined
      ? undefined
      : { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await etcdHealthy(endpoint, 1_000, probe))) {
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
