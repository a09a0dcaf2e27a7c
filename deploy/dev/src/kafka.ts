import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { PortInUseError, ServiceCallError, ServiceStartError } from './errors.js';
import { ensureKafkaJars } from './jars.js';
import {
  BROKER_JVM_OPTS,
  BROKER_LOG4J,
  type BrokerSecurity,
  type KafkaUser,
  parseClusterId,
  randomClusterId,
  renderServerProperties,
  SCRAM_MECHANISMS,
  type ScramMechanism,
  scramConfigValue,
  scramFormatArgs,
  TOOLS_LOG4J,
} from './kafka-config.js';
import { cacheDir as defaultCacheDir } from './paths.js';
import { assertPortFree, freePorts } from './ports.js';
import { ensureJava } from './prereq.js';
import { isAlive, spawnDetached, stopProcess, tailFile } from './process.js';

const execFileAsync = promisify(execFile);
// Controlled shutdown of a single KRaft node takes a few seconds; give it room before SIGKILL.
const STOP_GRACE_MS = 30_000;

export interface KafkaOptions {
  /** Holds server.properties, the log4j configs, `data/` (log.dirs) and the default log file. */
  dir: string;
  port?: number;
  controllerPort?: number;
  /** Defaults to `<dir>/kafka.log`. */
  logFile?: string;
  /** Jar cache; defaults to `<repo>/.drover-dev/cache` or DROVER_DEV_CACHE_DIR. */
  cacheDir?: string;
  startTimeoutMs?: number;
  /**
   * Adds an `SSL` listener (client certificates required) and a `SASL_SSL` listener (PLAIN,
   * SCRAM-SHA-256, SCRAM-SHA-512) beside the PLAINTEXT one. Takes effect when the storage is
   * formatted (a fresh `dir`): the SCRAM users are written into the metadata log by the broker's
   * own `kafka-storage format --add-scram`.
   */
  security?: KafkaSecurityOptions;
}

export interface KafkaSecurityOptions {
  /** PEM files: the broker's certificate (its SANs are what clients verify: 127.0.0.1 here) and private key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM: the CA that client certificates on the SSL listener must chain to. */
  readonly caFile: string;
  /** Users of the SASL_SSL listener, each with a PLAIN, a SCRAM-SHA-256 and a SCRAM-SHA-512 credential. */
  readonly users: readonly KafkaUser[];
  /** Clients on SASL_SSL must authenticate again this often (KIP-368); default: never. */
  readonly reauthMs?: number;
}

