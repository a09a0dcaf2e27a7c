import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, type SearchHandle, searchHealthy, startSearch } from '../src/index.js';

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init);
  return (await response.json()) as Record<string, unknown>;
}

describe('startSearch', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'drover-search-'));
  let node: SearchHandle | undefined;

  afterAll(async () => {
    await node?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the bulk API unprivileged, keeps its indices across a restart, and stops on SIGTERM', async () => {
    node = await startSearch({ dir: root, heap: '256m' });
    const url = node.endpoints[0] as string;
    const root0 = await json(url);
    expect((root0.version as { distribution?: string }).distribution).toBe('opensearch');
    // Both engines refuse uid 0: under root the node must run as someone else.
    const status = readFileSync(`/proc/${node.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).not.toBe('0');

    const bulk = await json(`${url}/_bulk?refresh=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: '{"index":{"_index":"kept","_id":"1"}}\n{"msg":"a"}\n',
    });
    expect(bulk.errors).toBe(false);
    const health = await json(`${url}/_cluster/health`);
    expect(health.status).toBe('green'); // 0 replicas on one node

    const { pid, port, transportPort } = node;
    await node.stop();
    expect(isAlive(pid)).toBe(false);
    expect(await searchHealthy(url, 500)).toBe(false);

    node = await startSearch({ dir: root, heap: '256m', httpPort: port, transportPort, keepData: true });
    const count = await json(`${url}/kept/_count`);
    expect(count.count).toBe(1);
  });
});
