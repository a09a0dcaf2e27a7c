/** A small typed client of the Drover HTTP API (Node's fetch; no dependency). */
import type { Issue } from '@drover/channel-model';
import {
  type ApiErrorCode,
  apiErrorBodySchema,
  type ChannelSummary,
  type ChannelView,
  type RunnerView,
} from '@drover/cluster-state';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status, or 0 when the API could not be reached. */
  readonly status: number;
  /** The API's error code (apiErrorStatus of @drover/cluster-state), when it gave one. */
  readonly code: ApiErrorCode | undefined;
  readonly issues: readonly Issue[];

  constructor(
    status: number,
    message: string,
    options: { code?: ApiErrorCode; issues?: readonly Issue[] } = {},
  ) {
    super(message);
    this.status = status;
    this.code = options.code;
    this.issues = options.issues ?? [];
  }
}

export class ApiClient {
  readonly base: string;
  #token: string | undefined;
  #timeoutMs: number;

  constructor(base: string, token: string | undefined, timeoutMs = 15_000) {
    this.base = base.replace(/\/+$/, '');
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  /** The response, whatever its status; unreachable API -> ApiError 0. `timeout` false for streams. */
  async #fetch(method: string, path: string, body?: unknown, timeout = true): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(timeout ? { signal: AbortSignal.timeout(this.#timeoutMs) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError(
        0,
        `cannot reach the Drover API at ${this.base} (${why}): is a controller running? (--api, DROVER_API)`,
      );
    }
  }

  /**
   * An error response as ApiError: the API's `{error: {code, message, issues?}}`, or the text of
   * whatever else answered (a proxy, a runner).
   */
  async #failure(res: Response, method: string, path: string): Promise<ApiError> {
    const text = await res.text();
    let raw: unknown;
    try {
      raw = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the text is the message
    }
    const parsed = apiErrorBodySchema.safeParse(raw);
    if (!parsed.success) {
      return new ApiError(res.status, `${method} ${path}: ${res.status} ${text || res.statusText}`);
    }
    const { code, message, issues } = parsed.data.error;
    return new ApiError(res.status, `${method} ${path}: ${res.status} ${code}: ${message}`, {
      code,
      issues: issues ?? [],
    });
  }

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#fetch(method, path, body);
    if (!res.ok) throw await this.#failure(res, method, path);
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  upload(
    tenant: string,
    channel: string,
    files: Readonly<Record<string, string>>,
    binaryFiles: Readonly<Record<string, string>> = {},
  ) {
    return this.#request<{ specDigest: string; changed: boolean }>(
      'PUT',
      `/v1/channels/${tenant}/${channel}`,
      Object.keys(binaryFiles).length === 0 ? { files } : { files, binaryFiles },
    );
  }
  start(tenant: string, channel: string) {
    return this.#request<ChannelView>('POST', `/v1/channels/${tenant}/${channel}/start`);
  }
  stop(tenant: string, channel: string) {
    return this.#request<ChannelView>('POST', `/v1/channels/${tenant}/${channel}/stop`);
  }
  reload(tenant: string, channel: string) {
    return this.#request<ChannelView>('POST', `/v1/channels/${tenant}/${channel}/reload`);
  }
  channel(tenant: string, channel: string) {
    return this.#request<ChannelView>('GET', `/v1/channels/${tenant}/${channel}`);
  }
  channels() {
    return this.#request<{ channels: ChannelSummary[] }>('GET', '/v1/channels');
  }
  /** Streams an instance's log records (NDJSON lines) to `onLine` until the response ends. */
  async logs(
    ref: { tenant: string; channel: string; app: string; index: number },
    options: { tail: number; follow: boolean },
    onLine: (line: string) => void,
  ): Promise<void> {
    const path = `/v1/channels/${ref.tenant}/${ref.channel}/applications/${ref.app}/instances/${ref.index}/logs?tail=${options.tail}${options.follow ? '&follow=true' : ''}`;
    const res = await this.#fetch('GET', path, undefined, false);
    if (!res.ok || res.body === null) throw await this.#failure(res, 'GET', path);
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of res.body) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl = pending.indexOf('\n');
      while (nl !== -1) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    }
    if (pending !== '') onLine(pending);
  }

  runners() {
    return this.#request<{ runners: RunnerView[] }>('GET', '/v1/runners');
  }
}
