/** The controller's settings: flags win over environment variables, over the platform file. */
import { hostname } from 'node:os';
import { type PlatformConfig, SQL_IDENTIFIER, SQL_IDENTIFIER_HINT } from '@drover/channel-model';
import type { KafkaConnection } from '@drover/kafka-resources';
import {
  ConfigError,
  kafkaConnections,
  parseHostPort,
  parsePositiveInt,
  readSecretFile,
} from '@drover/platform';
import { etcdSettings } from '@drover/platform/etcd';

export interface ControllerFlags {
  /** The platform file (relative paths in its Kafka settings are taken from its directory). */
  readonly config?: string;
  readonly etcd?: string;
  readonly prefix?: string;
  readonly listen?: string;
  readonly kafkaCluster?: readonly string[];
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
  /** By name: brokers, TLS and SASL (files read), for the topic admin. */
  readonly kafkaClusters: Readonly<Record<string, KafkaConnection>>;
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
  const kafkaClusters = await kafkaConnections(file, {
    ...(flags.kafkaCluster === undefined ? {} : { flags: flags.kafkaCluster }),
    ...(flags.config === undefined ? {} : { configFile: flags.config }),
  });
  const tokenFile = flags.tokenFile ?? file.api.token_file;
  const id = flags.id ?? `${hostname().split('.')[0]}:${listen.port}`;
  if (id.trim() === '') throw new ConfigError('--id', '--id: must not be empty');
  return {
    id,
    etcd: etcdSettings(file.etcd, flags),
    listen,
    kafkaClusters,
    electionTtlSeconds:
      flags.electionTtl === undefined
        ? file.controller.election_ttl
        : parsePositiveInt(flags.electionTtl, '--election-ttl'),
    token: tokenFile === undefined ? undefined : await readSecretFile(tokenFile, 'API token'),
    logStore: await resolveLogStore(file, flags),
  };
}
