/**
 * The node types a pipeline may use, with their kind and settings schema: one strict schema per
 * node, with which the pipeline file is validated and the node typed. Only types that run are
 * listed, so a pipeline that validates can start.
 */
import { z } from 'zod';
import { duration, memory, sqlIdentifier } from './fields.js';

export type NodeKind = 'input' | 'processing' | 'output';

export interface NodeType {
  readonly kind: NodeKind;
  readonly settings: z.ZodType<Record<string, unknown>>;
  /**
   * `required`: the node must publish `_ppf_errors`, because it refuses some events for good (an
   * output whose store rejects a document) and those must neither be dropped nor retried forever.
   */
  readonly errorStream?: 'required';
}

/**
 * `spool` of an input: a durable spool on local disk (libs/spool). With it, what the input
 * receives is acknowledged to its sender once it is in the spool, and the pipeline is fed from
 * the spool, so a broker outage or a crash loses nothing that was acknowledged. `dir` is one
 * spool's own directory (one process at a time; relative paths are in the channel directory,
 * which a runner rewrites at each start: give an absolute path outside the runner's work
 * directory).
 */
export const spoolSettings = z.strictObject({
  dir: z.string().min(1),
  /** Bytes on disk at which the spool is full and the input stops reading. */
  max_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024 * 1024),
  /** `always`: acknowledge after fdatasync; `interval`: after the write, synced every fsync_interval_ms. */
  fsync: z.enum(['always', 'interval']).default('always'),
  fsync_interval_ms: z.number().int().positive().default(1000),
});
export type SpoolSettings = z.output<typeof spoolSettings>;

/** `lumberjack_input`: a Lumberjack v1/v2 receiver (libs/pipeline/src/nodes/lumberjack-input.ts). */
export const lumberjackInputSettings = z.strictObject({
  listen: z.strictObject({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535) }),
  /** Accepted for Punch compatibility: compression is whatever the sender chooses. */
  compression: z.boolean().optional(),
  ssl: z.boolean().default(false),
  ssl_private_key: z.string().optional(),
  ssl_certificate: z.string().optional(),
  ssl_trusted_certificate: z.string().optional(),
  ssl_client_auth: z.enum(['none', 'optional', 'required']).optional(),
  max_window_size: z.number().int().positive().default(10_000),
  max_frame_bytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  max_inflated_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  window_timeout_ms: z.number().int().positive().default(30_000),
  idle_timeout_ms: z.number().int().positive().default(60_000),
  keepalive_ms: z.number().int().positive().default(5000),
  max_pending_windows: z.number().int().positive().default(2),
  /** Past it, new connections are refused: memory is bounded by connections x pending windows. */
  max_connections: z.number().int().positive().default(512),
  /**
   * Events from Elastic Beats (Filebeat, Winlogbeat, ...: recognised by their `@metadata.beat`)
   * become three fields instead of their own keys, so nothing of them collides with the pipeline's
   * field names or is dropped by a `publish` list: `event_field` holds the whole event (an object),
   * `message_field` its `message` when that is a string (else the whole event as JSON text), and
   * `type_field` the Beat's name (`filebeat`, `winlogbeat`). `false`: Beats events are taken like
   * any other, their keys as fields.
   */
  beats: z
    .union([
      z.literal(false),
      z
        .strictObject({
          event_field: z.string().min(1).default('beat'),
          message_field: z.string().min(1).default('log'),
          type_field: z.string().min(1).default('log_format'),
        })
        .refine((m) => new Set([m.event_field, m.message_field, m.type_field]).size === 3, {
          message: 'event_field, message_field and type_field must be three different fields',
        }),
    ])
    .prefault({}),
  /** A durable spool: windows are acknowledged once in it, and the pipeline is fed from it. */
  spool: spoolSettings.optional(),
});
export type LumberjackInputSettings = z.output<typeof lumberjackInputSettings>;
export type BeatsMapping = Exclude<LumberjackInputSettings['beats'], false>;

/** TLS of a listener, as `lumberjack_input` has it. */
const listenerTls = {
  ssl_private_key: z.string().optional(),
  ssl_certificate: z.string().optional(),
  /** CA bundle for client certificates: with it, clients must present one it signed (unless ssl_client_auth says otherwise). */
  ssl_trusted_certificate: z.string().optional(),
  ssl_client_auth: z.enum(['none', 'optional', 'required']).optional(),
};

