/**
 * `file_input`: the lines of a text file as events, read once or followed as it grows (`follow`,
 * like `tail -F`: a truncated file, or a new file under the same name, is read from its start
 * once everything read from the old one is confirmed). Each line is a tracked event; the byte
 * offset up to which every line is confirmed is saved in the offset file (at most every second,
 * and on stop), so a restart resumes after it: lines in flight at a crash come again
 * (at-least-once). A failed line is emitted again before any new one.
 */
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { FileInputSettings } from '@drover/channel-model';
import { sleep } from '@drover/timers';
import type { Fields, InputContext, InputNode } from '../types.js';
import { ConfirmedPrefix, type Slot } from './confirmed-prefix.js';
import { Pace } from './pace.js';

const CHUNK = 64 * 1024;
const SAVE_EVERY_MS = 1000;

interface Saved {
  readonly ino: number;
  readonly offset: number;
}

export class FileInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: FileInputSettings;
  readonly #stream: string;
  readonly #file: string;
  readonly #offsetFile: string;
  readonly #retry: { fields: Fields; slot: Slot }[] = [];
  readonly stats = { lines: 0, cut: 0, reopened: 0 };
  #prefix = new ConfirmedPrefix(0);
  #ino = -1;
  #saved: Saved | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #ctx: InputContext | undefined;

  /** `file` and `offsetFile` are absolute (resolved against the channel directory by the builder). */
  constructor(settings: FileInputSettings, stream: string, paths: { file: string; offsetFile: string }) {
    this.#settings = settings;
    this.#stream = stream;
    this.#file = paths.file;
    this.#offsetFile = paths.offsetFile;
  }

  async start(ctx: InputContext): Promise<void> {
    this.#ctx = ctx;
    this.#saved = await readSaved(this.#offsetFile);
    this.#saveTimer = setInterval(() => void this.#save(ctx), SAVE_EVERY_MS);
    this.#loop = this.#run(ctx).catch((err: unknown) =>
      ctx.logger.error({ err, file: this.#file }, 'file_input stopped on an unexpected error'),
    );
  }

  async #run(ctx: InputContext): Promise<void> {
    const s = this.#settings;
    const pace = new Pace(s.rate);
    for (;;) {
      const handle = await this.#openFile(ctx);
      if (handle === undefined) return;
      const { fh, ino, start } = handle;
      this.#ino = ino;
      this.#prefix = new ConfirmedPrefix(start);
      ctx.logger.info({ file: this.#file, offset: start, follow: s.follow }, 'file_input reading');
      let position = start;
      let partial: Buffer[] = [];
      let partialBytes = 0;
      let skipping = false;
      const buf = Buffer.allocUnsafe(CHUNK);
      try {
        for (;;) {
          await this.#flushRetries(ctx, pace);
          if (this.#stopped) return;
          const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
          if (bytesRead === 0) {
            if (!s.follow) {
              if (partialBytes > 0 && !skipping)
                await this.#emitLine(ctx, pace, Buffer.concat(partial), position);
              await this.#settle(ctx);
              await this.#save(ctx);
              ctx.logger.info({ file: this.#file, lines: this.stats.lines }, 'file_input: end of file');
              return;
            }
            const next = await this.#waitForMore(position, ino);
            if (next === 'stopped') return;
            if (next === 'more') continue;
            // Replaced or truncated: finish what is in flight, then start over on the new file.
            await this.#settle(ctx);
            await this.#save(ctx);
            this.stats.reopened++;
            ctx.logger.info({ file: this.#file, reason: next }, 'file_input: file rotated, reading it again');
            this.#saved = undefined;
            break;
          }
          let from = 0;
          for (let nl = buf.indexOf(10, 0); nl !== -1 && nl < bytesRead; nl = buf.indexOf(10, from)) {
            const end = position + nl + 1;
            if (skipping) skipping = false;
            else {
              partial.push(Buffer.from(buf.subarray(from, nl)));
              await this.#emitLine(ctx, pace, Buffer.concat(partial), end);
            }
            partial = [];
            partialBytes = 0;
            from = nl + 1;
            if (this.#stopped) return;
          }
          if (from < bytesRead && !skipping) {
            partial.push(Buffer.from(buf.subarray(from, bytesRead)));
            partialBytes += bytesRead - from;
            if (partialBytes > s.max_line_bytes) {
              // Emit what fits, drop the rest of the line: memory stays bounded by max_line_bytes.
              await this.#emitLine(ctx, pace, Buffer.concat(partial), position + bytesRead);
              partial = [];
              partialBytes = 0;
              skipping = true;
            }
          }
          position += bytesRead;
        }
      } finally {
        await fh.close();
      }
    }
  }

  /** Opens the file at the saved offset when it is the same file, else at 0; waits for it when following. */
  async #openFile(ctx: InputContext) {
    for (;;) {
      if (this.#stopped) return undefined;
      try {
        const fh = await open(this.#file, 'r');
        // Closed here if stat fails: a handle left to the collector is a warning on Node 24, an
        // error on Node 26.
        const st = await fh.stat().catch(async (err: unknown) => {
          await fh.close();
          throw err;
        });
        const saved = this.#saved;
        const start =
          saved !== undefined && saved.ino === st.ino && saved.offset <= st.size ? saved.offset : 0;
        return { fh, ino: st.ino, start };
      } catch (err) {
        if (!this.#settings.follow) {
          ctx.logger.error(
            { file: this.#file, err: (err as Error).message },
            'file_input cannot read its file',
          );
          return undefined;
        }
        if (await this.#pause(this.#settings.poll_interval_ms)) return undefined;
      }
    }
  }

  /** After end of file while following: more data, a replaced or truncated file, or stop. */
  async #waitForMore(position: number, ino: number): Promise<'more' | 'replaced' | 'truncated' | 'stopped'> {
    for (;;) {
      if (await this.#pause(this.#settings.poll_interval_ms)) return 'stopped';
      if (this.#retry.length > 0) return 'more';
      const st = await stat(this.#file).catch(() => undefined);
      if (st === undefined) continue; // moved away, the new one not there yet
      if (st.ino !== ino) return 'replaced';
      if (st.size < position) return 'truncated';
      if (st.size > position) return 'more';
    }
  }

  async #emitLine(ctx: InputContext, pace: Pace, line: Buffer, end: number): Promise<void> {
    await this.#flushRetries(ctx, pace);
    const max = this.#settings.max_line_bytes;
    if (line.length > max) {
      this.stats.cut++;
      ctx.logger.warn({ file: this.#file, offset: end, max_line_bytes: max }, 'file_input: line cut');
      line = line.subarray(0, max);
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
    this.#send(ctx, { ...this.#settings.fields, [this.#settings.field]: text }, slot);
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

  /** Until every line read is confirmed (failed ones emitted again), or stop. */
  async #settle(ctx: InputContext): Promise<void> {
    const pace = new Pace(this.#settings.rate);
    while (!this.#stopped && (this.#prefix.open > 0 || this.#retry.length > 0)) {
      await this.#flushRetries(ctx, pace);
      if (this.#prefix.open === 0) break;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Resolves true when stopped during the pause. */
  async #pause(ms: number): Promise<boolean> {
    await Promise.race([
      sleep(ms),
      new Promise<void>((resolve) => {
        this.#wake = resolve;
      }),
    ]);
    return this.#stopped;
  }

  async #save(ctx: InputContext): Promise<void> {
    if (this.#ino === -1) return;
    const next: Saved = { ino: this.#ino, offset: this.#prefix.confirmed };
    if (this.#saved?.ino === next.ino && this.#saved.offset === next.offset) return;
    try {
      const tmp = `${this.#offsetFile}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ file: this.#file, ...next })}\n`);
      await rename(tmp, this.#offsetFile);
      this.#saved = next;
    } catch (err) {
      ctx.logger.warn({ file: this.#offsetFile, err: (err as Error).message }, 'cannot save the file offset');
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    if (this.#saveTimer !== undefined) clearInterval(this.#saveTimer);
  }

  /** Saves the offset confirmed by the drain. */
  async drained(): Promise<void> {
    await this.#loop;
    if (this.#ctx !== undefined) await this.#save(this.#ctx);
  }
}

async function readSaved(path: string): Promise<Saved | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Saved>;
    if (typeof parsed.ino === 'number' && typeof parsed.offset === 'number' && parsed.offset >= 0)
      return { ino: parsed.ino, offset: parsed.offset };
  } catch {
    // none yet, or unreadable: start at the beginning
  }
  return undefined;
}
