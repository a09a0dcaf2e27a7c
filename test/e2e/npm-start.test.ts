/**
 * `npm start` driven like a person at a terminal: in a pseudo-terminal (util-linux `script`), wait
 * for the live summary, read it (both Lumberjack receivers running on their own hosts, events moving
 * into the receivers' topic), press Ctrl-C, and check every process it started is gone.
 *
 * The services the suite's globalSetup started are reused (npm start only starts what is missing,
 * and stops only what it started); the demo itself lives under its own etcd prefix.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { demoLayout, demoPaths, isPortFree, repoRoot } from '@drover/dev-services';
import { afterAll, describe, expect, it } from 'vitest';

const root = repoRoot();
const paths = demoPaths(process.env.DROVER_DEV_STATE_DIR || join(root, '.drover-dev'));

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The last full frame of the summary (each starts with a clear-screen). */
function lastFrame(output: string): string {
  const frames = output.split('\x1b[H\x1b[2J');
  const complete = frames.filter((f) => f.includes('Ctrl-C stops everything'));
  return (complete.at(-1) ?? '').replace(ANSI, '');
}

/** Running (a zombie waiting for its parent to reap it has exited), with what it runs, or undefined. */
async function running(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (stat === '' || state === 'Z' || state === 'X') return undefined;
  const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return `${cmd.split('\0').join(' ')} (state ${state})`;
}

async function recordedPids(): Promise<number[]> {
  const files = (await readdir(paths.dir).catch(() => [] as string[])).filter((f) => f.endsWith('.pid'));
  const pids = await Promise.all(
    files.map(async (f) => Number((await readFile(join(paths.dir, f), 'utf8')).trim())),
  );
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}

/** Processes whose working directory is inside the demo's runner work directories (its pipelines). */
async function processesInWorkdirs(): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd.startsWith(`${paths.dir}/work-`)) out.push(Number(entry));
  }
  return out;
}

describe('npm start', () => {
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (child?.exitCode === null) {
      child.stdin?.write('\x03');
      await new Promise((r) => child?.once('exit', r));
    }
  });

  it('shows the HA pair moving events in a live summary, and Ctrl-C stops everything it started', async () => {
    // The documented ports, or shifted where someone else's demo holds them (a shared machine).
    let offset = 0;
    for (; offset <= 20_000; offset += 1_000) {
      const free = await Promise.all(demoLayout(offset).ports.map((p) => isPortFree(p)));
      if (free.every(Boolean)) break;
    }
    const layout = demoLayout(offset);
    child = spawn('script', ['-qfec', 'npm start', '/dev/null'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, COLUMNS: '160', LINES: '60', DROVER_DEMO_PORT_OFFSET: String(offset) },
    });
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });

    // Wait for a frame with both receivers running on their front hosts and events flowing.
    // CHANNEL APPLICATION HOST STATE PID RESTARTS IN/S ACKED IN FLIGHT: running on its host, acknowledging.
    const receiverRow = (frame: string, app: string, host: string) => {
      const line = frame
        .split('\n')
        .find((l) => l.startsWith('reftenant/receiver') && l.includes(` ${app} `));
      const cells = line?.trim().split(/\s{2,}/) ?? [];
      return cells[2] === host && cells[3] === 'running' && Number(cells[7]?.replace(/,/g, '')) > 0;
    };
    const topicRate = (frame: string) => {
      const m = /reftenant-receiver-linux-os\s+([\d,]+)\s+([\d,]+)/.exec(frame);
      return m === null ? 0 : Number(m[1]?.replace(/,/g, ''));
    };
    let frame = '';
    const deadline = Date.now() + 300_000;
    let pidsWhileRunning: number[] = [];
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`npm start exited early:\n${output.replace(ANSI, '').slice(-3000)}`);
      frame = lastFrame(output);
      if (
        receiverRow(frame, 'central_receiver1', 'front1') &&
        receiverRow(frame, 'central_receiver2', 'front2') &&
        topicRate(frame) > 0
      ) {
        pidsWhileRunning = await recordedPids();
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(frame, output.replace(ANSI, '').slice(-3000)).toMatch(/central_receiver1\s+front1\s+running/);
    expect(frame).toMatch(/central_receiver2\s+front2\s+running/);
    expect(topicRate(frame)).toBeGreaterThan(0);
    expect(frame).toMatch(/controllers: controller-[ab] (leader|standby), controller-[ab] (leader|standby)/);
    expect(frame).toContain(`console: ${layout.primaryApi}/`);
    // Two controllers, four runners, rsyslogd and the logger loop.
    expect(pidsWhileRunning.length).toBeGreaterThanOrEqual(8);
    const pipelines = await processesInWorkdirs();
    expect(pipelines.length).toBeGreaterThanOrEqual(6);

    child.stdin?.write('\x03');
    await exited;
    const text = output.replace(ANSI, '');
    expect(text).toContain('everything npm start started is stopped');
    for (const pid of [...pidsWhileRunning, ...pipelines])
      expect(await running(pid), `pid ${pid}`).toBeUndefined();
    expect(await processesInWorkdirs()).toEqual([]);
  }, 420_000);
});