/**
 * One listener of `syslog_input`: `tcp` (RFC 6587, octet counting or LF per frame), `tls`
 * (RFC 5425, same framing detection), `udp` (RFC 5426) or `relp` (librelp/omrelp; over TLS with
 * `ssl: true`).
 */
export const syslogListenerSettings = z
  .strictObject({
    protocol: z.enum(['tcp', 'tls', 'udp', 'relp']),
    host: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535),
    /** RELP over TLS (a `tls` listener is TLS already). */
    ssl: z.boolean().default(false),
    ...listenerTls,
  })
  .refine(
    (l) =>
      !(l.protocol === 'tls' || (l.protocol === 'relp' && l.ssl)) ||
      (l.ssl_private_key !== undefined && l.ssl_certificate !== undefined),
    {
      message: 'a TLS listener needs ssl_private_key and ssl_certificate',
    },
  )
  .refine((l) => l.protocol === 'relp' || !l.ssl, {
    message: 'ssl applies to relp listeners (use protocol: tls for syslog over TLS)',
  })
  .refine(
    (l) => l.protocol !== 'udp' || (l.ssl_private_key === undefined && l.ssl_certificate === undefined),
    {
      message: 'a udp listener takes no TLS settings',
    },
  );
export type SyslogListenerSettings = z.output<typeof syslogListenerSettings>;

/**
 * `syslog_input`: a syslog server (libs/pipeline/src/nodes/syslog-input.ts) on one or more
 * listeners. Messages (RFC 5424, RFC 3164 and its variants, JSON lines) become events with the
 * fields `syslog_header` produces, plus `_ppf_remote_host/_port`, `_ppf_local_host/_port`,
 * `_ppf_transport` and, with mutual TLS, `_ppf_peer_subject`.
 */
export const syslogInputSettings = z.strictObject({
  listeners: z.array(syslogListenerSettings).min(1, 'at least one listener'),
  /** `auto`: a line that is a JSON object is JSON, anything else syslog; `syslog`; `json`. */
  format: z.enum(['auto', 'syslog', 'json']).default('auto'),
  /** The field that gets the message (the syslog MSG; a JSON line whole, unless it has this key). */
  field: z.string().min(1).default('log'),
  /** The object field that gets the parsed header (as syslog_header's `output`). */
  output: z.string().min(1).default('syslog'),
  /** Messages longer than this are truncated (counted and logged), as rsyslog's maxMessageSize. */
  max_message_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** An octet count above this is a malformed frame: the connection is closed. */
  max_frame_bytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** RELP DATA above this ends the session (librelp's default: 128 KiB). */
  relp_max_data_bytes: z
    .number()
    .int()
    .positive()
    .default(128 * 1024),
  /** RELP messages of one connection awaiting confirmation before it stops being read. */
  relp_max_unanswered: z.number().int().positive().default(1024),
  /** Per stream listener; past it new connections are refused. */
  max_connections: z.number().int().positive().default(512),
  /**
   * A connection with no byte for this long is closed (never one we stopped reading); 0: never.
   * Off by default: a plain TCP sender (rsyslog omfwd) learns that the server closed only when a
   * write fails, and the message it wrote into the closed connection is lost.
   */
  idle_timeout_ms: z.number().int().min(0).default(0),
  /** SO_RCVBUF of UDP listeners (default: the system's). */
  udp_recv_buffer_bytes: z.number().int().positive().optional(),
  spool: spoolSettings.optional(),
});
export type SyslogInputSettings = z.output<typeof syslogInputSettings>;

const hostPort = z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected HOST:PORT');

/** `kafka_output`: events to Kafka topics, confirmed when the broker acknowledged them. */
export const kafkaOutputSettings = z
  .strictObject({
    /** A Kafka cluster name of the platform configuration (e.g. kafka_front). */
    cluster: z.string().min(1).optional(),
    /** Brokers given here win over the cluster name. */
    brokers: z.array(hostPort).min(1).optional(),
    topic: z.string().min(1).optional(),
    topics: z
      .array(z.strictObject({ stream: z.string().min(1), topic: z.string().min(1) }))
      .min(1)
      .optional(),
    encoding: z.enum(['json', 'raw']).default('json'),
    /** With `encoding: raw`, the field whose value is the message. */
    raw_field: z.string().min(1).optional(),
    /** A field whose value keys the message (same key, same partition). */
    key_field: z.string().min(1).optional(),
    'producer.acks': z
      .union([z.enum(['0', '1', 'all', '-1']), z.literal(0), z.literal(1), z.literal(-1)])
      .default('all'),
    /** Events per batch (one produce request per topic): a batch is sent when it is full... */
    batch_size: z.number().int().positive().default(500),
    /** ...or this long after its first event (ms). */
    linger_ms: z.number().int().min(0).default(5),
    /** Record batch codec (README "Kafka producer settings" has measured rates and sizes). */
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
    /** Idempotent producer (KIP-98): a retried batch is never written twice. Needs producer.acks all. */
    idempotent: z.boolean().default(false),
  })
  .refine((s) => !s.idempotent || s['producer.acks'] === 'all' || String(s['producer.acks']) === '-1', {
    message: 'idempotent needs producer.acks all',
    path: ['idempotent'],
  })
  .refine((s) => (s.topic === undefined) !== (s.topics === undefined), {
    message: 'give either topic or topics (one per stream)',
  })
  .refine((s) => s.cluster !== undefined || s.brokers !== undefined, { message: 'give cluster or brokers' })
  .refine((s) => s.encoding !== 'raw' || s.raw_field !== undefined, {
    message: 'encoding raw needs raw_field',
  });
export type KafkaOutputSettings = z.output<typeof kafkaOutputSettings>;

/** `lumberjack_output`: windows of events to one or several receivers, load-balanced. */
export const lumberjackOutputSettings = z.strictObject({
  destinations: z
    .array(
      z.strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        ssl: z.boolean().default(false),
        ssl_trusted_certificate: z.string().optional(),
        ssl_certificate: z.string().optional(),
        ssl_private_key: z.string().optional(),
      }),
    )
    .min(1, 'at least one destination'),
  window_size: z.number().int().min(1).max(10_000).default(1024),
  linger_ms: z.number().int().min(0).default(50),
  compression_level: z.number().int().min(0).max(9).default(3),
  connect_timeout_ms: z.number().int().positive().default(5000),
  ack_timeout_ms: z.number().int().positive().default(30_000),
  retry_initial_ms: z.number().int().positive().default(500),
  retry_max_ms: z.number().int().positive().default(10_000),
});
export type LumberjackOutputSettings = z.output<typeof lumberjackOutputSettings>;

