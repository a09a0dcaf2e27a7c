/**
 * The log table as the console reads it: the contract `postgresql_output` writes (issue 17,
 * libs/pipeline/src/nodes/postgres/log-table.ts, README "The log table"). Only what search reads
 * is named here; every other column (extra columns, `facility`, `device_type`, `received_at`)
 * comes back in the whole stored event.
 *
 *   _ppf_id      text PRIMARY KEY     the event's id
 *   ts           timestamptz NOT NULL the event's time
 *   host, program text
 *   severity     smallint             syslog severity, 0 (emergency) to 7 (debug)
 *   message      text
 *   fields       jsonb NOT NULL       every other field of the event
 *   message_tsv  tsvector, generated: to_tsvector('simple', left(message, 65536)), GIN-indexed
 *
 * Defaults match postgresql_output's: schema `public`, table `logs`.
 */
import { SQL_IDENTIFIER, SQL_IDENTIFIER_HINT } from '@drover/channel-model';
import { z } from 'zod';

export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_TABLE = 'logs';
/** The text-search configuration the table's `message_tsv` is built with. */
export const TEXT_SEARCH_CONFIG = 'simple';

/** Schema and table names (quoted when used): the rule postgresql_output creates them by. */
export const sqlName = z.string().regex(SQL_IDENTIFIER, SQL_IDENTIFIER_HINT);

export interface LogTableRef {
  readonly schema: string;
  readonly table: string;
}

export function qualifiedName(t: LogTableRef): string {
  return `"${sqlName.parse(t.schema)}"."${sqlName.parse(t.table)}"`;
}

/** Syslog severities (RFC 5424, section 6.2.1), by number. */
export const SEVERITIES = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warning',
  'notice',
  'info',
  'debug',
] as const;
