/** The controller's settings: flags win over environment variables, over the platform file. */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { type PlatformConfig, SQL_IDENTIFIER, SQL_IDENTIFIER_HINT } from '@drover/channel-model';
import {
  ConfigError,
  parseHostPort,
  parseKafkaCluster,
  parsePositiveInt,
  parseSearchCluster,
  readSecretFile,
} from '@drover/platform';
import { etcdSettings } from '@drover/platform/etcd';
import type { SearchClusterSettings } from './index-templates.js';

export interface ControllerFlags {
  readonly etcd?: string;
  readonly prefix?: string;
  readonly listen?: string;
  readonly kafkaCluster?: readonly string[];
  readonly searchCluster?: readonly string[];
  readonly electionTtl?: string;
  readonly tokenFile?: string;
  readonly id?: string;
  readonly logStoreUrl?: string;
  readonly logStorePasswordFile?: string;
  readonly logStoreTable?: string;
}

/** The PostgreSQL log store the console searches (platform file `log_store`). */
export interface LogStoreConfig {
  readonly url: string;
  readonly password: string | undefined;
  readonly schema: string;
  readonly table: string;
}

export interface ControllerConfig {
  readonly id: string;
  readonly etcd: PlatformConfig['etcd'];
  readonly listen: { readonly host: string; readonly port: number };
  readonly kafkaClusters: Readonly<Record<string, readonly string[]>>;
  /** Search clusters by name, their password and CA read from their files. */
  readonly searchClusters: Readonly<Record<string, SearchClusterSettings>>;
  readonly electionTtlSeconds: number;
  /** Bearer token mutations need; undefined = no token configured. */
  readonly token: string | undefined;
  /** Undefined: no log store, the console's search says so. */
  readonly logStore: LogStoreConfig | undefined;
}

async function resolveLogStore(
  file: PlatformConfig,
  flags: ControllerFlags,
): Promise<LogStoreConfig | undefined> {
  const url = flags.logStoreUrl ?? file.log_store?.url;
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
    throw new ConfigError('--log-store-url', `--log-store-url: expected a postgres:// URL, got "${url}"`);
  }
  let schema = file.log_store?.schema ?? 'public';
  let table = file.log_store?.table ?? 'logs';
  if (flags.logStoreTable !== undefined) {
    const parts = flags.logStoreTable.split('.');
    if (parts.length > 2 || parts.some((p) => !SQL_IDENTIFIER.test(p))) {
      throw new ConfigError(
        '--log-store-table',
        `--log-store-table: expected [schema.]table (${SQL_IDENTIFIER_HINT}), got "${flags.logStoreTable}"`,
      );
    }
    table = parts.at(-1) as string;
    if (parts.length === 2) schema = parts[0] as string;
  }
  const passwordFile = flags.logStorePasswordFile ?? file.log_store?.password_file;
  return {
    url,
    password:
      passwordFile === undefined ? undefined : await readSecretFile(passwordFile, 'log store password'),
    schema,
    table,
  };
}

export async function resolveControllerConfig(
  file: PlatformConfig,
  flags: ControllerFlags,
): Promise<ControllerConfig> {
  const listen = parseHostPort(flags.listen ?? file.api.listen, '--listen');
  const kafkaClusters: Record<string, string[]> = {};
  for (const [name, c] of Object.entries(file.kafka.clusters)) kafkaClusters[name] = [...c.brokers];
  for (const value of flags.kafkaCluster ?? []) {
    const { name, brokers } = parseKafkaCluster(value, '--kafka-cluster');
    kafkaClusters[name] = brokers;
  }
  const searchClusters = await resolveSearchClusters(file.search.clusters, flags.searchCluster ?? []);
  const tokenFile = flags.tokenFile ?? file.api.token_file;
  const id = flags.id ?? `${hostname().split('.')[0]}:${listen.port}`;
  if (id.trim() === '') throw new ConfigError('--id', '--id: must not be empty');
  return {
    id,
    etcd: etcdSettings(file.etcd, flags),
    listen,
    kafkaClusters,
    searchClusters,
    electionTtlSeconds:
      flags.electionTtl === undefined
        ? file.controller.election_ttl
        : parsePositiveInt(flags.electionTtl, '--election-ttl'),
    token: tokenFile === undefined ? undefined : await readSecretFile(tokenFile, 'API token'),
    logStore: await resolveLogStore(file, flags),
  };
}

/**
 * The platform file's search clusters with `--search-cluster NAME=URL[,URL]` applied: a flag
 * gives a cluster's nodes (a new cluster, or other nodes for one of the file, whose auth and CA
 * stay). Passwords and CA certificates are read from their files now: a missing one stops the
 * controller at start, not at its first reconcile.
 */
async function resolveSearchClusters(
  file: PlatformConfig['search']['clusters'],
  flags: readonly string[],
): Promise<Record<string, SearchClusterSettings>> {
  const declared: Record<string, PlatformConfig['search']['clusters'][string]> = { ...file };
  for (const value of flags) {
    const { name, nodes } = parseSearchCluster(value, '--search-cluster');
    declared[name] = { ...declared[name], nodes };
  }
  const out: Record<string, SearchClusterSettings> = {};
  for (const [name, c] of Object.entries(declared)) {
    const auth =
      c.auth === undefined
        ? undefined
        : {
            username: c.auth.username,
            password: await readSecretFile(c.auth.password_file, `search cluster ${name} password`),
          };
    let ca: Buffer | undefined;
    if (c.tls !== undefined) {
      try {
        ca = await readFile(c.tls.ca);
      } catch (err) {
        throw new ConfigError(
          c.tls.ca,
          `cannot read the CA certificate of search cluster ${name}, ${c.tls.ca}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    out[name] = {
      nodes: [...c.nodes],
      ...(auth === undefined ? {} : { auth }),
      ...(ca === undefined ? {} : { tls: { ca } }),
    };
  }
  return out;
}
