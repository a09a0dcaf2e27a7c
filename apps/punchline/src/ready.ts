/**
 * Tells the runner the pipeline serves (its inputs listen): the pid written to
 * `DROVER_READY_FILE`, through a rename so the runner never reads half a file (the protocol is
 * in apps/runner/src/readiness.ts). Without the variable (run by hand), nothing is written.
 */
import { rename, writeFile } from 'node:fs/promises';

export async function signalReady(file: string | undefined, pid = process.pid): Promise<void> {
  if (file === undefined || file === '') return;
  const tmp = `${file}.${pid}.tmp`;
  await writeFile(tmp, `${pid}\n`);
  await rename(tmp, file);
}
