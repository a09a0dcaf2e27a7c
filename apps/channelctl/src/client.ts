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

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError(
        0,
        `cannot reach the Drover API at ${this.base} (${why}): is a controller running? (--api, DROVER_API)`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const payload = (json ?? {}) as { error?: string; issues?: Issue[] };
      throw new ApiError(
        res.status,
        `${method} ${path}: ${res.status} ${payload.error ?? (text || res.statusText)}`,
        payload.issues ?? [],
      );
    }
    return json as T;
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
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { headers });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new ApiError(
        0,
        `cannot reach the Drover API at ${this.base} (${cause?.code ?? (err as Error).message})`,
      );
    }
    if (!res.ok || res.body === null) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON
      }
      throw new ApiError(res.status, `GET ${path}: ${res.status} ${message}`);
    }
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
