/**
 * The controller's API as the page uses it: same origin, the session cookie (HttpOnly: this code
 * never sees it) and the console header on mutations. Errors carry the API's own words.
 */
export class ApiError extends Error {
  readonly status: number;
  /** The API's code (`DRV_...`), when it gave one. */
  readonly code: string | undefined;
  constructor(status: number, message: string, code?: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** The API refused for want of (the right) token. */
  get refused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export const CONSOLE_HEADER = 'x-drover-console';

/** The API's error body, `{error: {code, message}}` (libs/cluster-state/src/api-errors.ts). */
export async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } | string };
    const error = body.error;
    if (typeof error === 'string') message = error;
    else if (typeof error?.message === 'string') {
      message = error.message;
      if (typeof error.code === 'string') code = error.code;
    }
  } catch {
    // not JSON
  }
  return new ApiError(res.status, message, code);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...(signal ? { signal } : {}) });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, `the controller is unreachable (${(err as Error).message})`);
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export async function send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        [CONSOLE_HEADER]: '1',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, `the controller is unreachable (${(err as Error).message})`);
  }
  if (!res.ok) throw await errorOf(res);
  return res.status === 204 ? undefined : res.json();
}

export interface ConsoleInfo {
  self: string;
  tokenRequired: boolean;
  authenticated: boolean;
  readsNeedToken: boolean;
  logStore: { schema: string; table: string } | null;
}

export const consoleInfo = () => getJson<ConsoleInfo>('/v1/console');
export const openSession = (token: string) => send('POST', '/v1/console/session', { token });
export const closeSession = () => send('DELETE', '/v1/console/session');

export const channelPath = (tenant: string, channel: string) =>
  `/v1/channels/${encodeURIComponent(tenant)}/${encodeURIComponent(channel)}`;