/** `kafka_input`: events from Kafka topics; offsets committed only up to what is confirmed. */
export const kafkaInputSettings = z
  .strictObject({
    cluster: z.string().min(1).optional(),
    brokers: z.array(hostPort).min(1).optional(),
    topic: z.string().min(1).optional(),
    topics: z.array(z.string().min(1)).min(1).optional(),
    /** Default `<tenant>.<channel>.<app>.<component>`. */
    group_id: z.string().min(1).optional(),
    /** Where a group without a committed offset starts (`last_committed` starts at the earliest). */
    start_offset_strategy: z.enum(['earliest', 'latest', 'last_committed']).default('last_committed'),
    encoding: z.enum(['json', 'raw']).default('json'),
    /** With `encoding: raw`, the field that receives the message. */
    raw_field: z.string().min(1).default('log'),
    commit_interval_ms: z.number().int().min(0).default(500),
  })
  .refine((s) => (s.topic === undefined) !== (s.topics === undefined), {
    message: 'give either topic or topics',
  })
  .refine((s) => s.cluster !== undefined || s.brokers !== undefined, { message: 'give cluster or brokers' });
export type KafkaInputSettings = z.output<typeof kafkaInputSettings>;

/** What the line inputs share: the field lines go to, constant fields, an optional pace. */
const lineSource = {
  /** The field that carries each line. */
  field: z.string().min(1).default('log'),
  /** Constant fields added to every event (e.g. `subsystem`). */
  fields: z.record(z.string().min(1), z.string()).default({}),
  /** Events per second; without it, as fast as flow control (`max.spout.pending`) allows. */
  rate: z.number().positive().optional(),
};

/**
 * `generator_input`: synthetic log lines, cycled from `messages`, for demos, load and the
 * collector side of a channel. In each message `%{seq}` is the event's sequence number,
 * `%{host}` the host name, `%{rfc3164}` / `%{iso8601}` the current time.
 */
