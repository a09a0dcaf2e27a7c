/**
 * Vitest globalSetup for tests that need real etcd, Kafka and/or OpenSearch.
 *
 *   // <pkg>/test/global-setup.ts
 *   import { servicesSetup } from '../../../test/support/services.js';
 *   export default servicesSetup(['etcd']);
 *
 * Endpoints come from DROVER_ETCD_ENDPOINTS / DROVER_KAFKA_BROKERS / DROVER_SEARCH_NODES when set (nothing is started);
 * otherwise `deploy/dev/services up` starts what is missing. Teardown stops only what this setup
 * started, unless DROVER_DEV_KEEP=1. Tests read the endpoints with `droverServices('etcd')`.
 */
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import { acquireServices, type DroverServices, SERVICE_ENV, type ServiceName } from './acquire.js';

export type { DroverServices, ServiceName } from './acquire.js';

declare module 'vitest' {
  export interface ProvidedContext {
    droverServices: DroverServices;
  }
}

export function servicesSetup(
  needs: readonly ServiceName[],
): (project: TestProject) => Promise<() => Promise<void>> {
  return async (project) => {
    const { services, release } = await acquireServices(needs);
    project.provide('droverServices', services);
    return release;
  };
}

type Needed<K extends ServiceName> = DroverServices & Required<Pick<DroverServices, K>>;

/** The services the globalSetup provided; throws naming the setup to add when one is missing. */
export function droverServices<K extends ServiceName = never>(...needs: K[]): Needed<K> {
  const services = inject('droverServices') as DroverServices | undefined;
  for (const name of needs) {
    if (services?.[name] === undefined) {
      throw new Error(
        `test needs ${name} but no globalSetup provided it: add globalSetup with ` +
          `servicesSetup(['${name}']) from test/support/services.ts, or set ` +
          `${SERVICE_ENV[name]}`,
      );
    }
  }
  return services as Needed<K>;
}
