import { randomBytes } from 'node:crypto';
import { eventually } from '../../../test/support/eventually.js';
import { droverServices } from '../../../test/support/services.js';
import { connectStore, type Store } from '../src/index.js';

export const etcdEndpoints = (): string[] => droverServices('etcd').etcd.endpoints;

/** A random key prefix, so tests never see each other's keys. */
export const freshPrefix = (): string => `/drover-test-${randomBytes(6).toString('hex')}`;

export function storeAt(prefix: string, endpoints = etcdEndpoints()): Store {
  return connectStore({ endpoints, prefix });
}

export const asUnknown = (raw: unknown): unknown => raw;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { eventually };
