/**
 * The `_bulk` API without I/O: an event becomes an action line and a document line (NDJSON), and
 * a bulk response becomes one outcome per item, in request order.
 *
 * Outcome rules (Elasticsearch's and OpenSearch's bulk documentation, and what Logstash's
 * elasticsearch output and Beats do with item statuses):
 * - 2xx: stored.
 * - 409 on a `create`: the document with that id is already there: stored (a replay).
 * - 429 (the write queue is full) and 5xx: transient, worth retrying after a backoff.
 * - any other 4xx (400 mapper_parsing_exception, illegal_argument_exception, invalid index
 *   name...): the document itself is refused; retrying cannot help. The caller keeps it
 *   (`_ppf_errors`) with the engine's reason.
 */

export type BulkOp = 'index' | 'create';

export interface BulkAction {
  readonly op: BulkOp;
  readonly index: string;
  /** `_id`: with `op: index` a replay overwrites the same document instead of adding one. */
  readonly id?: string;
  readonly routing?: string;
}

/** The action line and the document line, each ending in LF. `document` is JSON text or a value to serialise. */
export function encodeBulkItem(
  action: BulkAction,
  document: string | Readonly<Record<string, unknown>>,
): string {
  const meta: Record<string, string> = { _index: action.index };
  if (action.id !== undefined) meta._id = action.id;
  if (action.routing !== undefined) meta.routing = action.routing;
  const doc = typeof document === 'string' ? document : JSON.stringify(document);
  if (doc.includes('\n')) {
    // A pretty-printed document would split into several NDJSON lines: re-serialise it on one.
    return `${JSON.stringify({ [action.op]: meta })}\n${JSON.stringify(JSON.parse(doc))}\n`;
  }
  return `${JSON.stringify({ [action.op]: meta })}\n${doc}\n`;
}

/** What the bulk request asks the engine to return: statuses and errors only (no per-item _index, _id, _shards). */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

export type ItemOutcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'retry'; readonly status: number; readonly reason: string }
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string };

const STORED: ItemOutcome = Object.freeze({ kind: 'stored' });

export class BulkResponseError extends Error {
  override readonly name = 'BulkResponseError';
}

interface EngineError {
  type?: unknown;
  reason?: unknown;
  caused_by?: EngineError;
}

/** `type: reason` of an engine error, with its causes: "mapper_parsing_exception: failed to parse field [n] ... (caused by number_format_exception: For input string: "x")". */
export function errorReason(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const e = error as EngineError;
  let text = `${String(e.type ?? 'error')}: ${String(e.reason ?? '')}`;
  let cause = e.caused_by;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 3; depth++) {
    text += ` (caused by ${String(cause.type ?? 'error')}: ${String(cause.reason ?? '')})`;
    cause = cause.caused_by;
  }
  return text;
}

/** The outcome of one item from its status (and error), by the rules above. */
export function itemOutcome(op: BulkOp, status: number, error: unknown): ItemOutcome {
  if (status >= 200 && status < 300) return STORED;
  if (status === 409 && op === 'create') return STORED;
  const reason = error === undefined ? `status ${status}` : errorReason(error);
  if (status === 429 || status >= 500) return { kind: 'retry', status, reason };
  return { kind: 'rejected', status, reason };
}

/**
 * One outcome per item of a bulk response (as filtered by BULK_FILTER_PATH), in request order.
 * Throws BulkResponseError when the response does not have `count` items: then nothing in it
 * can be trusted, and the whole batch is retried.
 */
export function bulkOutcomes(response: unknown, ops: readonly BulkOp[]): ItemOutcome[] {
  const body = response as { errors?: unknown; items?: unknown } | null;
  if (body === null || typeof body !== 'object')
    throw new BulkResponseError('bulk response is not an object');
  const items = body.items;
  if (!Array.isArray(items) || items.length !== ops.length) {
    throw new BulkResponseError(
      `bulk response has ${Array.isArray(items) ? items.length : 'no'} items for ${ops.length} actions`,
    );
  }
  if (body.errors === false) return ops.map(() => STORED);
  return items.map((item: unknown, i) => {
    const op = ops[i] as BulkOp;
    const result = (item as Record<string, { status?: unknown; error?: unknown }> | null)?.[op];
    if (result === undefined || typeof result.status !== 'number') {
      throw new BulkResponseError(`bulk response item ${i} has no ${op} status`);
    }
    return itemOutcome(op, result.status, result.error);
  });
}
