/**
 * etcd authentication for a dev or test etcd, through its HTTP gateway (etcd 3.4 `/v3/auth/*`,
 * the same calls as `etcdctl user add`, `role grant-permission`, `auth enable`): a root user, one
 * user per application with read-write on its key prefix only, then auth on.
 */

import { ServiceCallError } from './errors.js';
import { type EtcdClientTls, etcdHttp } from './etcd.js';

export interface EtcdUser {
  readonly name: string;
  readonly password: string;
  /** Read-write on every key under this prefix, nothing else. */
  readonly prefix: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The key just past every key starting with `prefix` (etcd's `range_end` for a prefix). */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] as number) < 0xff) {
      bytes[i] = (bytes[i] as number) + 1;
      return bytes.subarray(0, i + 1).toString('base64');
    }
  }
  return b64('\0');
}

/** Creates the root user and `users` (each on its prefix), then enables authentication. */
export async function enableEtcdAuth(
  endpoint: string,
  options: {
    readonly rootPassword: string;
    readonly users: readonly EtcdUser[];
    readonly tls?: EtcdClientTls;
  },
): Promise<void> {
  const call = async (path: string, body: unknown) => {
    const response = await etcdHttp(endpoint, 'POST', path, body, { tls: options.tls });
    if (response.status !== 200) {
      throw new ServiceCallError(
        'etcd',
        `${path} answered ${response.status}: ${JSON.stringify(response.body)}`,
      );
    }
  };
  await call('/v3/auth/role/add', { name: 'root' });
  await call('/v3/auth/user/add', { name: 'root', password: options.rootPassword });
  await call('/v3/auth/user/grant', { user: 'root', role: 'root' });
  for (const user of options.users) {
    await call('/v3/auth/role/add', { name: user.name });
    await call('/v3/auth/role/grant', {
      name: user.name,
      perm: { permType: 'READWRITE', key: b64(user.prefix), range_end: prefixEnd(user.prefix) },
    });
    await call('/v3/auth/user/add', { name: user.name, password: user.password });
    await call('/v3/auth/user/grant', { user: user.name, role: user.name });
  }
  await call('/v3/auth/enable', {});
}
