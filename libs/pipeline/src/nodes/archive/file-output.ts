/**
 * `file_output`: events appended to archive files named by a pattern (file-name.ts).
 *
 * Durability: events wait for their file's next flush (`flush_ms` or `flush_bytes`); a flush
 * appends them (as one gzip member when compressed, gzip-members.ts), fdatasyncs the file, and
 * only then confirms them. A file is written as `<name>.inprogress` and renamed to `<name>` (and
 * its directory fsynced) once it is finished: rotated by `max_bytes` or `max_age`, closed to stay
 * under `max_open_files`, or at stop. So a name without `.inprogress` is always a complete file.
 *
 * Crash recovery: the files in progress are listed in `state_file`. After a crash (SIGKILL), the
 * next start trims each listed file back to its last whole line or gzip member (what a flush
 * wrote whole; a torn tail was never confirmed, so its events come again) and renames it
 * complete. Every confirmed event is therefore in a complete file; events written but not yet
 * confirmed at the crash may be archived twice (at-least-once).
 */
import { type FileHandle, mkdir, open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FileOutputSettings } from '@drover/channel-model';
import { setLongInterval, setLongTimeout, type Timer } from '@drover/timers';
import type { Delivery, Fields, NodeLogger, OutputNode } from '../../types.js';
import { fieldAt } from '../processing.js';
import { bucketPath, eventTime, fileId } from './file-name.js';
import { gzipMember, wholeMembersLength } from './gzip-members.js';

export const IN_PROGRESS = '.inprogress';

interface OpenFile {
  /** The complete file's name; it is written as `<path>.inprogress`. */
  readonly path: string;
  readonly bucket: string;
  readonly openedAt: number;
  fh: FileHandle | undefined;
  bytes: number;
  lastWrite: number;
  lines: Buffer[];
  lineBytes: number;
  dones: ((err?: Error) => void)[];
  timer: Timer | undefined;
  /** Flushes and the finish run one after the other. */
  chain: Promise<void>;
  finishing: boolean;
}

export class FileOutput implements OutputNode {
  readonly kind = 'output' as const;
  readonly #s: FileOutputSettings;
  readonly #logger: NodeLogger;
  readonly #pattern: string;
  readonly #stateFile: string;
  readonly #writer: string;
  readonly #gzip: boolean;
  readonly #files = new Map<string, OpenFile>();
  readonly #inProgress = new Set<string>();
  #journal: Promise<void> = Promise.resolve();
  readonly #ready: Promise<void>;
  readonly #rotator: Timer;
  #n = 0;
  readonly stats = { files: 0, flushes: 0, recovered: 0, trimmedBytes: 0 };

  /** `pattern` and `stateFile` are absolute (resolved against the channel directory by the builder). */
  constructor(
    settings: FileOutputSettings,
    logger: NodeLogger,
    paths: { pattern: string; stateFile: string; writer: string },
  ) {
    this.#s = settings;
    this.#logger = logger;
    this.#pattern = paths.pattern;
    this.#stateFile = paths.stateFile;
    this.#writer = paths.writer;
    this.#gzip = settings.gzip ?? paths.pattern.endsWith('.gz');
    this.#ready = this.#recover();
    const every = Math.max(50, Math.min(1000, Math.floor(settings.max_age / 4)));
    this.#rotator = setLongInterval(() => this.#rotateAged(), every).unref();
  }

