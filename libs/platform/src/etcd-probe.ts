/**
 * The first contact with etcd at start: a configuration that can never work (a certificate the
 * server refuses or cannot be verified, a wrong password, a user without rights on the prefix)
 * is a clear, fatal error naming the file or the user, instead of a daemon retrying forever
 * behind gRPC's "No connection established". An etcd that is merely unreachable is not an error:
 * the daemons wait for it, as on any night etcd is down.
 *
 * TLS problems are read off a plain HTTPS request to the endpoint's `/health` with the same files
 * (gRPC hides the handshake's reason); authentication and permission off one read of the prefix.
 */
import http from 'node:http';
import https from 'node:https';
import type { PlatformConfig } from '@drover/channel-model';
import { type Store, StoreError } from '@drover/store';
import { AccessRefusedError } from './errors.js';

export type EtcdAccessProblem = 'TLS' | 'AUTH' | 'PERMISSION';

/** etcd refused us for good: a fix in the platform file (or etcd's users) is needed. */
export class EtcdAccessError extends AccessRefusedError {
  override readonly name = 'EtcdAccessError';
  readonly code: EtcdAccessProblem;
  readonly endpoint: string;

  constructor(code: EtcdAccessProblem, endpoint: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.endpoint = endpoint;
  }
}

type EtcdSection = PlatformConfig['etcd'];

export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Node's codes for a server certificate we cannot verify. */
const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What a failed request says about TLS: a reason when it is a TLS refusal, undefined when etcd is only unreachable. */
export function tlsRefusal(err: NodeJS.ErrnoException): string | undefined {
  const code = err.code ?? '';
  if (VERIFY_CODES.has(code)) return `the server's certificate does not verify against etcd.tls.ca (${code})`;
  if (/^ERR_SSL_|^EPROTO$/.test(code) || /alert|handshake|certificate/i.test(err.message)) {
    return `the TLS handshake was refused (${err.message.trim()}): is etcd.tls.cert signed by a CA etcd trusts?`;
  }
  return undefined;
}

function get(endpoint: string, tls: TlsMaterial | undefined, timeoutMs: number): Promise<number> {
  const url = new URL('/health', endpoint);
  return new Promise((resolve, reject) => {
    const options = {
      timeout: timeoutMs,
      ...(tls === undefined ? {} : { ca: tls.ca, cert: tls.cert, key: tls.key }),
    };
    const request = (url.protocol === 'https:' ? https : http).get(url, options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    request.on('error', reject);
  });
}

/**
 * Probes every endpoint's TLS, then authentication and rights with one read of the prefix.
 * Throws EtcdAccessError for what no retry will fix; resolves when etcd accepted us or could
 * not be reached at all (the caller's retries handle that).
 */
export async function probeEtcd(
  etcd: EtcdSection,
  tls: TlsMaterial | undefined,
  store: Store,
  timeoutMs = 3000,
): Promise<void> {
  for (const endpoint of etcd.endpoints) {
    let status: number;
    try {
      status = await get(endpoint, tls, timeoutMs);
    } catch (err) {
      const reason = tlsRefusal(err as NodeJS.ErrnoException);
      if (reason !== undefined) {
        throw new EtcdAccessError(
          'TLS',
          endpoint,
          `etcd ${endpoint}: ${reason} (ca ${etcd.tls?.ca ?? '-'}, cert ${etcd.tls?.cert ?? '-'})`,
          { cause: err },
        );
      }
      continue; // unreachable: not a configuration error
    }
    if (status === 400 && endpoint.startsWith('http:')) {
      throw new EtcdAccessError(
        'TLS',
        endpoint,
        `etcd ${endpoint} speaks TLS: give an https:// endpoint and etcd.tls (its CA, and a client certificate if it asks for one)`,
      );
    }
  }
  try {
    await store.currentRevision(); // a read of the prefix's root key
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    const user = etcd.auth?.username;
    if (err.code === 'AUTH') {
      throw new EtcdAccessError(
        'AUTH',
        etcd.endpoints.join(','),
        user === undefined
          ? `etcd requires authentication: set etcd.auth (username and password_file) in the platform file`
          : `etcd refused user "${user}": wrong password (etcd.auth.password_file ${etcd.auth?.password_file}) or no such user`,
        { cause: err },
      );
    }
    if (err.code === 'PERMISSION') {
      throw new EtcdAccessError(
        'PERMISSION',
        etcd.endpoints.join(','),
        `etcd user "${user ?? '(none)'}" may not read and write under ${etcd.prefix}: grant it a role with readwrite on that prefix`,
        { cause: err },
      );
    }
    // UNAVAILABLE and the like: etcd is down or busy; the daemon waits for it.
  }
}
