/**
 * The platform file (`deploy/drover.yaml`, selected by `--config` or DROVER_CONFIG). Every section
 * is optional; the defaults are those of a single-host development setup. Flags and environment
 * variables override it (the apps merge them).
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { duration, identifier, memory, positiveInt, sqlIdentifier } from './fields.js';
import type { ParseResult } from './issues.js';
import { COMMAND, COMMAND_HINT } from './names.js';
import { validateYaml } from './validate.js';

/** Audit entries are kept a year by default, as Punch keeps its operator command history. */
export const DEFAULT_AUDIT_RETENTION_MS = 365 * 24 * 3_600_000;
/** About 40 MB of etcd at most (entries are a few hundred bytes). */
export const DEFAULT_AUDIT_MAX_ENTRIES = 100_000;

const hostPort = z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected HOST:PORT');
const url = z.string().regex(/^https?:\/\/[^\s/]+(\/.*)?$/, 'expected an http:// or https:// URL');

/** SASL mechanisms a Kafka cluster may ask for, spelled as Kafka's `sasl.mechanism` spells them. */
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

const filePath = z.string().min(1, 'a file path');

/**
 * One Kafka cluster (`kafka.clusters.<name>`): where its brokers are and how to talk to them, the
 * one definition of a cluster's connection settings that the controller (topics), `kafka_output`
 * and `kafka_input` all use. Relative file paths are relative to the platform file's directory.
 *
 * - `tls`: connect with TLS (Kafka's `security.protocol` SSL, or SASL_SSL with `sasl`). `ca`: PEM
 *   CA certificates that verify the brokers (default: Node's bundled public CAs); `cert` and `key`:
 *   a PEM client certificate and its unencrypted key, for listeners with `ssl.client.auth=required`;
 *   `server_name`: the name the brokers' certificates are verified against (and sent as SNI),
 *   when it is not the host of the broker addresses. `tls: {}` is TLS with the public CAs.
 * - `sasl`: authenticate (SASL_SSL with `tls`, SASL_PLAINTEXT without): `mechanism`, `username`,
 *   and `password_file`, a file holding the password (trimmed; never the password itself).
 */
export const kafkaClusterSchema = z.strictObject({
  brokers: z.array(hostPort).min(1),
  tls: z
    .strictObject({
      ca: filePath.optional(),
      cert: filePath.optional(),
      key: filePath.optional(),
      server_name: z
        .string()
        .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'a DNS name, as the certificates carry it')
        .optional(),
    })
    .refine((t) => (t.cert === undefined) === (t.key === undefined), {
      message: 'give cert and key together (a client certificate and its private key)',
    })
    .optional(),
  sasl: z
    .strictObject({
      mechanism: z.enum(KAFKA_SASL_MECHANISMS),
      username: z.string().min(1),
      password_file: filePath,
      /** Refused with a pointer to password_file: a secret never sits in the platform file. */
      password: z
        .never({ error: 'the password is read from a file: put it in one and give password_file' })
        .optional(),
    })
    .optional(),
});
export type KafkaClusterSettings = z.output<typeof kafkaClusterSchema>;