export const generatorInputSettings = z.strictObject({
  ...lineSource,
  messages: z
    .array(z.string().min(1))
    .min(1)
    .default([
      '<86>%{rfc3164} %{host} sshd[4242]: Accepted publickey for deploy from 10.1.2.3 port 50022 ssh2 seq=%{seq}',
      '<190>%{rfc3164} %{host} httpd[2121]: 10.1.2.4 - - "GET /index.html HTTP/1.1" 200 5120 seq=%{seq}',
      '<30>%{rfc3164} %{host} systemd[1]: Started Session 42 of user deploy. seq=%{seq}',
      '<14>%{rfc3164} %{host} badge-reader[77]: door 3 opened seq=%{seq}',
    ]),
  /** How many events in all; without it, endless. */
  count: z.number().int().positive().optional(),
});
export type GeneratorInputSettings = z.output<typeof generatorInputSettings>;

/**
 * `file_input`: the lines of a text file (relative to the channel directory), once or followed
 * as it grows (`follow`, like `tail -F`: a truncated or replaced file is read again from its
 * start). The byte position up to which every line is confirmed by the outputs is kept in
 * `offset_file` (default `<component>.offset` in the instance work directory), so a restart
 * resumes after the last contiguously confirmed line.
 */
export const fileInputSettings = z.strictObject({
  ...lineSource,
  path: z.string().min(1),
  follow: z.boolean().default(false),
  offset_file: z.string().min(1).optional(),
  poll_interval_ms: z.number().int().positive().default(1000),
  /** Lines longer than this are cut (and counted); a line is never held in memory unbounded. */
  max_line_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
});
export type FileInputSettings = z.output<typeof fileInputSettings>;

/**
 * Worker threads for a processing node (libs/pipeline/src/threads): `workers` threads each run a
 * copy of the node; at-least-once tracking and `_ppf_errors` stay as on the pipeline's thread.
 * `ordered` (default) keeps events in the order they arrived; `timeout_ms` (with workers) restarts
 * a worker busy on one event for longer, and that event goes to `_ppf_errors`.
 */
const threads = {
  workers: z.number().int().min(0).max(64).default(0),
  ordered: z.boolean().default(true),
  timeout_ms: z.number().int().positive().optional(),
};

/** A node's own settings, without where it runs (its implementation never reads those). */
export type Unthreaded<T> = Omit<T, 'workers' | 'ordered' | 'timeout_ms'>;

/** A limit that could not be enforced is refused rather than ignored. */
function threaded<T extends z.ZodType<{ workers: number; timeout_ms?: number | undefined }>>(schema: T) {
  return schema.refine((s) => s.timeout_ms === undefined || s.workers > 0, {
    message: 'timeout_ms needs workers: a node on the pipeline thread cannot be interrupted',
    path: ['timeout_ms'],
  });
}

/** `format_switch`: which stream an event goes to, by the format of one field. */
export const formatSwitchSettings = threaded(
  z.strictObject({
    ...threads,
    field: z.string().min(1),
    /** stream -> format: `json` (a JSON object), `syslog` (a syslog line), `text` (anything else). */
    formats: z.record(z.string().min(1), z.enum(['json', 'syslog', 'text'])),
  }),
);
export type FormatSwitchSettings = Unthreaded<z.output<typeof formatSwitchSettings>>;

/** `syslog_header`: parses the syslog header of `field` into the object field `output`. */
export const syslogHeaderSettings = threaded(
  z.strictObject({
    ...threads,
    field: z.string().min(1),
    output: z.string().min(1),
    /**
     * A dotted path to the sender's own name for the host (`beat.host.name` for a Beats event), used
     * as `host` when the line carries none; `host_source` then says where it came from.
     */
    host_fallback: z.string().min(1).optional(),
  }),
);
export type SyslogHeaderSettings = Unthreaded<z.output<typeof syslogHeaderSettings>>;

/** `dispatch`: the stream is chosen by the value of `field` (dotted path), else `default`. */
export const dispatchSettings = threaded(
  z.strictObject({
    ...threads,
    field: z.string().min(1),
    streams: z.record(z.string(), z.string().min(1)),
    default: z.string().min(1).optional(),
  }),
);
export type DispatchSettings = Unthreaded<z.output<typeof dispatchSettings>>;

/** `enrich`: `output` = the value of `key` (dotted path) looked up in a JSON map shipped with the channel. */
export const enrichSettings = threaded(
  z.strictObject({
    ...threads,
    key: z.string().min(1),
    map_file: z.string().min(1),
    output: z.string().min(1),
    default: z.string().optional(),
  }),
);
export type EnrichSettings = Unthreaded<z.output<typeof enrichSettings>>;

/** `function`: a JS module shipped with the channel, `export default (event, emit) => ...`. */
export const functionSettings = threaded(z.strictObject({ ...threads, module: z.string().min(1) }));
export type FunctionSettings = Unthreaded<z.output<typeof functionSettings>>;

