/**
 * The etcd connection of the daemons (controller, runner), from the platform file's `etcd`
 * section and the `--etcd`/`--prefix` flags. Its own entry point, `@drover/platform/etcd`,
 * because it loads etcd3 and gRPC, which pipeline children must not pay for.
 */
import { readFile } from 'node:fs/promises';
import type { PlatformConfig } from '@drover/channel-model';
import { connectStore, type Store } from '@drover/store';
import { readSecretFile } from './config-file.js';
import { ConfigError } from './errors.js';
import { probeEtcd } from './etcd-probe.js';

export { EtcdAccessError, type EtcdAccessProblem } from './etcd-probe.js';

import { parseUrls } from './values.js';

export type EtcdSettings = PlatformConfig['etcd'];

/** The `etcd` section with `--etcd` and `--prefix` (flags or their variables) applied over it. */
export function etcdSettings(
  file: EtcdSettings,
  flags: { readonly etcd?: string; readonly prefix?: string },
): EtcdSettings {
  return {
    ...file,
    ...(flags.etcd === undefined ? {} : { endpoints: parseUrls(flags.etcd, '--etcd') }),
    ...(flags.prefix === undefined ? {} : { prefix: flags.prefix }),
  };
}

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new ConfigError(file, `cannot read etcd ${what} ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * A store client from the `etcd` section: endpoints, prefix, TLS files, user and password file.
 * Throws EtcdAccessError when etcd refuses the certificate, the user or its rights (see
 * etcd-probe.ts); an unreachable etcd is waited for, not an error.
 */
export async function storeFromSettings(etcd: EtcdSettings): Promise<Store> {
  const tls =
    etcd.tls === undefined
      ? undefined
      : {
          ca: await readPem(etcd.tls.ca, 'CA certificate'),
          ...(etcd.tls.cert === undefined ? {} : { cert: await readPem(etcd.tls.cert, 'certificate') }),
          ...(etcd.tls.key === undefined ? {} : { key: await readPem(etcd.tls.key, 'private key') }),
        };
  const auth =
    etcd.auth === undefined
      ? undefined
      : {
          username: etcd.auth.username,
          password: await readSecretFile(etcd.auth.password_file, 'etcd password'),
        };
  const store = connectStore({
    endpoints: etcd.endpoints,
    prefix: etcd.prefix,
    ...(tls === undefined ? {} : { tls }),
    ...(auth === undefined ? {} : { auth }),
  });
  try {
    await probeEtcd(etcd, tls, store);
  } catch (err) {
    store.close();
    throw err;
  }
  return store;
}
