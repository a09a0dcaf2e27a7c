/**
 * The Beats sender (test/support/beats-sender, Go): Elastic's own Lumberjack client as Filebeat
 * uses it, built once with the machine's Go (modules from the Go module proxy) into the dev cache,
 * keyed by the hash of its sources, and run as a child process.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '@drover/dev-services';
import { repoRoot } from './cluster.js';

const run = promisify(execFile);

const source = join(repoRoot, 'test', 'support', 'beats-sender');

/** Builds the sender when its sources changed; returns the binary's path. */
export async function beatsSender(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(source, file)));
  const dir = join(cacheDir(), 'bin');
  const binary = join(dir, `beats-sender-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  try {
    await run('go', ['build', '-o', `${binary}.tmp`, '.'], {
      cwd: source,
      env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' },
    });
    await run('mv', [`${binary}.tmp`, binary]);
  } catch (err) {
    throw new Error(
      `could not build the Beats sender with Go (is go on the PATH?): ${(err as Error).message}`,
    );
  }
  return binary;
}

export interface BeatsSendResult {
  readonly events: number;
  readonly windows: number;
  readonly retries: number;
  readonly resent: number;
  readonly elapsed_ms: number;
}

/** Sends `events` (as NDJSON through `file`) to host:port; resolves once every one is acknowledged. */
export async function sendAsBeats(
  events: readonly object[],
  options: {
    readonly port: number;
    readonly file: string;
    readonly window?: number;
    readonly deadlineS?: number;
  },
): Promise<BeatsSendResult> {
  writeFileSync(options.file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const { stdout } = await run(await beatsSender(), [
    '-addr',
    `127.0.0.1:${options.port}`,
    '-file',
    options.file,
    '-window',
    String(options.window ?? 2048),
    '-deadline',
    `${options.deadlineS ?? 120}s`,
  ]);
  return JSON.parse(stdout) as BeatsSendResult;
}
