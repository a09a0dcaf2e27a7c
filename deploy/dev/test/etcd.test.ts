import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EtcdHandle, isPortFree, PortInUseError, startEtcd } from '../src/index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function put(endpoint: string, key: string, value: string): Promise<void> {
  const response = await fetch(`${endpoint}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key), value: b64(value) }),
  });
  expect(response.status).toBe(200);
}

async function get(endpoint: string, key: string): Promise<string | undefined> {
  const response = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(key) }),
  });
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

describe('startEtcd', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'drover-etcd-'));
  const handles: EtcdHandle[] = [];
  let held: Server | undefined;

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop()));
    await new Promise<void>((done) => (held ? held.close(() => done()) : done()));
    held = undefined;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves reads and writes on its loopback endpoint', async () => {
    const etcd = await startEtcd({ dataDir: join(root, 'a') });
    handles.push(etcd);
    expect(etcd.endpoints).toEqual([`http://127.0.0.1:${etcd.clientPort}`]);
    await put(etcd.endpoints[0]!, 'k', 'v1');
    expect(await get(etcd.endpoints[0]!, 'k')).toBe('v1');
  });

  it('restarts on the same data dir and port with the data kept', async () => {
    const first = await startEtcd({ dataDir: join(root, 'b') });
    await put(first.endpoints[0]!, 'kept', 'yes');
    await first.stop();
    expect(await isPortFree(first.clientPort)).toBe(true);

    const second = await startEtcd({ dataDir: first.dataDir, clientPort: first.clientPort });
    handles.push(second);
    expect(second.endpoints).toEqual(first.endpoints);
    expect(second.pid).not.toBe(first.pid);
    expect(await get(second.endpoints[0]!, 'kept')).toBe('yes');
  });

  it('rejects a client port that is taken, naming the port', async () => {
    held = createServer();
    const port = await new Promise<number>((resolve) => {
      held!.listen(0, '127.0.0.1', () => {
        const address = held!.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    const error = await startEtcd({ dataDir: join(root, 'c'), clientPort: port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain(`${port}`);
  });
});
