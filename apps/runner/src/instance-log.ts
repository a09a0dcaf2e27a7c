/**
 * An instance's output as pino JSON records (tenant, channel, app, instance, stream), in
 * `<logDir>/<tenant>/<channel>/<app>/<index>/instance.log` with size-based rotation: at most
 * `maxBytes` in all, over the current file and KEEP rotated ones (`instance.log.1` newest).
 * Followers (the logs API with follow=1) get every record as it is written.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { InstanceRef } from '@drover/store';
import { type Logger, pino } from 'pino';

const KEEP = 3;
const FILE = 'instance.log';

export type Follower = (record: string) => void;

export class InstanceLog {
  readonly dir: string;
  readonly #perFile: number;
  #fd: number;
  #size: number;
  #followers = new Set<Follower>();
  readonly logger: Logger;

  constructor(logDir: string, ref: InstanceRef, maxBytes: number) {
    this.dir = join(logDir, ref.tenant, ref.channel, ref.app, String(ref.index));
    mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    this.#perFile = Math.max(4096, Math.floor(maxBytes / (KEEP + 1)));
    this.#fd = openSync(join(this.dir, FILE), 'a', 0o640);
    this.#size = statSync(join(this.dir, FILE)).size;
    this.logger = pino(
      { base: { tenant: ref.tenant, channel: ref.channel, app: ref.app, instance: ref.index } },
      { write: (record: string) => this.#write(record) },
    );
  }

  /** A line of the child's output: stdout at info, stderr at warn. */
  line(stream: 'stdout' | 'stderr', text: string): void {
    if (stream === 'stdout') this.logger.info({ stream }, text);
    else this.logger.warn({ stream }, text);
  }

  follow(follower: Follower): () => void {
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }

  /** The last `n` records, oldest first, across rotated files. */
  tail(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i <= KEEP && out.length < n; i++) {
      const file = join(this.dir, i === 0 ? FILE : `${FILE}.${i}`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        break;
      }
      const lines = text.split('\n').filter((l) => l !== '');
      out.unshift(...lines.slice(Math.max(0, lines.length - (n - out.length))));
    }
    return out;
  }

  close(): void {
    this.#followers.clear();
    closeSync(this.#fd);
  }

  /** Closes and deletes the files (the instance left this runner). */
  remove(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #write(record: string): void {
    const bytes = Buffer.byteLength(record);
    if (this.#size > 0 && this.#size + bytes > this.#perFile) this.#rotate();
    writeSync(this.#fd, record);
    this.#size += bytes;
    for (const follower of this.#followers) follower(record);
  }

  #rotate(): void {
    closeSync(this.#fd);
    rmSync(join(this.dir, `${FILE}.${KEEP}`), { force: true });
    for (let i = KEEP - 1; i >= 1; i--) {
      try {
        renameSync(join(this.dir, `${FILE}.${i}`), join(this.dir, `${FILE}.${i + 1}`));
      } catch {
        // not there yet
      }
    }
    renameSync(join(this.dir, FILE), join(this.dir, `${FILE}.1`));
    this.#fd = openSync(join(this.dir, FILE), 'a', 0o640);
    this.#size = 0;
  }
}
