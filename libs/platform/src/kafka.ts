/**
 * The Kafka clusters of a process: the platform file's `kafka.clusters` with the `--kafka-cluster`
 * flags over their brokers, TLS and SASL files read and checked, as the KafkaConnection that every
 * Kafka client of `@drover/kafka-resources` takes (the controller's topic admin, `kafka_output`,
 * `kafka_input`).
 *
 * - A relative file path is taken from the platform file's directory (as kubeconfig does): a
 *   pipeline child reads the same file from its own work directory.
 * - A flag for a cluster the file defines replaces its brokers and keeps its TLS and SASL; a flag
 *   for another name adds a plaintext cluster.
 * - Files are read once, at start: a certificate that is not PEM, a key that does not belong to
 *   its certificate, an empty or unreadable password file is a ConfigError naming the setting and
 *   the file (exit 2), not a failed handshake later. A rotated password or certificate takes a
 *   restart (`channelctl reload` for pipelines).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { KafkaClusterSettings, PlatformConfig } from '@drover/channel-model';
import type { KafkaConnection, KafkaSasl, KafkaTls } from '@drover/kafka-resources';
import { readSecretFile } from './config-file.js';
import { ConfigError } from './errors.js';
import { parseKafkaCluster } from './values.js';

export interface KafkaConnectionsOptions {
  /** `--kafka-cluster NAME=HOST:PORT[,HOST:PORT]` values, in order (a later one wins). */
  readonly flags?: readonly string[];
  /** The platform file the settings come from: relative paths are taken from its directory. */
  readonly configFile?: string;
}

type Pem = 'certificate' | 'private key';

async function readPem(setting: string, file: string, what: Pem): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(file, `cannot read ${setting} ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    if (what === 'certificate') new X509Certificate(bytes);
    else createPrivateKey(bytes);
  } catch (err) {
    throw new ConfigError(
      file,
      `${setting} ${file} is not a PEM ${what}` +
        (what === 'private key' ? ' (unencrypted PKCS#8 or PKCS#1)' : '') +
        `: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return bytes;
}

/** One cluster's settings with its files read (`at`: `kafka.clusters.<name>`, for messages). */
async function connectionOfCluster(
  name: string,
  settings: KafkaClusterSettings,
  baseDir: string,
): Promise<KafkaConnection> {
  const at = `kafka.clusters.${name}`;
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  let tls: KafkaTls | undefined;
  if (settings.tls !== undefined) {
    const t = settings.tls;
    const files = {
      ...(t.ca === undefined ? {} : { ca: path(t.ca) }),
      ...(t.cert === undefined ? {} : { cert: path(t.cert) }),
      ...(t.key === undefined ? {} : { key: path(t.key) }),
    };
    const ca = files.ca === undefined ? undefined : await readPem(`${at}.tls.ca`, files.ca, 'certificate');
    const cert =
      files.cert === undefined ? undefined : await readPem(`${at}.tls.cert`, files.cert, 'certificate');
    const key =
      files.key === undefined ? undefined : await readPem(`${at}.tls.key`, files.key, 'private key');
    if (
      cert !== undefined &&
      key !== undefined &&
      !new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))
    ) {
      throw new ConfigError(
        files.key ?? at,
        `${at}.tls.key ${files.key} is not the private key of ${at}.tls.cert ${files.cert}`,
      );
    }
    tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(t.server_name === undefined ? {} : { serverName: t.server_name }),
      files,
    };
  }
  let sasl: KafkaSasl | undefined;
  if (settings.sasl !== undefined) {
    const passwordFile = path(settings.sasl.password_file);
    sasl = {
      mechanism: settings.sasl.mechanism,
      username: settings.sasl.username,
      password: await readSecretFile(passwordFile, `${at}.sasl.password_file`),
      passwordFile,
    };
  }
  return {
    cluster: name,
    brokers: settings.brokers,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}

/** The clusters by name, ready for the Kafka clients; throws ConfigError (see the module's doc). */
export async function kafkaConnections(
  config: PlatformConfig,
  options: KafkaConnectionsOptions = {},
): Promise<Record<string, KafkaConnection>> {
  const baseDir = options.configFile === undefined ? process.cwd() : dirname(resolve(options.configFile));
  const out: Record<string, KafkaConnection> = {};
  for (const [name, settings] of Object.entries(config.kafka.clusters)) {
    out[name] = await connectionOfCluster(name, settings, baseDir);
  }
  for (const value of options.flags ?? []) {
    const { name, brokers } = parseKafkaCluster(value, '--kafka-cluster');
    out[name] = { ...(out[name] ?? { cluster: name }), brokers };
  }
  return out;
}
