/**
 * `elasticsearch_output`: events to Elasticsearch or OpenSearch through `_bulk` (pyloggr's
 * shipper2elasticsearch, Punch's elasticsearch output).
 *
 * Each event becomes an action (`index` or `create`, the index from `index_field` or the `index`
 * pattern, `_id` from `id_field`, optional routing) and a document, gathered into batches of at
 * most `batch_size` events or `batch_bytes` bytes, or what gathered within `linger_ms`; at most
 * `max_in_flight` bulk requests run at once. An event is confirmed only when its own bulk item
 * is stored (libs/search bulkOutcomes):
 * - stored (2xx; 409 on `create`): confirmed;
 * - 429 or 5xx, and a request that failed whole (no node answered, a timeout, 429/5xx, 401): sent
 *   again after an exponential backoff with jitter (`retry_initial_ms` doubling up to
 *   `retry_max_ms`), at most `max_retries` times; then it fails back to its input, which has it
 *   sent again (Kafka rewinds): never dropped;
 * - any other 4xx (a mapping conflict, a parse error), an event the index pattern cannot name,
 *   or a document bigger than the engine takes (413 for it alone): rejected for good, to the
 *   node's `_ppf_errors` with the engine's reason and the whole input event: never retried
 *   forever.
 * With `_id` from `_ppf_id` and `op_type: index`, a replay overwrites the same document, so each
 * event is in the index exactly once however often it is delivered.
 */
import type { ElasticsearchOutputSettings } from '@drover/channel-model';
import {
  type BulkOp,
  bulkOutcomes,
  compileIndexName,
  encodeBulkItem,
  ensureIndexTemplates,
  fieldAtPath,
  IndexNameError,
  type IndexNamer,
  type IndexTemplateBody,
  type SearchClient,
  SearchRequestError,
} from '@drover/search';
import { setLongTimeout, type Timer } from '@drover/timers';
import { type Delivery, type NodeLogger, type OutputNode, RejectedEvent } from '../types.js';

interface Item {
  readonly op: BulkOp;
  /** The action and document lines, NDJSON. */
  readonly lines: string;
  readonly bytes: number;
  readonly done: (err?: Error) => void;
  attempts: number;
}

export interface ElasticsearchOutputStats {
  /** Bulk requests answered. */
  bulks: number;
  stored: number;
  /** Items (or whole requests' items) sent again. */
  retried: number;
  /** Events sent to `_ppf_errors`. */
  rejected: number;
  /** Events failed back to their input after `max_retries`. */
  failed: number;
}

const path = (dotted: string | undefined) => (dotted === undefined ? undefined : dotted.split('.'));

export class ElasticsearchOutput implements OutputNode {
  readonly kind = 'output' as const;
  readonly stats: ElasticsearchOutputStats = { bulks: 0, stored: 0, retried: 0, rejected: 0, failed: 0 };
  readonly #settings: ElasticsearchOutputSettings;
  readonly #client: SearchClient;
  readonly #logger: NodeLogger;
  readonly #namer: IndexNamer | undefined;
  readonly #indexField: readonly string[] | undefined;
  readonly #idField: readonly string[];
  readonly #routingField: readonly string[] | undefined;
  readonly #documentField: readonly string[] | undefined;
  #gathering: Item[] = [];
  #gatheringBytes = 0;
  #linger: Timer | undefined;
  /** Batches cut and waiting for a request slot. */
  #ready: Item[][] = [];
  /** Batches waiting out their backoff. */
  readonly #backoff = new Map<Timer, Item[]>();
  #inFlight = 0;
  readonly #sending = new Set<Promise<void>>();
  #closed = false;
  /** The index template to ensure before the first bulk request; undefined once it is done. */
  #template:
    | { readonly name: string; readonly body: IndexTemplateBody; readonly overwrite: boolean }
    | undefined;
  #templateReady: Promise<void> | undefined;

