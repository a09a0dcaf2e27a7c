/**
 * A thin adapter over the official OpenSearch JavaScript client (`@opensearch-project/opensearch`,
 * which also speaks to Elasticsearch 7): nothing else in Drover imports it. The client brings the
 * connection pool: round-robin over the nodes, a node that fails a request (connection error,
 * timeout, 502/503/504) marked dead and skipped, pinged again after 60 s (doubling while it stays
 * dead) and used again once it answers; when every node is dead it tries them anyway. Also
 * keep-alive sockets, TLS with a CA, basic auth and gzip request bodies.
 *
 * Errors come out as SearchRequestError: a code, the HTTP status when there was one, and the
 * engine's reason.
 */
import { Client, errors } from '@opensearch-project/opensearch';
import { BULK_FILTER_PATH, errorReason } from './bulk.js';

export interface SearchClientOptions {
  /** Node URLs, `http://host:9200` or `https://host:9200`. */
  readonly nodes: readonly string[];
  readonly auth?: { readonly username: string; readonly password: string };
  /** For `https` nodes: the CA that signed their certificates, and a client certificate if they ask for one. */
  readonly tls?: {
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    /** Default true: a node whose certificate does not verify is refused. */
    readonly rejectUnauthorized?: boolean;
  };
  /** gzip request bodies (`Content-Encoding: gzip`). */
  readonly compression?: boolean;
  readonly requestTimeoutMs?: number;
}

export type SearchErrorCode =
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'NO_LIVING_NODE'
  | 'RESPONSE'
  | 'DESERIALIZATION'
  | 'CLIENT';

export class SearchRequestError extends Error {
  override readonly name = 'SearchRequestError';
  readonly code: SearchErrorCode;
  /** The HTTP status of a RESPONSE error. */
  readonly status: number | undefined;

  constructor(code: SearchErrorCode, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = status;
  }

  /** Worth retrying later: no answer, too many requests, or a server-side failure. */
  get transient(): boolean {
    return this.code !== 'RESPONSE' || this.status === 429 || (this.status ?? 0) >= 500;
  }
}

function wrap(err: unknown, what: string): SearchRequestError {
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: unknown } | string | undefined;
    const reason =
      body !== undefined && typeof body === 'object' && body.error !== undefined
        ? errorReason(body.error)
        : typeof body === 'string' && body !== ''
          ? body.slice(0, 500)
          : `status ${err.meta.statusCode}`;
    return new SearchRequestError('RESPONSE', `${what}: ${reason}`, err.meta.statusCode ?? undefined, {
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  const code: SearchErrorCode =
    err instanceof errors.TimeoutError
      ? 'TIMEOUT'
      : err instanceof errors.ConnectionError
        ? 'CONNECTION'
        : err instanceof errors.NoLivingConnectionsError
          ? 'NO_LIVING_NODE'
          : err instanceof errors.DeserializationError
            ? 'DESERIALIZATION'
            : 'CLIENT';
  return new SearchRequestError(code, `${what}: ${message}`, undefined, { cause: err });
}

export interface BulkParams {
  /** An ingest pipeline every document of the request goes through. */
  readonly pipeline?: string;
}

/** An index template as `_index_template` takes it (composable templates, ES 7.8+ / OpenSearch 1+). */
export interface IndexTemplateBody {
  readonly index_patterns: readonly string[];
  readonly template?: Readonly<Record<string, unknown>>;
  readonly priority?: number;
  readonly composed_of?: readonly string[];
  readonly version?: number;
  readonly _meta?: Readonly<Record<string, unknown>>;
  readonly data_stream?: Readonly<Record<string, unknown>>;
}

export interface SearchClient {
  /**
   * POST `_bulk` with an NDJSON body; resolves with the response body filtered to statuses and
   * errors (see bulkOutcomes). A request the engine answers with an error status rejects.
   */
  bulk(body: string, params?: BulkParams): Promise<unknown>;
  /** GET `_index_template/NAME`: the template, or undefined when there is none. */
  getIndexTemplate(name: string): Promise<IndexTemplateBody | undefined>;
  /** PUT `_index_template/NAME`. */
  putIndexTemplate(name: string, body: IndexTemplateBody): Promise<void>;
  /** Documents in the indices `index` matches (`_count`, after a `_refresh` when asked). */
  count(index: string, options?: { readonly refresh?: boolean }): Promise<number>;
  close(): Promise<void>;
}

export function connectSearch(options: SearchClientOptions): SearchClient {
  if (options.nodes.length === 0) throw new SearchRequestError('CLIENT', 'no search node given');
  const client = new Client({
    nodes: [...options.nodes],
    nodeSelector: 'round-robin',
    // Each request tries every node once before failing back to the caller, who backs off.
    maxRetries: options.nodes.length - 1,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    resurrectStrategy: 'ping',
    ...(options.compression === true ? { compression: 'gzip' as const } : {}),
    ...(options.auth === undefined ? {} : { auth: { ...options.auth } }),
    ...(options.tls === undefined
      ? {}
      : {
          ssl: {
            ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
            ...(options.tls.cert === undefined ? {} : { cert: options.tls.cert }),
            ...(options.tls.key === undefined ? {} : { key: options.tls.key }),
            rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
          },
        }),
  });
  const ndjson = { headers: { 'content-type': 'application/x-ndjson' } };
  return {
    async bulk(body, params = {}) {
      try {
        // Through the transport: client.bulk's types take an array only, the NDJSON text is ours.
        const response = await client.transport.request(
          {
            method: 'POST',
            path: '/_bulk',
            bulkBody: body,
            querystring: {
              filter_path: BULK_FILTER_PATH,
              ...(params.pipeline === undefined ? {} : { pipeline: params.pipeline }),
            },
          },
          ndjson,
        );
        return response.body;
      } catch (err) {
        throw wrap(err, 'bulk');
      }
    },
    async getIndexTemplate(name) {
      try {
        const response = await client.indices.getIndexTemplate({ name }, { ignore: [404] });
        if (response.statusCode === 404) return undefined;
        const found = (
          response.body as { index_templates?: { name: string; index_template: IndexTemplateBody }[] }
        ).index_templates;
        return found?.find((t) => t.name === name)?.index_template;
      } catch (err) {
        throw wrap(err, `get index template ${name}`);
      }
    },
    async putIndexTemplate(name, body) {
      try {
        await client.indices.putIndexTemplate({ name, body: { ...body } as Record<string, unknown> });
      } catch (err) {
        throw wrap(err, `put index template ${name}`);
      }
    },
    async count(index, opts = {}) {
      try {
        if (opts.refresh === true) await client.indices.refresh({ index });
        const response = await client.count({ index });
        return (response.body as { count: number }).count;
      } catch (err) {
        throw wrap(err, `count ${index}`);
      }
    },
    close: () => client.close(),
  };
}
