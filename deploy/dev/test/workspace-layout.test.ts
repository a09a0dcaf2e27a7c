/**
 * The repository's layout as the design card asks for it, and the TypeScript solution file in step
 * with the workspaces (deploy/tsconfig-references.mjs).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.js';

const execFileAsync = promisify(execFile);
const root = repoRoot();
const script = join(root, 'deploy', 'tsconfig-references.mjs');

async function check(repo: string): Promise<{ code: number; stderr: string }> {
  try {
    await execFileAsync(process.execPath, [script, '--check', '--root', repo]);
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('the workspace layout', () => {
  it('has the top level the design card asks for', async () => {
    for (const entry of [
      'package.json',
      'tsconfig.json',
      'apps',
      'libs',
      'deploy',
      'channels',
      'test',
      'nx.json',
    ]) {
      await expect(stat(join(root, entry)), entry).resolves.toBeDefined();
    }
  });

  it('references every package from the root tsconfig.json and each package its @drover dependencies', async () => {
    expect(await check(root)).toEqual({ code: 0, stderr: '' });
    const solution = JSON.parse(await readFile(join(root, 'tsconfig.json'), 'utf8')) as {
      files: unknown[];
      references: { path: string }[];
    };
    expect(solution.files).toEqual([]);
    expect(solution.references.map((r) => r.path)).toContain('libs/pipeline/tsconfig.lib.json');
    expect(solution.references.map((r) => r.path)).toContain('apps/controller/tsconfig.lib.json');
  });

  it('names the package whose references fell out of step with its package.json', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'drover-layout-'));
    try {
      await cp(join(root, 'package.json'), join(copy, 'package.json'));
      await cp(join(root, 'tsconfig.json'), join(copy, 'tsconfig.json'));
      for (const dir of ['libs', 'apps']) {
        await cp(join(root, dir), join(copy, dir), {
          recursive: true,
          filter: (src) => !/\/(node_modules|dist|src|test)(\/|$)/.test(src),
        });
      }
      await cp(join(root, 'deploy/dev/package.json'), join(copy, 'deploy/dev/package.json'));
      await cp(join(root, 'deploy/dev/tsconfig.lib.json'), join(copy, 'deploy/dev/tsconfig.lib.json'));
      expect((await check(copy)).code).toBe(0);
      const lib = join(copy, 'libs/syslog/tsconfig.lib.json');
      const config = JSON.parse(await readFile(lib, 'utf8')) as { references: unknown[] };
      await writeFile(lib, JSON.stringify({ ...config, references: [] }));
      const stale = await check(copy);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain('libs/syslog/tsconfig.lib.json: project references out of step');
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
