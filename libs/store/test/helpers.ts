import { randomBytes } from 'node:crypto';
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

/** Polls `check` until it returns true; fails after `timeoutMs` (a safety net, not a measure). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(25);
  }
}
