/**
 * `harvest_input`: log files uploaded into a directory, each read once (pyloggr's harvest).
 *
 * The directory is polled every `poll_interval_ms` (polling works on every filesystem an upload
 * lands on, NFS and FUSE included, where inotify does not). A file is taken once it is complete
 * (`complete_when`: unchanged for `stable_ms`, a marker file next to it, or simply present when
 * uploads are renamed into place); names matching `ignore` are never taken. Files are read one at
 * a time, oldest first, line by line; each line is a tracked event whose `_ppf_id` is
 * `<file key>-<line offset>` (the key hashes the name, size and mtime), so a line read again after
 * a crash is the same event. The confirmed offset is saved in `state_file` (every second and when
 * the file is done); a restart resumes the same file there. Once every line of a file is
 * confirmed, the file goes to `done_directory` (or is deleted) and the state forgets it.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { HarvestInputSettings } from '@drover/channel-model';
import { sleep } from '@drover/timers';
import type { Fields, InputContext, InputNode } from '../types.js';
import { ConfirmedPrefix, type Slot } from './confirmed-prefix.js';
import { Pace } from './pace.js';

const CHUNK = 64 * 1024;
const SAVE_EVERY_MS = 1000;

/** The file being read, as saved. */
interface Current {
  readonly name: string;
  readonly ino: number;
  readonly size: number;
  readonly key: string;
  offset: number;
}