/** A grok pattern name (`NAME` in `%{NAME:field}`). */
const grokName = z.string().regex(/^[A-Za-z0-9_]+$/, 'pattern names are letters, digits and _');

/**
 * `grok`: Logstash-compatible patterns (libs/grok) matched against `field`. `patterns` are tried
 * in order and the first that matches wins; its captures are set on the event (under `target`
 * when given). A line none matches keeps flowing, tagged `tag_on_failure` in `tags_field`.
 * Custom patterns: `pattern_definitions` inline, and `patterns_dir` files shipped with the
 * channel (`NAME REGEX` lines), both over the standard library.
 */
export const grokSettings = z.strictObject({
  /**
   * Grok always runs on worker threads (at least one), so that a pattern that backtracks
   * catastrophically on some line can be interrupted: a line still matching after `timeout_ms`
   * has its worker restarted and flows on tagged `tag_on_timeout`.
   */
  workers: z.number().int().min(1).max(64).default(1),
  ordered: z.boolean().default(true),
  timeout_ms: z.number().int().positive().default(2000),
  tag_on_timeout: z.string().min(1).default('_groktimeout'),
  field: z.string().min(1).default('log'),
  patterns: z.array(z.string().min(1)).min(1, 'at least one pattern'),
  pattern_definitions: z.record(grokName, z.string().min(1)).default({}),
  patterns_dir: z.array(z.string().min(1)).default([]),
  /** Put the captures in this object field instead of the event's top level. */
  target: z.string().min(1).optional(),
  keep_empty_captures: z.boolean().default(false),
  tags_field: z.string().min(1).default('tags'),
  tag_on_failure: z.string().min(1).default('_grokparsefailure'),
  /** Added when a `:int` / `:float` capture is not a number (its text is kept). */
  tag_on_conversion_failure: z.string().min(1).default('_grokconversionfailure'),
  /** Which expression matched (its index in `patterns`) goes to this field when given. */
  pattern_field: z.string().min(1).optional(),
});
export type GrokSettings = z.output<typeof grokSettings>;

const sqlName = sqlIdentifier;

/** Column types an extra column may have. */
export const SQL_TYPES = [
  'text',
  'smallint',
  'integer',
  'bigint',
  'double precision',
  'boolean',
  'timestamptz',
  'jsonb',
] as const;

/**
 * `postgresql_output`: events as rows of the log table (README, "The log table"): the contract
 * columns are filled from the fields `columns` names (dotted paths), `extra_columns` add typed
 * columns, and everything else of the event goes to the `jsonb` column `fields`. Rows are written
 * in batches (COPY into a staging table, then INSERT ... ON CONFLICT (_ppf_id) DO NOTHING, in one
 * transaction); events are confirmed after COMMIT, and a replayed event is absorbed by the unique
 * `_ppf_id`.
 */
export const postgresqlOutputSettings = z.strictObject({
  /** libpq URL (`postgres://user@host:port/db`); PG* environment variables fill what it omits. */
  url: z.string().min(1),
  /** A file holding the password (relative to the channel directory); else the URL's or PGPASSWORD. */
  password_file: z.string().min(1).optional(),
  schema: sqlName.default('public'),
  table: sqlName.default('logs'),
  columns: z
    .strictObject({
      ts: z.string().min(1).default('timestamp'),
      host: z.string().min(1).default('host'),
      program: z.string().min(1).default('program'),
      severity: z.string().min(1).default('severity'),
      facility: z.string().min(1).default('facility'),
      device_type: z.string().min(1).default('device_type'),
      message: z.string().min(1).default('message'),
    })
    .prefault({}),
  extra_columns: z
    .record(sqlName, z.strictObject({ field: z.string().min(1), type: z.enum(SQL_TYPES) }))
    .default({}),
  /** Create the table and its indexes when missing (CREATE ... IF NOT EXISTS). */
  create_table: z.boolean().default(true),
  batch_size: z.number().int().positive().default(1000),
  linger_ms: z.number().int().min(0).default(50),
  /** Batches written at once, one connection each. */
  connections: z.number().int().min(1).max(16).default(2),
  /** `copy`: COPY into a staging table; `insert`: INSERT ... SELECT FROM unnest(arrays). */
  method: z.enum(['copy', 'insert']).default('copy'),
  connect_timeout_ms: z.number().int().positive().default(5000),
  /** A batch statement running longer is cancelled and the batch failed back. */
  statement_timeout_ms: z.number().int().positive().default(60_000),
  retry_initial_ms: z.number().int().positive().default(200),
  retry_max_ms: z.number().int().positive().default(10_000),
});
export type PostgresqlOutputSettings = z.output<typeof postgresqlOutputSettings>;

