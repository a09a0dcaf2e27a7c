import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePostgresInstalled, isAlive, type PostgresHandle, startPostgres } from '../src/index.js';

const execFileAsync = promisify(execFile);

async function psql(url: string, sql: string): Promise<string> {
  const bin = join(await ensurePostgresInstalled(), 'psql');
  return (await execFileAsync(bin, [url, '-tAq', '-v', 'ON_ERROR_STOP=1', '-c', sql])).stdout.trim();
}

describe('startPostgres', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'drover-pg-'));
  // The cluster runs as the unprivileged postgres user when we are root: it must reach its dir.
  chmodSync(root, 0o755);
  const handles: PostgresHandle[] = [];
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it('initialises a cluster on a loopback port, keeps its data across a restart on the same port, and stops', async () => {
    const first = await startPostgres({ dir: join(root, 'pg') });
    handles.push(first);
    expect(first.url).toBe(`postgres://drover@127.0.0.1:${first.port}/drover`);
    await psql(first.url, 'CREATE TABLE t (x int); INSERT INTO t VALUES (42)');
    if (process.getuid?.() === 0) {
      // The server processes run as the postgres user, never as root.
      const { stdout } = await execFileAsync('ps', ['-o', 'user=', '-p', String(first.pid)]);
      expect(stdout.trim()).toBe('postgres');
    }
    await first.stop();
    expect(isAlive(first.pid)).toBe(false);

    const again = await startPostgres({ dir: join(root, 'pg'), port: first.port });
    handles.push(again);
    expect(again.url).toBe(first.url);
    expect(await psql(again.url, 'SELECT x FROM t')).toBe('42');
  });
});
