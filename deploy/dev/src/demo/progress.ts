/**
 * What `npm start` shows while it brings things up: numbered steps (`[3/11] kafka`), each with what
 * is happening now (the last line its tools wrote, the megabytes fetched from Maven Central so far)
 * and how long it has taken. On a terminal the current step's line is redrawn in place every second;
 * elsewhere (a log, CI) each step prints when it starts and when it ends, and its details at most
 * every five seconds.
 */
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface Step {
  /** What is happening now, shown after the step's label. */
  detail(text: string): void;
  done(note?: string): void;
  fail(reason: string): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export class Progress {
  readonly #out: ProgressStream;
  readonly #total: number;
  readonly #now: () => number;
  #index = 0;
  #current: { label: string; detail: string; started: number; printedDetailAt: number } | undefined;
  #ticker: NodeJS.Timeout | undefined;

  constructor(out: ProgressStream, total: number, now: () => number = Date.now) {
    this.#out = out;
    this.#total = total;
    this.#now = now;
  }

  get #tty(): boolean {
    return this.#out.isTTY === true;
  }

  step(label: string): Step {
    this.#index++;
    const started = this.#now();
    this.#current = { label, detail: '', started, printedDetailAt: started };
    const prefix = `[${this.#index}/${this.#total}] ${label}`;
    if (this.#tty) {
      this.#draw();
      this.#ticker ??= setInterval(() => this.#draw(), 1_000);
      this.#ticker.unref();
    } else {
      this.#out.write(`${prefix} ...\n`);
    }
    const finish = (text: string) => {
      this.#current = undefined;
      if (this.#ticker !== undefined) {
        clearInterval(this.#ticker);
        this.#ticker = undefined;
      }
      this.#out.write(
        `${this.#tty ? '\r\x1b[2K' : ''}${prefix}: ${text} (${seconds(this.#now() - started)})\n`,
      );
    };
    return {
      detail: (text) => {
        const cur = this.#current;
        if (cur === undefined || cur.label !== label) return;
        cur.detail = text.replace(/\s+/g, ' ').trim();
        if (this.#tty) this.#draw();
        else if (this.#now() - cur.printedDetailAt >= 5_000) {
          cur.printedDetailAt = this.#now();
          this.#out.write(`${prefix} (${seconds(this.#now() - started)}): ${cur.detail}\n`);
        }
      },
      done: (note) => finish(note ?? 'done'),
      fail: (reason) => finish(`FAILED: ${reason}`),
    };
  }

  /** A line of its own above the progress (a warning, a result). */
  note(text: string): void {
    this.#out.write(`${this.#tty ? '\r\x1b[2K' : ''}${text}\n`);
    if (this.#tty) this.#draw();
  }

  #draw(): void {
    const cur = this.#current;
    if (cur === undefined) return;
    const elapsed = seconds(this.#now() - cur.started);
    let line = `[${this.#index}/${this.#total}] ${cur.label} (${elapsed})${cur.detail === '' ? '' : `: ${cur.detail}`}`;
    const columns = this.#out.columns ?? 0;
    const width = columns >= 40 ? columns : 120;
    if (line.length > width - 1) line = `${line.slice(0, width - 2)}…`;
    this.#out.write(`\r\x1b[2K${line}`);
  }
}

/** Maven's local repository, where the first start downloads the Kafka and OpenSearch jars. */
export function mavenRepository(env: NodeJS.ProcessEnv = process.env): string {
  return env.DROVER_MAVEN_REPO ?? join(homedir(), '.m2', 'repository');
}

/** Bytes under `dir` (`du -sb`), 0 when it does not exist. */
export async function directoryBytes(dir: string): Promise<number> {
  try {
    const { stdout } = await execFileAsync('du', ['-sb', dir]);
    return Number(stdout.split('\t')[0]) || 0;
  } catch {
    return 0;
  }
}

/**
 * While `work` runs, reports every second how much Maven's repository grew, against what a first
 * download takes (`expectedBytes`, measured: the jars in `.drover-dev/cache`), e.g.
 * "Maven Central: 23.4 of about 46 MB". Nothing is shown while nothing is downloaded.
 */
export async function withDownloadProgress<T>(
  step: Step,
  what: string,
  expectedBytes: number,
  work: () => Promise<T>,
): Promise<T> {
  const repo = mavenRepository();
  const start = await directoryBytes(repo);
  const mb = (b: number) => (b / 1e6).toFixed(1);
  const timer = setInterval(() => {
    void directoryBytes(repo).then((now) => {
      const got = now - start;
      if (got > 0)
        step.detail(`downloading ${what} from Maven Central: ${mb(got)} of about ${mb(expectedBytes)} MB`);
    });
  }, 1_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
