/**
 * A test file's scratch directory (under the system's temp directory, named `prefix` + a random
 * suffix), removed once the file's tests are done if every one of them passed, and kept, named on
 * stderr, when one failed (its logs are what to read then). Call it at the top of the file: it
 * registers its hooks: its afterAll runs after the file's own (vitest runs hooks in stack order),
 * so the file's processes are stopped first. Kept too when no test ran (a beforeAll hook failed:
 * the services' logs in it say why). Before this, one `npm test` left about 1 GB in /tmp (the
 * processor e2e alone 450 MB), and a shared machine's disk filled up.
 */
import { afterAll, beforeEach } from 'vitest';
import { endScratchDir, makeScratchDir } from './scratch-dir.js';

export function scratchDir(prefix: string): string {
  const dir = makeScratchDir(prefix);
  let started = false;
  let failed = false;
  beforeEach(({ onTestFailed }) => {
    started = true;
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(() => endScratchDir(dir, failed || !started));
  return dir;
}
