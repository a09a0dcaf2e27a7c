/**
 * OpenSearch for tests: small REST helpers over fetch (create an index with a mapping, refresh,
 * count, read a document), and a TLS front with basic auth for the dev node (which has neither:
 * no security plugin), so clients are tested against a real TLS handshake and a real 401 with the
 * real engine behind. Node builtins only, so library tests can import it too.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export async function searchRequest(
  node: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${node}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/**
 * `_refresh` then `_count` of `index` (a name, a pattern or a comma list); 0 when it does not
 * exist. `refresh: false` counts what the periodic refresh (1 s) made visible: for progress polls,
 * which should not force a refresh each time.
 */
export async function countDocuments(
  node: string,
  index: string,
  query?: unknown,
  options: { readonly refresh?: boolean } = {},
): Promise<number> {
  if (options.refresh !== false) {
    await searchRequest(node, 'POST', `/${index}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  }
  const r = await searchRequest(
    node,
    'POST',
    `/${index}/_count?ignore_unavailable=true&allow_no_indices=true`,
    query === undefined ? undefined : { query },
  );
  if (r.status === 404) return 0;
  if (r.status !== 200) throw new Error(`_count ${index}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.count as number;
}

/** Creates `index` with `mappings` (strict types make mapping conflicts easy to provoke). */
export async function createIndex(
  node: string,
  index: string,
  mappings: unknown,
  settings?: unknown,
): Promise<void> {
  const r = await searchRequest(node, 'PUT', `/${index}`, {
    mappings,
    settings: { number_of_replicas: 0, ...(settings ?? {}) },
  });
  if (r.status !== 200) throw new Error(`create index ${index}: ${r.status} ${JSON.stringify(r.body)}`);
}

export interface TlsFront {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** Requests that reached the engine (authorised), and refused ones. */
  readonly stats: { forwarded: number; refused: number };
  close(): Promise<void>;
}

/**
 * An HTTPS server (certificate `cert`/`key`) that asks for basic auth `username:password` (401
 * with the engine's error shape otherwise) and forwards every authorised request, headers and
 * body untouched (gzip included), to `target`.
 */
export async function startTlsFront(options: {
  readonly target: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly username: string;
  readonly password: string;
}): Promise<TlsFront> {
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const target = new URL(options.target);
  const stats = { forwarded: 0, refused: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== expected) {
      stats.refused++;
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="test"' });
      res.end(
        JSON.stringify({
          error: { type: 'security_exception', reason: 'missing or wrong authentication credentials' },
          status: 401,
        }),
      );
      return;
    }
    stats.forwarded++;
    const headers = { ...req.headers, host: target.host };
    delete headers.authorization;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'proxy_error', reason: err.message }, status: 502 }));
    });
    req.pipe(upstream);
  };
  const server = createTlsServer({ cert: options.cert, key: options.key }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening: a dead node. */
export async function deadNodeUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
