/**
 * The platform file (`deploy/drover.yaml`, selected by `--config` or DROVER_CONFIG). Every section
 * is optional; the defaults are those of a single-host development setup. Flags and environment
 * variables override it (the apps merge them).
 */
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
      clusters: z.record(identifier, z.strictObject({ brokers: z.array(hostPort).min(1) })).default({}),
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

/** The configuration with every default, as if the file were empty. */
export const defaultPlatformConfig: PlatformConfig = platformConfigSchema.parse({});
