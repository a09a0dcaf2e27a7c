/**
 * A pipeline child loads what it runs and nothing of the control plane: no etcd3, no gRPC
 * (issue 15: every punchlinectl used to load them through @drover/platform), no kafkajs (topic
 * administration only), and no output client its pipeline does not have (the OpenSearch client,
 * pg: imported by buildPipeline for the node that needs them). Under the receiver's 96 MB heap
 * cap, what is loaded and never used is room the GC does not have. The real bin
 * script runs in a child with a preload that lists, at exit, every CommonJS module loaded
 * (etcd3 and @grpc/grpc-js are CommonJS, so an import of them from ESM lands there too).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'punchlinectl.js');

function loadedBy(args: readonly string[]): Promise<{ code: number | null; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'punchline-loaded-'));
  const list = join(dir, 'modules.json');
  const preload = join(dir, 'list-modules.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require('node:module')._cache))));\n`,
  );
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--require', preload, bin, ...args],
      { env: { PATH: process.env.PATH } },
      (err) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        done({ code, modules: JSON.parse(readFileSync(list, 'utf8')) as string[] });
      },
    );
  });
}

describe('punchlinectl loads nothing it does not run', () => {
  // Real processes: generous safety nets on a loaded machine (nothing here measures time).
  it('has no etcd3, gRPC, kafkajs, OpenSearch or pg module loaded once its whole import graph is in', {
    timeout: 60_000,
  }, async () => {
    // `--version` runs after every static import of the entry has been evaluated.
    const { code, modules } = await loadedBy(['--version']);
    expect(code).toBe(0);
    // The listing works: commander (CommonJS, imported by the entry) is there.
    expect(modules.some((m) => m.includes('/node_modules/commander/'))).toBe(true);
    expect(modules.filter((m) => /\/node_modules\/(etcd3|@grpc|cockatiel)\//.test(m))).toEqual([]);
    expect(
      modules.filter((m) => /\/node_modules\/(kafkajs|@opensearch-project|pg|pg-copy-streams)\//.test(m)),
    ).toEqual([]);
  });
});

describe('punchlinectl exit codes', () => {
  it('exits 2 on bad usage and 0 for --help, as every Drover binary (ExitCode of @drover/platform)', {
    timeout: 60_000,
  }, async () => {
    // No command: commander shows the help as an error. punchlinectl used to exit 0 here, and
    // channelctl 2: the two copies of the exit-code map differed.
    expect((await loadedBy([])).code).toBe(2);
    expect((await loadedBy(['start'])).code).toBe(2);
    expect((await loadedBy(['--help'])).code).toBe(0);
  });
});