export interface KafkaHandle {
  /** The PLAINTEXT listener. */
  brokers: string[];
  /** With `security`: the SSL listener (client certificates required) and the SASL_SSL one. */
  secure?: { readonly sslBrokers: string[]; readonly saslSslBrokers: string[] };
  pid: number;
  dir: string;
  port: number;
  controllerPort: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface KafkaClusterInfo {
  clusterId: string;
  brokerIds: number[];
  topics: string[];
}

/**
 * One metadata round trip through kafkajs: describeCluster plus listTopics. Throws when the
 * broker does not answer within `timeoutMs`.
 */
export async function kafkaReady(brokers: string[], timeoutMs = 5_000): Promise<KafkaClusterInfo> {
  const kafka = new Kafka({
    clientId: 'drover-dev-services',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 3_000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  const cancel = new AbortController();
  const timeout = sleep(timeoutMs, undefined, { signal: cancel.signal }).then(() => {
    throw new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms`);
  });
  const work = (async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = await admin.listTopics();
    return { clusterId: cluster.clusterId, brokerIds: cluster.brokers.map((b) => b.nodeId), topics };
  })();
  // Whichever loses the race settles later with nobody listening.
  timeout.catch(() => undefined);
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    cancel.abort();
    await admin.disconnect().catch(() => undefined);
  }
}

export function kafkaHandleFor(record: {
  pid: number;
  dir: string;
  port: number;
  controllerPort: number;
  logFile: string;
}): KafkaHandle {
  return {
    ...record,
    brokers: [`127.0.0.1:${record.port}`],
    stop: () => stopProcess(record.pid, STOP_GRACE_MS),
  };
}

async function formatStorage(
  java: string,
  classpath: string,
  dir: string,
  dataDir: string,
  users: readonly KafkaUser[],
): Promise<string> {
  const meta = join(dataDir, 'meta.properties');
  if (existsSync(meta)) {
    const existing = parseClusterId(await readFile(meta, 'utf8'));
    if (existing !== undefined) return existing;
  }
  const clusterId = randomClusterId();
  try {
    await execFileAsync(java, [
      '-Xmx256m',
      `-Dlog4j.configuration=file:${join(dir, 'tools-log4j.properties')}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-t',
      clusterId,
      '-c',
      join(dir, 'server.properties'),
      ...scramFormatArgs(users),
    ]);
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new ServiceStartError(
      'kafka',
      'StorageTool format failed',
      '(StorageTool output)',
      `${stdout}${stderr}`,
    );
  }
  return parseClusterId(await readFile(meta, 'utf8')) ?? clusterId;
}

/** Starts a single-node KRaft Kafka on loopback and resolves once kafkajs gets metadata from it. */
export async function startKafka(options: KafkaOptions): Promise<KafkaHandle> {
  const java = await ensureJava();
  const { libsDir } = await ensureKafkaJars(options.cacheDir ?? defaultCacheDir());
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'data');
  const picked = await freePorts(5);
  const port = options.port ?? picked[0]!;
  const controllerPort = options.controllerPort ?? picked.find((p) => p !== port)!;
  await assertPortFree(port, 'kafka broker');
  await assertPortFree(controllerPort, 'kafka controller');

  await mkdir(dataDir, { recursive: true });
  let security: BrokerSecurity | undefined;
  if (options.security !== undefined) {
    const [sslPort, saslSslPort] = picked.filter((p) => p !== port && p !== controllerPort);
    // A PEM keystore is one file: the private key, then the certificate chain (KIP-651).
    const keystoreFile = join(dir, 'broker-keystore.pem');
    const [cert, key] = await Promise.all([
      readFile(options.security.certFile, 'utf8'),
      readFile(options.security.keyFile, 'utf8'),
    ]);
    await writeFile(keystoreFile, `${key.trim()}\n${cert.trim()}\n`, { mode: 0o600 });
    security = {
      sslPort: sslPort!,
      saslSslPort: saslSslPort!,
      keystoreFile,
      truststoreFile: resolve(options.security.caFile),
      users: options.security.users,
      ...(options.security.reauthMs === undefined ? {} : { reauthMs: options.security.reauthMs }),
    };
  }
  await writeFile(
    join(dir, 'server.properties'),
    renderServerProperties({
      dataDir,
      port,
      controllerPort,
      ...(security === undefined ? {} : { security }),
    }),
  );
  await writeFile(join(dir, 'log4j.properties'), BROKER_LOG4J);
  await writeFile(join(dir, 'tools-log4j.properties'), TOOLS_LOG4J);
  const classpath = `${libsDir}/*`;
  const clusterId = await formatStorage(java, classpath, dir, dataDir, options.security?.users ?? []);

  const logFile = resolve(options.logFile ?? join(dir, 'kafka.log'));
  const child = await spawnDetached(
    java,
    [
      ...BROKER_JVM_OPTS,
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      join(dir, 'server.properties'),
    ],
    logFile,
  );
  const pid = child.pid!;
  const handle: KafkaHandle = {
    ...kafkaHandleFor({ pid, dir, port, controllerPort, logFile }),
    ...(security === undefined
      ? {}
      : {
          secure: {
            sslBrokers: [`127.0.0.1:${security.sslPort}`],
            saslSslBrokers: [`127.0.0.1:${security.saslSslPort}`],
          },
        }),
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (!isAlive(pid)) {
      const tail = tailFile(logFile, 40);
      if (/Address already in use/i.test(tail)) {
        throw new PortInUseError(tail.includes(`:${controllerPort}`) ? controllerPort : port, 'kafka');
      }
      throw new ServiceStartError('kafka', `process ${pid} exited`, logFile, tail);
    }
    try {
      const info = await kafkaReady(handle.brokers, 3_000);
      // Someone else's broker on a recycled port would answer with another cluster id.
      if (info.clusterId === clusterId) return handle;
    } catch {
      // not ready yet
    }
    if (Date.now() >= deadline) {
      await stopProcess(pid, 5_000);
      throw new ServiceStartError(
        'kafka',
        'no metadata answer from the broker in time',
        logFile,
        tailFile(logFile, 40),
      );
    }
    await sleep(500);
  }
}

/**
 * Sets a user's SCRAM password on a running broker with the broker's own `kafka-configs --alter
 * --entity-type users` (through the PLAINTEXT listener), for each of `mechanisms` (default both;
 * one run per mechanism, a few seconds each): adds the user, or changes the password of an
 * existing one. Clients already authenticated keep their connections until they authenticate
 * again (KafkaSecurityOptions.reauthMs) or reconnect.
 */
export async function setKafkaScramUser(
  handle: Pick<KafkaHandle, 'brokers' | 'dir'>,
  user: KafkaUser,
  options: { mechanisms?: readonly ScramMechanism[]; cacheDir?: string } = {},
): Promise<void> {
  const java = await ensureJava();
  const { libsDir } = await ensureKafkaJars(options.cacheDir ?? defaultCacheDir());
  for (const mechanism of options.mechanisms ?? SCRAM_MECHANISMS) {
    const args = [
      '-Xmx256m',
      `-Dlog4j.configuration=file:${join(handle.dir, 'tools-log4j.properties')}`,
      '-cp',
      `${libsDir}/*`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      handle.brokers.join(','),
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      user.name,
      '--add-config',
      scramConfigValue(user, mechanism),
    ];
    try {
      await execFileAsync(java, args);
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new ServiceCallError(
        'kafka',
        `kafka-configs could not set the ${mechanism} credential of user "${user.name}":\n${stdout}${stderr}`,
      );
    }
  }
}
