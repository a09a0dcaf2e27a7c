/**
 * Readiness: an instance is ready when it serves (punchlinectl: its inputs listen), not merely
 * when its process runs. Rolling updates wait for it before restarting the next instance, so
 * the two receivers of a pair are never down together even when a start is slow.
 *
 * Protocol: the runner gives the child `DROVER_READY_FILE`, a path in its work directory; the
 * child, once ready, writes its pid there (write then rename: the runner never reads half a
 * file). The runner watches the directory (inotify through fs.watch, no polling) and marks the
 * instance ready when the file names the pid running now. Commands that do not speak the
 * protocol are ready as soon as they run.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const READY_FILE = '.drover-ready';
export const READY_ENV = 'DROVER_READY_FILE';

/** Commands known to write DROVER_READY_FILE once ready. */
export function signalsReadiness(command: string): boolean {
  return command === 'punchlinectl';
}

export class ReadinessWatch {
  readonly file: string;
  #watcher: FSWatcher | undefined;
  #onPid: (pid: number) => void;
  #closed = false;

  /** Calls `onPid` with the pid in the ready file whenever it is (re)written. */
  constructor(dir: string, onPid: (pid: number) => void, onError: (err: Error) => void) {
    this.file = join(dir, READY_FILE);
    this.#onPid = onPid;
    try {
      this.#watcher = watch(dir, (_event, name) => {
        if (name === READY_FILE) this.check();
      });
      this.#watcher.on('error', onError);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Whether the directory could be watched (else readiness is never signalled). */
  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  /** Reads the file now (after a new process started: it may have written it already). */
  check(): void {
    void readFile(this.file, 'utf8').then(
      (text) => {
        const pid = Number(text.trim());
        if (!this.#closed && Number.isInteger(pid) && pid > 0) this.#onPid(pid);
      },
      () => {},
    );
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
  }
}
