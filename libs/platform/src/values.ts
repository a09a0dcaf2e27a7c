/** Parsers for flag and environment values; each throws ConfigError naming the flag. */
import { IDENTIFIER } from '@drover/channel-model';
import { ConfigError } from './errors.js';

export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^\s:]+):([0-9]{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(flag, `${flag}: expected HOST:PORT, got "${value}"`);
  }
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port };
}

export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(flag, `${flag}: expected a whole number >= 1, got "${value}"`);
  }
  return n;
}

/** `NAME=HOST:PORT[,HOST:PORT]` (the `--kafka-cluster` flag). */
export function parseKafkaCluster(value: string, flag: string): { name: string; brokers: string[] } {
  const eq = value.indexOf('=');
  const name = value.slice(0, eq).trim();
  const brokers = parseList(value.slice(eq + 1));
  if (eq < 1 || !IDENTIFIER.test(name) || brokers.length === 0) {
    throw new ConfigError(flag, `${flag}: expected NAME=HOST:PORT[,HOST:PORT], got "${value}"`);
  }
  for (const b of brokers) parseHostPort(b, flag);
  return { name, brokers };
}

/** `NAME=URL[,URL]` (the `--search-cluster` flag): a search cluster's nodes, http(s) URLs. */
export function parseSearchCluster(value: string, flag: string): { name: string; nodes: string[] } {
  const eq = value.indexOf('=');
  const name = value.slice(0, eq).trim();
  if (eq < 1 || !IDENTIFIER.test(name)) {
    throw new ConfigError(flag, `${flag}: expected NAME=URL[,URL], got "${value}"`);
  }
  return { name, nodes: parseUrls(value.slice(eq + 1), flag) };
}

export function parseUrls(value: string, flag: string): string[] {
  const urls = parseList(value);
  if (urls.length === 0 || urls.some((u) => !/^https?:\/\/[^\s/]+/.test(u))) {
    throw new ConfigError(flag, `${flag}: expected comma-separated http(s):// URLs, got "${value}"`);
  }
  return urls;
}