/**
 * `file_output`: archive files. `path` (relative to the channel directory) names each file from
 * the event: `{field.path}` is a field's value, `%Y %m %d %H %M` the UTC date of `time_field`,
 * and `{_file_id}` (required, in the file name) a unique id per file
 * (`<writer>-<yyyymmddThhmmss>-<n>`). A file is written as `<name>.inprogress`, fsynced before
 * its events are confirmed, and renamed to its name when it is rotated (by `max_bytes` or
 * `max_age`) or the pipeline stops.
 */
export const fileOutputSettings = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .refine((p) => /\{_file_id\}[^/]*$/.test(p), 'the file name must contain {_file_id}'),
    /** `json`: the whole event per line; `raw`: the value of `raw_field` per line. */
    format: z.enum(['json', 'raw']).default('json'),
    raw_field: z.string().min(1).optional(),
    /** The time of the date tokens: epoch ms or an RFC 3339 string; else `_ppf_timestamp`. */
    time_field: z.string().min(1).default('_ppf_timestamp'),
    /** Default: true when `path` ends with `.gz`. */
    gzip: z.boolean().optional(),
    compression_level: z.number().int().min(1).max(9).default(6),
    max_bytes: memory.default(64 * 1024 * 1024),
    max_age: duration.default(3_600_000),
    /** Events wait at most this long (or `flush_bytes`) before their file is written and fsynced. */
    flush_ms: z.number().int().min(0).default(200),
    flush_bytes: memory.default(1024 * 1024),
    max_open_files: z.number().int().positive().default(64),
    /** Names this writer in `{_file_id}`; default `<app>-<instance>` (two writers never share one). */
    writer_id: z
      .string()
      .regex(/^[A-Za-z0-9_.]+$/, 'letters, digits, _ and .')
      .optional(),
    /** The files this writer has in progress, recovered after a crash (default `<component>.files.json`). */
    state_file: z.string().min(1).optional(),
  })
  .refine((s) => s.format !== 'raw' || s.raw_field !== undefined, { message: 'format raw needs raw_field' });
export type FileOutputSettings = z.output<typeof fileOutputSettings>;

/**
 * `harvest_input`: log files uploaded into `directory` (pyloggr's harvest). A file is taken once
 * complete (`complete_when`), read once line by line, and moved to `done_directory` (or deleted)
 * when every line is confirmed. The offset confirmed so far survives restarts (`state_file`), and
 * each line's `_ppf_id` is derived from the file and the line's offset, so a line read again
 * after a crash is the same event (a store with a unique `_ppf_id` keeps it once).
 */
export const harvestInputSettings = z.strictObject({
  ...lineSource,
  directory: z.string().min(1),
  /** Default `<directory>/done`. */
  done_directory: z.string().min(1).optional(),
  on_done: z.enum(['move', 'delete']).default('move'),
  /**
   * `stable`: size and mtime unchanged for `stable_ms`; `marker`: a file `<name><marker_suffix>`
   * exists (it is removed with the file); `renamed`: every file not `ignore`d is complete (the
   * uploader writes elsewhere or under an ignored name, then renames it in).
   */
  complete_when: z.enum(['stable', 'marker', 'renamed']).default('stable'),
  stable_ms: z.number().int().min(0).default(5000),
  marker_suffix: z.string().min(1).default('.done'),
  /** Names never taken: `*` matches any run of characters (uploads in progress, hidden files). */
  ignore: z.array(z.string().min(1)).default(['.*', '*.part', '*.tmp', '*.filepart', '*.uploading']),
  poll_interval_ms: z.number().int().positive().default(1000),
  max_line_bytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** The file's name (relative to `directory`) goes to this field. */
  file_field: z.string().min(1).default('file'),
  /** Default `<component>.harvest.json` in the instance directory. */
  state_file: z.string().min(1).optional(),
});
export type HarvestInputSettings = z.output<typeof harvestInputSettings>;

/**
 * `pack` (pyloggr's packers): joins events into one, by count, bytes and time. `lines`: the
 * values of `field` (text without a line feed), one per line; `json_array`: the events whole, as a
 * JSON array. The packed event is confirmed downstream before any of its parts is confirmed to
 * its input (libs/pipeline/src/nodes/pack.ts).
 */