  /**
   * `settings` validated; `client` connected to the hosts (libs/search connectSearch); `template`
   * the body of `settings.template` (read from the channel's file). Throws on an unreadable index
   * pattern.
   */
  constructor(
    settings: ElasticsearchOutputSettings,
    client: SearchClient,
    logger: NodeLogger,
    template?: IndexTemplateBody,
  ) {
    if (settings.template !== undefined && template !== undefined) {
      this.#template = {
        name: settings.template.name,
        body: template,
        overwrite: settings.template.overwrite,
      };
    }
    this.#settings = settings;
    this.#client = client;
    this.#logger = logger;
    this.#namer =
      settings.index === undefined ? undefined : compileIndexName(settings.index, settings.timestamp_field);
    this.#indexField = path(settings.index_field);
    this.#idField = settings.id_field.split('.');
    this.#routingField = path(settings.routing_field);
    this.#documentField = path(settings.document_field);
  }

  write(event: Delivery, done: (err?: Error) => void): void {
    if (this.#closed) {
      done(new Error('elasticsearch_output is closed'));
      return;
    }
    let item: Item;
    try {
      item = this.#item(event.fields, done);
    } catch (err) {
      this.stats.rejected++;
      done(new RejectedEvent(`elasticsearch_output: ${(err as Error).message}`));
      return;
    }
    const s = this.#settings;
    if (this.#gathering.length > 0 && this.#gatheringBytes + item.bytes > s.batch_bytes) this.#cut();
    this.#gathering.push(item);
    this.#gatheringBytes += item.bytes;
    if (this.#gathering.length >= s.batch_size || this.#gatheringBytes >= s.batch_bytes) this.#cut();
    else this.#linger ??= setLongTimeout(() => this.#cut(), s.linger_ms);
  }

  /** The event's bulk lines; throws (IndexNameError, ...) when the event cannot be written at all. */
  #item(fields: Readonly<Record<string, unknown>>, done: (err?: Error) => void): Item {
    let index: string | undefined;
    if (this.#indexField !== undefined) {
      const value = fieldAtPath(fields, this.#indexField);
      if (typeof value === 'string' && value !== '') index = value;
      else if (this.#namer === undefined) {
        throw new IndexNameError(
          'MISSING_FIELD',
          `the event has no index field ${this.#settings.index_field}`,
        );
      }
    }
    index ??= (this.#namer as IndexNamer)(fields);
    const id = fieldAtPath(fields, this.#idField);
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new Error(`the event has no id field ${this.#settings.id_field}`);
    }
    let routing: string | undefined;
    if (this.#routingField !== undefined) {
      const value = fieldAtPath(fields, this.#routingField);
      if (value !== undefined && value !== null) routing = String(value);
    }
    let document: string | Readonly<Record<string, unknown>> = fields;
    if (this.#documentField !== undefined) {
      const value = fieldAtPath(fields, this.#documentField);
      if (typeof value === 'string') document = value;
      else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        document = value as Record<string, unknown>;
      } else throw new Error(`the event has no document in ${this.#settings.document_field}`);
    }
    const op = this.#settings.op_type;
    const lines = encodeBulkItem(
      { op, index, id: String(id), ...(routing === undefined ? {} : { routing }) },
      document,
    );
    return { op, lines, bytes: Buffer.byteLength(lines), done, attempts: 0 };
  }

  #cut(): void {
    this.#linger?.clear();
    this.#linger = undefined;
    if (this.#gathering.length === 0) return;
    this.#ready.push(this.#gathering);
    this.#gathering = [];
    this.#gatheringBytes = 0;
    this.#pump();
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#settings.max_in_flight && this.#ready.length > 0) {
      const batch = this.#ready.shift() as Item[];
      const sending = this.#send(batch);
      this.#sending.add(sending);
      void sending.finally(() => this.#sending.delete(sending));
    }
  }

  async #send(batch: Item[]): Promise<void> {
    this.#inFlight++;
    try {
      let response: unknown;
      try {
        await this.#ensureTemplate();
        response = await this.#client.bulk(batch.map((i) => i.lines).join(''), {
          ...(this.#settings.pipeline === undefined ? {} : { pipeline: this.#settings.pipeline }),
        });
      } catch (err) {
        this.#requestFailed(batch, err);
        return;
      }
      this.stats.bulks++;
      let outcomes: ReturnType<typeof bulkOutcomes>;
      try {
        outcomes = bulkOutcomes(
          response,
          batch.map((i) => i.op),
        );
      } catch (err) {
        this.#retryLater(batch, (err as Error).message);
        return;
      }
      const again: Item[] = [];
      let reason = '';
      outcomes.forEach((outcome, k) => {
        const item = batch[k] as Item;
        if (outcome.kind === 'stored') {
          this.stats.stored++;
          item.done();
        } else if (outcome.kind === 'retry') {
          again.push(item);
          reason = `${outcome.status} ${outcome.reason}`;
        } else {
          this.stats.rejected++;
          item.done(new RejectedEvent(`elasticsearch_output: ${outcome.status} ${outcome.reason}`));
        }
      });
      if (again.length > 0) this.#retryLater(again, reason);
    } finally {
      this.#inFlight--;
      this.#pump();
    }
  }

  /**
   * Ensures the index template once, before the first documents (so the first daily index takes
   * its mappings). An error fails this attempt (the batch waits and goes again, and so does the
   * template); a template that differs is reported and used as it is.
   */
  #ensureTemplate(): Promise<void> {
    const template = this.#template;
    if (template === undefined) return Promise.resolve();
    this.#templateReady ??= (async () => {
      const [report] = await ensureIndexTemplates(this.#client, [template]);
      if (report?.state === 'error') throw new Error(`index template ${template.name}: ${report.error}`);
      if (report?.state === 'mismatch')
        this.#logger.warn({ template: template.name, err: report.error }, 'index template differs');
      else this.#logger.info({ template: template.name, state: report?.state }, 'index template ready');
      this.#template = undefined;
    })().finally(() => {
      this.#templateReady = undefined;
    });
    return this.#templateReady;
  }

  /** A request that failed whole: 413 splits the batch, anything else waits and goes again. */
  #requestFailed(batch: Item[], err: unknown): void {
    const error = err instanceof SearchRequestError ? err : undefined;
    if (error?.status === 413) {
      if (batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        this.#ready.unshift(batch.slice(0, half), batch.slice(half));
        return;
      }
      this.stats.rejected++;
      batch[0]?.done(
        new RejectedEvent(`elasticsearch_output: document too large for the engine: ${error.message}`),
      );
      return;
    }
    if (error !== undefined && !error.transient) {
      // 401, 403, 400 on the whole request: a configuration the operator must fix; retried the same.
      this.#logger.error(
        { events: batch.length, status: error.status, err: error.message },
        'bulk request refused: retrying',
      );
    }
    this.#retryLater(batch, err instanceof Error ? err.message : String(err));
  }

  /** Backoff then again; past `max_retries` an event fails back to its input (never dropped). */
  #retryLater(items: Item[], reason: string): void {
    const again: Item[] = [];
    let attempts = 0;
    for (const item of items) {
      item.attempts++;
      if (item.attempts > this.#settings.max_retries || this.#closed) {
        this.stats.failed++;
        item.done(new Error(`elasticsearch_output: not stored after ${item.attempts} attempts: ${reason}`));
      } else {
        again.push(item);
        attempts = Math.max(attempts, item.attempts);
      }
    }
    if (again.length === 0) return;
    this.stats.retried += again.length;
    const s = this.#settings;
    const ceiling = Math.min(s.retry_initial_ms * 2 ** (attempts - 1), s.retry_max_ms);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.#logger.warn(
      { events: again.length, attempt: attempts, retryInMs: delay, reason },
      'bulk items not stored: retrying',
    );
    const timer = setLongTimeout(() => {
      this.#backoff.delete(timer);
      this.#ready.push(again);
      this.#pump();
    }, delay);
    this.#backoff.set(timer, again);
  }

  /** Fails what is not sent yet back to the inputs, waits for the requests in flight, closes the client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#linger?.clear();
    const error = new Error('elasticsearch_output closed');
    for (const [timer, items] of this.#backoff) {
      timer.clear();
      for (const item of items) item.done(error);
    }
    this.#backoff.clear();
    for (const item of [...this.#gathering, ...this.#ready.flat()]) item.done(error);
    this.#gathering = [];
    this.#ready = [];
    await Promise.all(this.#sending);
    await this.#client.close();
  }
}
