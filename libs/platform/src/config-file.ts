import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type ApiTokenFile,
  defaultPlatformConfig,
  formatIssue,
  type PlatformConfig,
  parseApiTokenFile,
  parsePlatformConfig,
  resolvePlatformPaths,
} from '@drover/channel-model';
import { ConfigError } from './errors.js';

/**
 * The platform file, validated, its relative file paths made absolute against the file's own
 * directory (resolvePlatformPaths); the defaults when no file is given.
 */
export async function readPlatformConfig(file: string | undefined): Promise<PlatformConfig> {
  if (file === undefined) return defaultPlatformConfig;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, `cannot read platform file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = parsePlatformConfig(text, { file });
  if (!parsed.ok) throw new ConfigError(file, parsed.issues.map(formatIssue).join('\n'));
  return resolvePlatformPaths(parsed.value, dirname(resolve(file)));
}

/** A secret kept in a file (token, password): trimmed, never empty. */
export async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, `cannot read ${what} file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const secret = text.trim();
  if (secret === '') throw new ConfigError(file, `${what} file ${file} is empty`);
  return secret;
}

/** The API's token file (names, roles, tokens: @drover/channel-model api-tokens.ts), validated. */
export async function readApiTokenFile(file: string): Promise<ApiTokenFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, `cannot read API token file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = parseApiTokenFile(text, { file });
  if (!parsed.ok) throw new ConfigError(file, parsed.issues.map(formatIssue).join('\n'));
  return parsed.value;
}
