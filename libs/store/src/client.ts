/**
 * The one place that speaks etcd: a typed JSON key-value view with compare-and-swap, over
 * `etcd3` (thinly maintained, so nothing outside libs/store sees its types).
 */
import { ExponentialBackoff, handleWhen, noop, retry } from 'cockatiel';
import { Etcd3, type IKeyValue, isRecoverableError } from 'etcd3';
import { StoreError, type StoreErrorCode } from './errors.js';

export interface StoreOptions {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379`. */
  readonly endpoints: readonly string[];
  /** Key prefix for everything Drover writes (default `/drover`). */
  readonly prefix?: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** Deadline of each unary call, so a call to an unreachable etcd fails instead of hanging. */
  readonly requestTimeoutMs?: number;
}

export interface KeyValue<T> {
  readonly key: string;
  readonly value: T;
  /** Revision of the last modification (etcd `mod_revision`). */
  readonly revision: number;
  readonly createRevision: number;
  readonly version: number;
  /** Lease id (decimal string) the key is attached to, if any. */
  readonly lease: string | undefined;
}

/** Turns the raw JSON of a value into a typed one; callers pass a schema's `parse`. */
export type Decode<T> = (raw: unknown) => T;

export interface PutOptions {
  /** Attach the key to a lease: it disappears when the lease ends. */
  readonly lease?: string;
}

export function toStoreError(err: unknown, key?: string): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code: StoreErrorCode =
    err instanceof Error && isRecoverableError(err)
      ? 'UNAVAILABLE'
      : /authentication failed|user name is empty/.test(message)
        ? 'AUTH'
        : /permission denied/.test(message)
          ? 'PERMISSION'
          : 'ETCD';
  return new StoreError(code, key === undefined ? message : `${key}: ${message}`, {
    cause: err,
    ...(key === undefined ? {} : { key }),
  });
}

export function decodeKeyValue<T>(kv: IKeyValue, decode: Decode<T>): KeyValue<T> {
  const key = kv.key.toString();
  let raw: unknown;
  try {
    raw = JSON.parse(kv.value.toString());
  } catch (err) {
    throw new StoreError('DECODE', `${key}: value is not JSON`, { key, cause: err });
  }
  let value: T;
  try {
    value = decode(raw);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new StoreError('DECODE', `${key}: unexpected value: ${why}`, { key, cause: err });
  }
  return {
    key,
    value,
    revision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
    lease: kv.lease === '0' || kv.lease === '' ? undefined : kv.lease,
  };
}

export function createEtcd(options: StoreOptions): Etcd3 {
  const timeout = options.requestTimeoutMs ?? 5000;
  return new Etcd3({
    hosts: [...options.endpoints],
    dialTimeout: timeout,
    ...(options.auth === undefined ? {} : { auth: { ...options.auth } }),
    ...(options.tls === undefined
      ? {}
      : {
          credentials: {
            rootCertificate: options.tls.ca,
            ...(options.tls.key === undefined ? {} : { privateKey: options.tls.key }),
            ...(options.tls.cert === undefined ? {} : { certChain: options.tls.cert }),
          },
        }),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
    // etcd3's defaults open a 5 s circuit breaker after three failures and back watches off up
    // to 30 s: after an etcd restart we want to be back within a second or two.
    faultHandling: {
      host: () => noop,
      global: retry(handleWhen(isRecoverableError), {
        maxAttempts: 2,
        backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }),
      }),
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }).next(),
    },
  });
}