  write(event: Delivery, done: (err?: Error) => void): void {
    let line: Buffer;
    try {
      line = this.#encode(event.fields);
    } catch (err) {
      done(err as Error);
      return;
    }
    const time =
      eventTime(fieldAt(event.fields, this.#s.time_field)) ??
      eventTime(event.fields._ppf_timestamp) ??
      new Date();
    const bucket = bucketPath(this.#pattern, (p) => fieldAt(event.fields, p), time);
    let file = this.#files.get(bucket);
    if (file === undefined || file.finishing) {
      file = this.#open(bucket);
    }
    file.lines.push(line);
    file.lineBytes += line.length;
    file.dones.push(done);
    if (file.lineBytes >= this.#s.flush_bytes) this.#flush(file);
    else file.timer ??= setLongTimeout(() => this.#flush(file), this.#s.flush_ms);
  }

  #encode(fields: Readonly<Fields>): Buffer {
    if (this.#s.format === 'json') return Buffer.from(`${JSON.stringify(fields)}\n`);
    const v = fieldAt(fields, this.#s.raw_field as string);
    if (v === undefined) throw new Error(`format raw: the event has no field "${this.#s.raw_field}"`);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    // One event, one line: line breaks inside a raw value are written as \n and \r.
    return Buffer.from(`${text.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}\n`);
  }

  #open(bucket: string): OpenFile {
    const now = Date.now();
    const path = bucket.replace('{_file_id}', fileId(this.#writer, new Date(now), this.#n++));
    const file: OpenFile = {
      path,
      bucket,
      openedAt: now,
      fh: undefined,
      bytes: 0,
      lastWrite: now,
      lines: [],
      lineBytes: 0,
      dones: [],
      timer: undefined,
      chain: this.#ready,
      finishing: false,
    };
    this.#files.set(bucket, file);
    if (this.#files.size > this.#s.max_open_files) {
      // Finish the file written least recently (never the new one).
      let oldest: OpenFile | undefined;
      for (const f of this.#files.values())
        if (f !== file && (oldest === undefined || f.lastWrite < oldest.lastWrite)) oldest = f;
      if (oldest !== undefined) this.#finish(oldest);
    }
    return file;
  }

  #flush(file: OpenFile): void {
    file.timer?.clear();
    file.timer = undefined;
    if (file.lines.length === 0) return;
    const lines = file.lines;
    const dones = file.dones;
    file.lines = [];
    file.lineBytes = 0;
    file.dones = [];
    file.lastWrite = Date.now();
    file.chain = file.chain.then(async () => {
      const before = file.bytes;
      try {
        if (file.fh === undefined) {
          const tmp = file.path + IN_PROGRESS;
          await mkdir(dirname(tmp), { recursive: true });
          await this.#track(tmp, true);
          file.fh = await open(tmp, 'a');
          this.stats.files++;
        }
        const data = Buffer.concat(lines);
        const chunk = this.#gzip ? gzipMember(data, this.#s.compression_level) : data;
        await file.fh.write(chunk);
        await file.fh.datasync();
        file.bytes += chunk.length;
        this.stats.flushes++;
        for (const done of dones) done();
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.#logger.warn(
          { file: file.path, events: dones.length, err: error.message },
          'archive write failed: its events fail back',
        );
        // Cut back what may have been half written, so the file stays whole lines or members.
        if (file.fh !== undefined) await file.fh.truncate(before).catch(() => undefined); // best effort: recovery trims too
        for (const done of dones) done(error);
      }
      if (file.bytes >= this.#s.max_bytes) this.#finish(file);
    });
  }

  /** Flushes what waits, then closes the file and renames it complete. */
  #finish(file: OpenFile): Promise<void> {
    if (file.finishing) return file.chain;
    file.finishing = true;
    if (this.#files.get(file.bucket) === file) this.#files.delete(file.bucket);
    this.#flush(file);
    file.chain = file.chain.then(async () => {
      if (file.fh === undefined) return;
      const tmp = file.path + IN_PROGRESS;
      try {
        await file.fh.close();
        await rename(tmp, file.path);
        await syncDir(dirname(file.path));
        await this.#track(tmp, false);
      } catch (err) {
        this.#logger.error(
          { file: tmp, err: (err as Error).message },
          'archive file could not be finished: the next start recovers it',
        );
      }
    });
    return file.chain;
  }

  #rotateAged(): void {
    const now = Date.now();
    for (const file of [...this.#files.values()]) {
      if (now - file.openedAt >= this.#s.max_age) this.#finish(file);
    }
  }

  /** Adds or removes a file in progress, and saves the list (atomically) before going on. */
  #track(tmp: string, add: boolean): Promise<void> {
    if (add) this.#inProgress.add(tmp);
    else this.#inProgress.delete(tmp);
    const list = [...this.#inProgress];
    this.#journal = this.#journal.then(async () => {
      const next = `${this.#stateFile}.tmp`;
      await mkdir(dirname(this.#stateFile), { recursive: true });
      await writeFile(next, `${JSON.stringify({ writer: this.#writer, in_progress: list })}\n`);
      const fh = await open(next, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(next, this.#stateFile);
    });
    return this.#journal;
  }

  /** Finishes what a previous run left in progress: trimmed to whole lines or members, then renamed complete. */
  async #recover(): Promise<void> {
    let listed: string[] = [];
    try {
      const saved = JSON.parse(await readFile(this.#stateFile, 'utf8')) as { in_progress?: unknown };
      if (Array.isArray(saved.in_progress))
        listed = saved.in_progress.filter((p): p is string => typeof p === 'string');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#logger.error(
          { file: this.#stateFile, err: (err as Error).message },
          'archive state unreadable: files in progress are not recovered',
        );
      }
    }
    for (const tmp of listed) {
      try {
        const size = (await stat(tmp)).size;
        const content = await readFile(tmp);
        const whole =
          this.#gzip || tmp.endsWith(`.gz${IN_PROGRESS}`)
            ? wholeMembersLength(content)
            : content.lastIndexOf(10) + 1;
        if (whole < size) await truncate(tmp, whole);
        const done = tmp.slice(0, -IN_PROGRESS.length);
        await rename(tmp, done);
        await syncDir(dirname(done));
        this.stats.recovered++;
        this.stats.trimmedBytes += size - whole;
        this.#logger.info(
          { file: done, trimmed_bytes: size - whole },
          'archive file of a previous run recovered',
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.#logger.error(
            { file: tmp, err: (err as Error).message },
            'archive file of a previous run could not be recovered',
          );
          this.#inProgress.add(tmp); // kept listed: tried again at the next start
        }
      }
    }
    await this.#track('', false);
  }

  async close(): Promise<void> {
    this.#rotator.clear();
    await this.#ready;
    await Promise.all([...this.#files.values()].map((f) => this.#finish(f)));
    await this.#journal;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Where the builder resolves the pattern and state file. */
export function archivePaths(
  baseDir: string,
  settings: FileOutputSettings,
  component: string,
  writer: string,
) {
  return {
    pattern: resolve(baseDir, settings.path),
    stateFile: resolve(baseDir, settings.state_file ?? `${component}.files.json`),
    writer,
  };
}
