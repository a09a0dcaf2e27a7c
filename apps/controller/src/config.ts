/** The controller's settings: flags win over environment variables, over the platform file. */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';
import {
  type ApiToken,
  type PlatformConfig,
  parseDuration,
  SQL_IDENTIFIER,
  SQL_IDENTIFIER_HINT,
} from '@drover/channel-model';
import type { KafkaConnection } from '@drover/kafka-resources';
import {
  ConfigError,
  kafkaConnections,
  parseHostPort,
  parsePositiveInt,
  parseSearchCluster,
  readApiTokenFile,
  readSecretFile,
} from '@drover/platform';
import { etcdSettings } from '@drover/platform/etcd';
import type { SearchClusterSettings } from './index-templates.js';

export interface ControllerFlags {
  /** The platform file (relative paths in its Kafka settings are taken from its directory). */
  readonly config?: string;
  readonly etcd?: string;
  readonly prefix?: string;
  readonly listen?: string;
  readonly kafkaCluster?: readonly string[];
  readonly searchCluster?: readonly string[];
  readonly electionTtl?: string;
  readonly tokenFile?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly auditRetention?: string;
  readonly auditMaxEntries?: string;
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

/** The API's HTTPS certificate (chain) and key, PEM, with the files they came from. */
export interface ApiTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ControllerConfig {
  readonly id: string;
  readonly etcd: PlatformConfig['etcd'];
  readonly listen: { readonly host: string; readonly port: number };
  /** By name: brokers, TLS and SASL (files read), for the topic admin. */
  readonly kafkaClusters: Readonly<Record<string, KafkaConnection>>;
  /** Search clusters by name, their password and CA read from their files. */
  readonly searchClusters: Readonly<Record<string, SearchClusterSettings>>;
  readonly electionTtlSeconds: number;
  /** The token file's tokens and roles; undefined: no token file, an open API. */
  readonly tokens: readonly ApiToken[] | undefined;
  /** Where they came from, and whether it is the single-token format of before (one admin token). */
  readonly tokenFile: { readonly path: string; readonly legacy: boolean } | undefined;
  /** HTTPS for the API; undefined: plain HTTP. */
  readonly tls: ApiTls | undefined;
  readonly audit: { readonly retentionMs: number; readonly maxEntries: number };
  /** Undefined: no log store, the console's search says so. */
  readonly logStore: LogStoreConfig | undefined;
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new ConfigError(file, `cannot read the API's TLS ${what} ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** `--tls-cert` and `--tls-key` (or api.tls), both or neither; checked to be a pair now, not at the first client. */
async function resolveTls(file: PlatformConfig, flags: ControllerFlags): Promise<ApiTls | undefined> {
  const certFile = flags.tlsCert ?? file.api.tls?.cert;
  const keyFile = flags.tlsKey ?? file.api.tls?.key;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? '--tls-cert (api.tls.cert)' : '--tls-key (api.tls.key)';
    throw new ConfigError(
      missing.split(' ')[0] ?? missing,
      `the API's TLS needs both a certificate and a key: ${missing} is missing`,
    );
  }
  const tls = {
    cert: await readPem(certFile, 'certificate'),
    key: await readPem(keyFile, 'key'),
    certFile,
    keyFile,
  };
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (err) {
    throw new ConfigError(
      certFile,
      `the API's TLS certificate ${certFile} and key ${keyFile} are not a usable pair: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return tls;
}

function resolveAudit(file: PlatformConfig, flags: ControllerFlags): ControllerConfig['audit'] {
  let retentionMs = file.audit.retention;
  if (flags.auditRetention !== undefined) {
    const parsed = parseDuration(flags.auditRetention);
    if ('error' in parsed || parsed.ms < 1000) {
      throw new ConfigError(
        '--audit-retention',
        `--audit-retention: ${'error' in parsed ? parsed.error : 'at least 1s'}`,
      );
    }
    retentionMs = parsed.ms;
  }
  const maxEntries =
    flags.auditMaxEntries === undefined
      ? file.audit.max_entries
      : parsePositiveInt(flags.auditMaxEntries, '--audit-max-entries');
  return { retentionMs, maxEntries };
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
  const kafkaClusters = await kafkaConnections(file, {
    ...(flags.kafkaCluster === undefined ? {} : { flags: flags.kafkaCluster }),
    ...(flags.config === undefined ? {} : { configFile: flags.config }),
  });
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
    ...(await resolveTokens(tokenFile)),
    tls: await resolveTls(file, flags),
    audit: resolveAudit(file, flags),
    logStore: await resolveLogStore(file, flags),
  };
}

async function resolveTokens(
  path: string | undefined,
): Promise<Pick<ControllerConfig, 'tokens' | 'tokenFile'>> {
  if (path === undefined) return { tokens: undefined, tokenFile: undefined };
  const file = await readApiTokenFile(path);
  return { tokens: file.tokens, tokenFile: { path, legacy: file.legacy } };
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
