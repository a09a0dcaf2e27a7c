/** The controller's settings: flags win over environment variables, over the platform file. */
import { hostname } from 'node:os';
import type { PlatformConfig } from '@drover/channel-model';
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
  };
}
