/**
 * The shipped systemd units (deploy/systemd), checked by `systemd-analyze verify` as they would be
 * installed: in a scratch root with /etc/systemd/system holding them, the distribution's own units
 * beside them, and the paths they start (/opt/drover/node_modules/.bin/node) in place. verify exits
 * 0 on unknown keys, so any line it prints about a drover unit counts as a failure too.
 */
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.js';
import { ensureSystemdAnalyze } from '../src/prereq.js';

const execFileAsync = promisify(execFile);
const unitsDir = join(repoRoot(), 'deploy', 'systemd');
let analyze: string;
let root: string;

beforeAll(async () => {
  analyze = await ensureSystemdAnalyze();
  root = await mkdtemp(join(tmpdir(), 'drover-units-'));
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  await mkdir(join(root, 'usr/lib/systemd'), { recursive: true });
  await cp('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  const node = join(root, 'opt/drover/node_modules/.bin/node');
  await mkdir(join(node, '..'), { recursive: true });
  await writeFile(node, '#!/bin/sh\n');
  await chmod(node, 0o755);
}, 600_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function verify(files: Record<string, string>): Promise<{ code: number; output: string }> {
  for (const [name, text] of Object.entries(files))
    await writeFile(join(root, 'etc/systemd/system', name), text);
  try {
    const { stdout, stderr } = await execFileAsync(analyze, [
      'verify',
      `--root=${root}`,
      ...Object.keys(files),
    ]);
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

const droverLines = (output: string) => output.split('\n').filter((l) => /drover-[a-z]+\.service/.test(l));

describe('the systemd units', () => {
  it('pass systemd-analyze verify without a word about them', async () => {
    const names = (await readdir(unitsDir)).filter((f) => f.endsWith('.service'));
    expect(names.sort()).toEqual(['drover-controller.service', 'drover-runner.service']);
    const files = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await readFile(join(unitsDir, n), 'utf8')])),
    );
    const result = await verify(files);
    expect(droverLines(result.output), result.output).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('would catch a misspelt setting (the check can fail)', async () => {
    const runner = await readFile(join(unitsDir, 'drover-runner.service'), 'utf8');
    const result = await verify({
      'drover-runner.service': runner.replace('TimeoutStopSec=', 'TimeoutStopSecs='),
    });
    expect(droverLines(result.output).join('\n')).toMatch(/Unknown key 'TimeoutStopSecs'/);
  });
});
