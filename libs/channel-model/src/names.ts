/**
 * The name rules of Drover, defined once: every app, schema, route and key builder imports them
 * from here (never a copy of the regular expression).
 */

/** Tenant, channel, application, component and cluster names: plain identifiers, never paths. */
export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
export const IDENTIFIER_HINT =
  'must be a plain identifier (letters, digits, "_" and "-"; no "/", "..", spaces)';

/** A command is a bare name the runner resolves through its allow-list, never a path. */
export const COMMAND = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const COMMAND_HINT = 'must be a bare command name resolved by the allow-list, not a path';

/** An instance index as written in keys, ids and URLs: a decimal integer, no leading zero. */
export const INSTANCE_INDEX = /^(0|[1-9][0-9]{0,8})$/;

/** Kafka's own topic name rule. */
export const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * An index template name, as Elasticsearch and OpenSearch accept it and as Drover keys it in
 * etcd: lowercase, starting with a letter or digit, no "/", ":", "*", spaces (the engine's rules
 * for index names, which templates follow; ":" kept out so a key segment never collides).
 */
export const INDEX_TEMPLATE = /^[a-z0-9][a-z0-9._-]{0,254}$/;
export const INDEX_TEMPLATE_HINT =
  'must be lowercase letters, digits, ".", "_" and "-", starting with a letter or digit (at most 255)';

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A PostgreSQL schema, table or column name we create (or read) and quote ourselves: lower case,
 * letters, digits and _, at most 63 bytes (NAMEDATALEN - 1). Lower case, so the quoted name is
 * the one unquoted SQL (psql, reports) folds to.
 */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const SQL_IDENTIFIER_HINT = 'lower-case letters, digits and _, at most 63';

/** A file inside the channel directory: relative, no `..` segment, no backslash. */
export function isChannelRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((seg) => seg !== '..' && seg !== '');
}