export const packSettings = z.strictObject({
  format: z.enum(['lines', 'json_array']).default('lines'),
  /** `lines`: the field whose text is packed. */
  field: z.string().min(1).default('log'),
  /** The packed event's field that holds the pack. */
  output: z.string().min(1).default('log'),
  max_count: z.number().int().positive().default(100),
  max_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  linger_ms: z.number().int().min(0).default(100),
  /** A field of the packed event that gets the number of events in it. */
  count_field: z.string().min(1).optional(),
});
export type PackSettings = z.output<typeof packSettings>;

/** `unpack`: splits what `pack` joined, one event per part, in order. */
export const unpackSettings = z.strictObject({
  format: z.enum(['lines', 'json_array']).default('lines'),
  /** The field holding the pack. */
  field: z.string().min(1).default('log'),
  /** `lines`: the field each line goes to. */
  output: z.string().min(1).default('log'),
});
export type UnpackSettings = z.output<typeof unpackSettings>;

const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+(?:\/[^\s]*)?$/, 'expected http://HOST:PORT or https://HOST:PORT');

/**
 * `elasticsearch_output`: documents to Elasticsearch or OpenSearch through `_bulk`
 * (libs/pipeline/src/nodes/elasticsearch-output.ts). Each event is confirmed once its bulk item is
 * stored; 429 and 5xx are retried with backoff (at most `max_retries` times, then the event fails
 * back to its input); a document the engine refuses (400: mapping conflict, parse error) goes to
 * `_ppf_errors` with the engine's reason.
 */
export const elasticsearchOutputSettings = z
  .strictObject({
    /** Node URLs, round-robin; a dead node is skipped and tried again later. */
    hosts: z.array(httpUrl).min(1, 'at least one host'),
    /**
     * The index: text, `{field.path}` and `%Y %m %d %H` of the event time in UTC
     * (`logs-{device_type}-%Y.%m.%d`). Used when `index_field` is not given or the event lacks it.
     */
    index: z.string().min(1).optional(),
    /** A field holding the whole index name (the seed's `es_index`). */
    index_field: z.string().min(1).optional(),
    /** The event time for the date parts: epoch ms, or an RFC 3339 / ISO 8601 string. */
    timestamp_field: z.string().min(1).default('_ppf_timestamp'),
    /** The document `_id`: a replay overwrites the same document (exactly once in the index). */
    id_field: z.string().min(1).default('_ppf_id'),
    /** `index` overwrites a document with the same id; `create` keeps the first (409 counts as stored). */
    op_type: z.enum(['index', 'create']).default('index'),
    routing_field: z.string().min(1).optional(),
    /** An ingest pipeline every document goes through. */
    pipeline: z.string().min(1).optional(),
    /** A field whose value (an object, or JSON text) is the document; default: the event's fields. */
    document_field: z.string().min(1).optional(),
    batch_size: z.number().int().positive().default(1000),
    batch_bytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    linger_ms: z.number().int().min(0).default(200),
    /** Bulk requests in flight at once. */
    max_in_flight: z.number().int().positive().default(2),
    compression: z.enum(['none', 'gzip']).default('none'),
    request_timeout_ms: z.number().int().positive().default(30_000),
    retry_initial_ms: z.number().int().positive().default(200),
    retry_max_ms: z.number().int().positive().default(10_000),
    /** Attempts after the first for an event the engine answers 429/5xx (or no node answers). */
    max_retries: z.number().int().min(0).default(8),
    credentials: z.strictObject({ user: z.string().min(1), password: z.string() }).optional(),
    /** The CA that signed the nodes' certificates (for https hosts). */
    ssl_trusted_certificate: z.string().optional(),
    ssl_certificate: z.string().optional(),
    ssl_private_key: z.string().optional(),
    /**
     * An index template (a JSON file shipped with the channel, as `_index_template` takes it)
     * ensured before the first bulk request, as Logstash's `manage_template`: created when
     * missing, left as it is when it differs unless `overwrite` (libs/search ensureIndexTemplates).
     * For pipelines run without a controller: a channel declares its templates as
     * `elasticsearch_index_template` resources, which the controller ensures (and a template that
     * is both is refused when the channel is validated).
     */
    template: z
      .strictObject({
        name: z.string().min(1),
        file: z.string().min(1),
        overwrite: z.boolean().default(false),
      })
      .optional(),
  })
  .refine((s) => s.index !== undefined || s.index_field !== undefined, {
    message: 'give index (a pattern) or index_field',
  })
  .refine((s) => (s.ssl_certificate === undefined) === (s.ssl_private_key === undefined), {
    message: 'ssl_certificate and ssl_private_key go together',
  });
