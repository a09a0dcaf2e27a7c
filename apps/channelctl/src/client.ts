/** A small typed client of the Drover HTTP API (Node's fetch; no dependency). */
import type { Issue } from '@drover/channel-model';
import type { ChannelSummary, ChannelView, RunnerView } from '@drover/cluster-state';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status, or 0 when the API could not be reached. */
  readonly status: number;
  readonly issues: readonly Issue[];

  constructor(status: number, message: string, issues: readonly Issue[] = []) {
    super(message);
    this.status = status;
    this.issues = issues;
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

  /** An error response as ApiError, with the validation issues when the API sent them. */
  async #failure(res: Response, method: string, path: string): Promise<ApiError> {
    const text = await res.text();
    let payload: { error?: string; issues?: Issue[] } = {};
    try {
      payload = text === '' ? {} : (JSON.parse(text) as typeof payload);
    } catch {
      // not JSON: the text is the message
    }
    return new ApiError(
      res.status,
      `${method} ${path}: ${res.status} ${payload.error ?? (text || res.statusText)}`,
      payload.issues ?? [],
    );
  }

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#fetch(method, path, body);
    if (!res.ok) throw await this.#failure(res, method, path);
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  upload(tenant: string, channel: string, files: Readonly<Record<string, string>>) {
    return this.#request<{ specDigest: string; changed: boolean }>(
      'PUT',
      `/v1/channels/${tenant}/${channel}`,
      { files },
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