/** `*` matches any run of characters; the rest is literal. */
export function globMatcher(globs: readonly string[]): (name: string) => boolean {
  const res = globs.map(
    (g) =>
      new RegExp(
        `^${g
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (name) => res.some((re) => re.test(name));
}

export class HarvestInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #s: HarvestInputSettings;
  readonly #stream: string;
  readonly #dir: string;
  readonly #doneDir: string;
  readonly #stateFile: string;
  readonly #ignored: (name: string) => boolean;
  /** name -> what it looked like when first seen unchanged (for `stable`). */
  readonly #seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  readonly #retry: { fields: Fields; slot: Slot }[] = [];
  readonly stats = { files: 0, lines: 0, cut: 0 };
  #current: Current | undefined;
  #prefix = new ConfirmedPrefix(0);
  #savedOffset = -1;
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #saver: NodeJS.Timeout | undefined;
  #stateWrites: Promise<void> = Promise.resolve();

  /** Paths are absolute (resolved against the channel directory by the builder). */
  constructor(
    settings: HarvestInputSettings,
    stream: string,
    paths: { dir: string; doneDir: string; stateFile: string },
  ) {
    this.#s = settings;
    this.#stream = stream;
    this.#dir = paths.dir;
    this.#doneDir = paths.doneDir;
    this.#stateFile = paths.stateFile;
    this.#ignored = globMatcher(settings.ignore);
  }

  async start(ctx: InputContext): Promise<void> {
    this.#current = await readState(this.#stateFile);
    await mkdir(this.#dir, { recursive: true });
    this.#saver = setInterval(() => void this.#save(ctx), SAVE_EVERY_MS);
    this.#loop = this.#run(ctx).catch((err: unknown) =>
      ctx.logger.error({ err, dir: this.#dir }, 'harvest_input stopped on an unexpected error'),
    );
    ctx.logger.info(
      { dir: this.#dir, complete_when: this.#s.complete_when, resuming: this.#current?.name },
      'harvest_input watching',
    );
  }

  async #run(ctx: InputContext): Promise<void> {
    while (!this.#stopped) {
      const current = this.#current ?? (await this.#next());
      if (current === undefined) {
        await this.#pause(this.#s.poll_interval_ms);
        continue;
      }
      this.#current = current;
      const finished = await this.#read(ctx, current);
      if (!finished) return; // stopped
      await this.#retire(ctx, current);
    }
  }

  /** The oldest complete file, or undefined. */
  async #next(): Promise<Current | undefined> {
    const s = this.#s;
    const names = await listFiles(this.#dir, this.#doneDir);
    const present = new Set(names);
    const candidates: { name: string; ino: number; size: number; mtimeMs: number }[] = [];
    const now = Date.now();
    for (const name of names) {
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (this.#ignored(base)) continue;
      if (s.complete_when === 'marker' && name.endsWith(s.marker_suffix)) continue;
      const st = await stat(join(this.#dir, name)).catch(() => undefined);
      if (st === undefined) continue; // gone since the listing
      if (s.complete_when === 'marker' && !present.has(name + s.marker_suffix)) continue;
      if (s.complete_when === 'stable') {
        const seen = this.#seen.get(name);
        if (seen === undefined || seen.size !== st.size || seen.mtimeMs !== st.mtimeMs) {
          this.#seen.set(name, { size: st.size, mtimeMs: st.mtimeMs, since: now });
          continue;
        }
        if (now - seen.since < s.stable_ms) continue;
      }
      candidates.push({ name, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
    }
    for (const name of this.#seen.keys()) if (!present.has(name)) this.#seen.delete(name);
    candidates.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    const pick = candidates[0];
    if (pick === undefined) return undefined;
    this.#seen.delete(pick.name);
    const key = createHash('sha256')
      .update(`${pick.name}\u0000${pick.size}\u0000${pick.mtimeMs}`)
      .digest('hex')
      .slice(0, 16);
    return { name: pick.name, ino: pick.ino, size: pick.size, key, offset: 0 };
  }

  /** Reads `file` from its offset to its end; resolves true once every line is confirmed, false when stopped. */
  async #read(ctx: InputContext, file: Current): Promise<boolean> {
    const path = join(this.#dir, file.name);
    const fh = await open(path, 'r').catch(() => undefined);
    if (fh === undefined) {
      ctx.logger.warn({ file: file.name }, 'harvest_input: the file went away before it was read: skipped');
      return true;
    }
    const pace = new Pace(this.#s.rate);
    this.#prefix = new ConfirmedPrefix(file.offset);
    ctx.logger.info({ file: file.name, offset: file.offset, size: file.size }, 'harvest_input reading');
    const max = this.#s.max_line_bytes;
    let position = file.offset;
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let skipping = false;
    const buf = Buffer.allocUnsafe(CHUNK);
    try {
      for (;;) {
        if (this.#stopped) return false;
        const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
        if (bytesRead === 0) break;
        let from = 0;
        for (let nl = buf.indexOf(10, 0); nl !== -1 && nl < bytesRead; nl = buf.indexOf(10, from)) {
          const end = position + nl + 1;
          if (skipping) skipping = false;
          else {
            partial.push(Buffer.from(buf.subarray(from, nl)));
            await this.#line(ctx, pace, file, Buffer.concat(partial), end);
          }
          partial = [];
          partialBytes = 0;
          from = nl + 1;
          if (this.#stopped) return false;
        }
        if (from < bytesRead && !skipping) {
          partial.push(Buffer.from(buf.subarray(from, bytesRead)));
          partialBytes += bytesRead - from;
          if (partialBytes > max) {
            await this.#line(ctx, pace, file, Buffer.concat(partial), position + bytesRead);
            partial = [];
            partialBytes = 0;
            skipping = true;
          }
        }
        position += bytesRead;
      }
      if (partialBytes > 0 && !skipping) await this.#line(ctx, pace, file, Buffer.concat(partial), position);
    } finally {
      await fh.close();
    }
    // Until every line is confirmed (failed ones emitted again).
    while (!this.#stopped && (this.#prefix.open > 0 || this.#retry.length > 0)) {
      await this.#flushRetries(ctx, pace);
      if (this.#prefix.open === 0) break;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    return !this.#stopped;
  }

  async #line(ctx: InputContext, pace: Pace, file: Current, line: Buffer, end: number): Promise<void> {
    await this.#flushRetries(ctx, pace);
    const start = end - line.length - 1;
    if (line.length > this.#s.max_line_bytes) {
      this.stats.cut++;
      ctx.logger.warn(
        { file: file.name, offset: start, max_line_bytes: this.#s.max_line_bytes },
        'harvest_input: line cut',
      );
      line = line.subarray(0, this.#s.max_line_bytes);
    }
    let text = line.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const slot = this.#prefix.add(end);
    this.stats.lines++;
    if (text === '') {
      this.#prefix.done(slot);
      return;
    }
    await ctx.ready();
    await pace.next();
    const fields: Fields = {
      ...this.#s.fields,
      [this.#s.field]: text,
      [this.#s.file_field]: file.name,
      _ppf_id: `${file.key}-${Math.max(0, start).toString(36)}`,
    };
    this.#send(ctx, fields, slot);
  }

  #send(ctx: InputContext, fields: Fields, slot: Slot): void {
    ctx.emit(this.#stream, fields, (outcome) => {
      if (outcome.ok) this.#prefix.done(slot);
      else this.#retry.push({ fields, slot });
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    });
  }

  async #flushRetries(ctx: InputContext, pace: Pace): Promise<void> {
    for (let r = this.#retry.shift(); r !== undefined && !this.#stopped; r = this.#retry.shift()) {
      await ctx.ready();
      await pace.next();
      this.#send(ctx, r.fields, r.slot);
    }
  }

  /** Every line confirmed: the file goes to done/ (or away), its marker too, and the state forgets it. */
  async #retire(ctx: InputContext, file: Current): Promise<void> {
    const path = join(this.#dir, file.name);
    try {
      if (this.#s.on_done === 'delete') await unlink(path);
      else {
        const target = join(this.#doneDir, file.name);
        await mkdir(join(target, '..'), { recursive: true });
        await rename(path, target);
      }
      if (this.#s.complete_when === 'marker')
        await unlink(path + this.#s.marker_suffix).catch(() => undefined); // already gone: fine
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Left in place it would be taken again: stop taking files rather than read it twice.
        ctx.logger.error(
          { file: file.name, err: (err as Error).message },
          'harvest_input cannot move a finished file away: stopping',
        );
        this.#stopped = true;
        return;
      }
    }
    this.stats.files++;
    ctx.logger.info(
      { file: file.name, lines: this.stats.lines, to: this.#s.on_done },
      'harvest_input: file done',
    );
    this.#current = undefined;
    this.#savedOffset = -1;
    await this.#writeState(undefined);
  }

  async #save(ctx: InputContext): Promise<void> {
    const file = this.#current;
    if (file === undefined) return;
    file.offset = this.#prefix.confirmed;
    if (file.offset === this.#savedOffset) return;
    try {
      await this.#writeState(file);
      this.#savedOffset = file.offset;
    } catch (err) {
      ctx.logger.warn(
        { file: this.#stateFile, err: (err as Error).message },
        'cannot save the harvest state',
      );
    }
  }

  /** Saves the state atomically; saves run one after the other (the timer's and a retire's share the temp file). */
  #writeState(current: Current | undefined): Promise<void> {
    const text = `${JSON.stringify({ current: current === undefined ? null : { ...current } })}\n`;
    const write = this.#stateWrites.then(async () => {
      const tmp = `${this.#stateFile}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.#stateFile);
    });
    // The chain goes on after a failed save; the caller still sees the failure.
    this.#stateWrites = write.catch(() => undefined);
    return write;
  }

  async #pause(ms: number): Promise<void> {
    await Promise.race([
      sleep(ms),
      new Promise<void>((resolve) => {
        this.#wake = resolve;
      }),
    ]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    if (this.#saver !== undefined) clearInterval(this.#saver);
  }

  /** Saves the offset the drain confirmed. */
  async drained(): Promise<void> {
    await this.#loop;
    const file = this.#current;
    if (file !== undefined) {
      file.offset = this.#prefix.confirmed;
      await this.#writeState(file);
    }
  }
}

/** Regular files under `dir`, relative names, recursively, leaving out `skip` (the done directory). */
async function listFiles(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (path !== skip && !e.name.startsWith('.')) await walk(path);
      } else if (e.isFile()) out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out;
}

async function readState(path: string): Promise<Current | undefined> {
  try {
    const saved = JSON.parse(await readFile(path, 'utf8')) as { current?: Partial<Current> | null };
    const c = saved.current;
    if (c && typeof c.name === 'string' && typeof c.key === 'string' && typeof c.offset === 'number')
      return { name: c.name, ino: Number(c.ino), size: Number(c.size), key: c.key, offset: c.offset };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return undefined;
}