export type ElasticsearchOutputSettings = z.output<typeof elasticsearchOutputSettings>;

/**
 * `syslog_output` (pyloggr's shipper2syslog): events as syslog lines to one or several servers,
 * load-balanced, resent elsewhere when a server goes away (libs/pipeline/src/nodes/syslog-output.ts).
 * Over RELP an event is confirmed when the server answered `200`; over TCP or TLS when it was
 * written to the socket (nothing acknowledges it: see the README).
 */
export const syslogOutputSettings = z.strictObject({
  destinations: z
    .array(
      z.strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        protocol: z.enum(['tcp', 'relp']).default('tcp'),
        ssl: z.boolean().default(false),
        ssl_trusted_certificate: z.string().optional(),
        ssl_certificate: z.string().optional(),
        ssl_private_key: z.string().optional(),
      }),
    )
    .min(1, 'at least one destination'),
  /** `raw`: the text of `field` as it is (a relay); else a line built from the header fields. */
  format: z.enum(['rfc5424', 'rfc3164', 'raw']).default('rfc5424'),
  /** TCP/TLS framing (RFC 6587); RFC 5425 wants octet counting over TLS. RELP frames itself. */
  framing: z.enum(['octet_counting', 'lf']).default('octet_counting'),
  /** The message text (MSG), or with `format: raw` the whole line. */
  field: z.string().min(1).default('log'),
  /**
   * An object field holding a parsed header (syslog_header's output: facility, severity,
   * timestamp, host, app_name, procid, msgid, structured_data, message); its values win over the
   * defaults below, and its `message` is the MSG.
   */
  header_field: z.string().min(1).optional(),
  facility: z.number().int().min(0).max(23).default(1),
  severity: z.number().int().min(0).max(7).default(5),
  /** Default: this host's name. */
  hostname: z.string().min(1).optional(),
  app_name: z.string().min(1).default('drover'),
  /** Messages sent and not yet confirmed, per destination (RELP's window; librelp's default is 128). */
  window_size: z.number().int().positive().default(128),
  connect_timeout_ms: z.number().int().positive().default(5000),
  /** RELP: a server that does not answer within this is dropped, its messages sent again. */
  ack_timeout_ms: z.number().int().positive().default(30_000),
  retry_initial_ms: z.number().int().positive().default(500),
  retry_max_ms: z.number().int().positive().default(10_000),
  /** Bigger messages are refused (to `_ppf_errors`) rather than cut by the server. */
  max_message_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
});
export type SyslogOutputSettings = z.output<typeof syslogOutputSettings>;

export const nodeTypes = {
  lumberjack_input: { kind: 'input', settings: lumberjackInputSettings },
  syslog_input: { kind: 'input', settings: syslogInputSettings },
  kafka_input: { kind: 'input', settings: kafkaInputSettings },
  generator_input: { kind: 'input', settings: generatorInputSettings },
  file_input: { kind: 'input', settings: fileInputSettings },
  harvest_input: { kind: 'input', settings: harvestInputSettings },
  format_switch: { kind: 'processing', settings: formatSwitchSettings },
  syslog_header: { kind: 'processing', settings: syslogHeaderSettings },
  dispatch: { kind: 'processing', settings: dispatchSettings },
  enrich: { kind: 'processing', settings: enrichSettings },
  function: { kind: 'processing', settings: functionSettings },
  pack: { kind: 'processing', settings: packSettings },
  unpack: { kind: 'processing', settings: unpackSettings },
  grok: { kind: 'processing', settings: grokSettings },
  lumberjack_output: { kind: 'output', settings: lumberjackOutputSettings },
  kafka_output: { kind: 'output', settings: kafkaOutputSettings },
  postgresql_output: { kind: 'output', settings: postgresqlOutputSettings },
  file_output: { kind: 'output', settings: fileOutputSettings },
  syslog_output: { kind: 'output', settings: syslogOutputSettings, errorStream: 'required' },
  elasticsearch_output: { kind: 'output', settings: elasticsearchOutputSettings, errorStream: 'required' },
} as const satisfies Record<string, NodeType>;

export type NodeTypeName = keyof typeof nodeTypes;

export const nodeTypeNames = Object.keys(nodeTypes) as NodeTypeName[];