export const platformConfigSchema = z.strictObject({
  etcd: z
    .strictObject({
      endpoints: z.array(url).min(1, 'at least one etcd endpoint').default(['http://127.0.0.1:2379']),
      prefix: z
        .string()
        .regex(/^\/[^\s]*$/, 'the key prefix starts with "/"')
        .default('/drover'),
      tls: z
        .strictObject({ ca: z.string(), cert: z.string().optional(), key: z.string().optional() })
        .optional(),
      auth: z.strictObject({ username: z.string().min(1), password_file: z.string().min(1) }).optional(),
    })
    .prefault({}),
  kafka: z
    .strictObject({
      clusters: z.record(identifier, kafkaClusterSchema).default({}),
    })
    .prefault({}),
  /**
   * Search clusters (Elasticsearch, OpenSearch) by name, for `elasticsearch_index_template`
   * resources: node URLs, and optionally basic auth (the password in a file) and the CA that
   * signed `https` nodes' certificates.
   */
  search: z
    .strictObject({
      clusters: z
        .record(
          identifier,
          z.strictObject({
            nodes: z.array(url).min(1, 'at least one search node'),
            auth: z
              .strictObject({ username: z.string().min(1), password_file: z.string().min(1) })
              .optional(),
            tls: z.strictObject({ ca: z.string().min(1) }).optional(),
          }),
        )
        .default({}),
    })
    .prefault({}),
  api: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:7070'),
      /** Who may use the API, with their roles (api-tokens.ts); none: the API is open. */
      token_file: z.string().min(1).optional(),
      /** Serve the API over HTTPS with this certificate (chain) and key, PEM files. */
      tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
    })
    .prefault({}),
  /** The audit log of API mutations, kept in etcd (`audit/` under the prefix). */
  audit: z
    .strictObject({
      /** Entries older than this are purged by the leader (default 365d, as Punch keeps a year). */
      retention: duration
        .refine((ms) => ms >= 1000, 'the retention is at least 1s')
        .default(DEFAULT_AUDIT_RETENTION_MS),
      /** At most this many entries are kept: the oldest go first past it (etcd's space is finite). */
      max_entries: positiveInt('max_entries').default(DEFAULT_AUDIT_MAX_ENTRIES),
    })
    .prefault({}),
  controller: z
    .strictObject({
      election_ttl: positiveInt('election_ttl').default(3),
    })
    .prefault({}),
  /**
   * The PostgreSQL log store the console searches: the table postgresql_output writes (its
   * `schema` and `table` defaults are the same). The password comes from `password_file`, else
   * the URL, else PGPASSWORD.
   */
  log_store: z
    .strictObject({
      url: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// URL'),
      password_file: z.string().min(1).optional(),
      schema: sqlIdentifier.default('public'),
      table: sqlIdentifier.default('logs'),
    })
    .optional(),
  runner: z
    .strictObject({
      name: identifier.optional(),
      cluster: identifier.default('common'),
      tags: z.array(identifier).default([]),
      workdir: z.string().min(1).default('/var/lib/drover/instances'),
      listen: hostPort.default('127.0.0.1:7071'),
      lease_ttl: positiveInt('lease_ttl').default(5),
      default_memory_limit: memory.default(512 * 1024 * 1024),
      allowed_commands: z
        .array(z.string().regex(COMMAND, `a command ${COMMAND_HINT}`))
        .default(['punchlinectl']),
      capacity: z.strictObject({ memory: memory.optional() }).optional(),
    })
    .prefault({}),
});

export type PlatformConfig = z.output<typeof platformConfigSchema>;

export function parsePlatformConfig(
  text: string,
  options: { readonly file: string },
): ParseResult<PlatformConfig> {
  return validateYaml(text, options.file, platformConfigSchema);
}

/**
 * The configuration with every relative file path made absolute against `baseDir`, the platform
 * file's directory, so a path means the same whatever directory a daemon was started from
 * (systemd starts them in `/`): `etcd.tls` and `etcd.auth.password_file`, every Kafka cluster's
 * `tls` and `sasl.password_file`, every search cluster's `auth.password_file` and `tls.ca`,
 * `api.token_file` and `api.tls`, `log_store.password_file`. `runner.workdir` is a directory the
 * runner creates, not a file it reads: it is left as written. Paths given by flags are the
 * shell's, relative to the working directory, and are not touched here.
 */
export function resolvePlatformPaths(config: PlatformConfig, baseDir: string): PlatformConfig {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const opt = (p: string | undefined) => (p === undefined ? undefined : at(p));
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const { etcd, kafka, search, api, log_store } = config;
  return {
    ...config,
    etcd: {
      ...etcd,
      ...(etcd.tls === undefined
        ? {}
        : { tls: defined({ ca: at(etcd.tls.ca), cert: opt(etcd.tls.cert), key: opt(etcd.tls.key) }) }),
      ...(etcd.auth === undefined
        ? {}
        : { auth: { ...etcd.auth, password_file: at(etcd.auth.password_file) } }),
    },
    kafka: {
      clusters: Object.fromEntries(
        Object.entries(kafka.clusters).map(([name, c]) => [
          name,
          {
            ...c,
            ...(c.tls === undefined
              ? {}
              : {
                  tls: defined({ ...c.tls, ca: opt(c.tls.ca), cert: opt(c.tls.cert), key: opt(c.tls.key) }),
                }),
            ...(c.sasl === undefined ? {} : { sasl: { ...c.sasl, password_file: at(c.sasl.password_file) } }),
          },
        ]),
      ),
    },
    search: {
      clusters: Object.fromEntries(
        Object.entries(search.clusters).map(([name, c]) => [
          name,
          {
            ...c,
            ...(c.auth === undefined ? {} : { auth: { ...c.auth, password_file: at(c.auth.password_file) } }),
            ...(c.tls === undefined ? {} : { tls: { ca: at(c.tls.ca) } }),
          },
        ]),
      ),
    },
    api: defined({
      ...api,
      token_file: opt(api.token_file),
      tls: api.tls === undefined ? undefined : { cert: at(api.tls.cert), key: at(api.tls.key) },
    }),
    ...(log_store === undefined
      ? {}
      : { log_store: defined({ ...log_store, password_file: opt(log_store.password_file) }) }),
  };
}

/** The configuration with every default, as if the file were empty. */
export const defaultPlatformConfig: PlatformConfig = platformConfigSchema.parse({});
