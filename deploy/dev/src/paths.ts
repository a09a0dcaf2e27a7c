import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this module's own place (`deploy/dev/{src,dist}/`). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** Where services.json, the lock and the service data live: `<repo>/.drover-dev` unless relocated. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DROVER_DEV_STATE_DIR || join(repoRoot(), '.drover-dev'));
}

/** The jar cache stays in the repo even when the state is relocated, so relocated states share it. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DROVER_DEV_CACHE_DIR || join(repoRoot(), '.drover-dev', 'cache'));
}
