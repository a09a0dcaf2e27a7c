/** A small typed client of the Drover HTTP API (Node's fetch; no dependency). */
import type { Issue } from '@drover/channel-model';
import {
  type ApiErrorCode,
  type AuditList,
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
        `cannot reach the Drover API at ${this.base} (${why}): ${unreachableHint(this.base, why)}`,
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
  /** The audit log since `since` (an ISO time), at most `limit` entries (the newest). */
  audit(since: string, limit: number) {
    const query = new URLSearchParams({ since, limit: String(limit) });
    return this.#request<AuditList>('GET', `/v1/audit?${query}`);
  }
}

// What Node's TLS says when it cannot verify a certificate (OpenSSL's X509 verify errors).
const UNTRUSTED =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/** What to check when the API could not be reached, from the reason given. */
export function unreachableHint(base: string, why: string): string {
  if (UNTRUSTED.test(why)) {
    return "the API's certificate is not signed by a CA this host trusts: give that CA with --ca FILE (DROVER_API_CA)";
  }
  if (why === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return "the API's certificate does not name this host: use the name (or address) the certificate names in --api";
  }
  if (why === 'CERT_HAS_EXPIRED' || why === 'CERT_NOT_YET_VALID') {
    return "the API's certificate is outside its validity dates: renew it (api.tls.cert on the controllers)";
  }
  if (base.startsWith('https:') && /^(ERR_SSL_|EPROTO)/.test(why)) {
    return 'the API does not answer TLS there: is it served over plain HTTP? (use http:// in --api)';
  }
  if (base.startsWith('http:') && /^(UND_ERR_SOCKET|ECONNRESET|other side closed)/.test(why)) {
    return 'the connection was closed at once: if the API serves HTTPS, use https:// in --api';
  }
  return 'is a controller running? (--api, DROVER_API)';
}
