/**
 * Where the built console is: `dist/www` holds `index.html` and `assets/` (content-hashed
 * scripts and styles), written by `npm run build` (scripts/bundle.mjs). The controller serves
 * that directory at `/`; nothing is fetched from anywhere else at run time.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class ConsoleNotBuiltError extends Error {
  readonly code = 'CONSOLE_NOT_BUILT';
}

/** The directory of the built page; throws when `npm run build` has not produced it. */
export function consoleAssetsDir(): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'www');
  if (!existsSync(join(dir, 'index.html'))) {
    throw new ConsoleNotBuiltError(
      `the web console is not built (${dir}/index.html missing): run npm run build`,
    );
  }
  return dir;
}
