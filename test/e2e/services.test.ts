/**
 * Cross-process tests of deploy/dev/services. They run the CLI against their own state folder
 * (DROVER_DEV_STATE_DIR), so they never touch the services the rest of the run uses.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, kafkaReady, PortInUseError, startEtcd } from '@drover/dev-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { droverServices } from '../support/services.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repoRoot, 'deploy', 'dev', 'services');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface StatusEntry {
  name: string;
  recorded: boolean;
  endpoints: string[];
  pid: number | undefined;
  alive: boolean;
  healthy: boolean;
}

interface StateFile {
  etcd?: { endpoints: string[]; pid: number };
  kafka?: { brokers: string[]; pid: number };
}

describe('deploy/dev/services', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'drover-dev-state-'));
  const env = { ...process.env, DROVER_DEV_STATE_DIR: stateDir };
  const run = (...args: string[]) =>
    new Promise<CliResult>((done) => {
      execFile(cli, args, { env, cwd: repoRoot }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      });
    });
  const state = (): StateFile =>
    JSON.parse(readFileSync(join(stateDir, 'services.json'), 'utf8')) as StateFile;

  beforeAll(async () => {
    const up = await run('up');
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    await run('down');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('up is idempotent: a second up reuses the same processes', async () => {
    const before = state();
    const again = await run('up', '--json');
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout) as {
      etcd: { pid: number; started: boolean };
      kafka: { pid: number; started: boolean };
    };
    expect(result.etcd).toMatchObject({ pid: before.etcd?.pid, started: false });
    expect(result.kafka).toMatchObject({ pid: before.kafka?.pid, started: false });
    expect(state()).toEqual(before);
  });

  it('status --json reports both services alive and healthy, and the others down', async () => {
    const status = await run('status', '--json');
    expect(status.code).toBe(0);
    const entries = JSON.parse(status.stdout) as StatusEntry[];
    const s = state();
    expect(entries.filter((e) => !e.recorded).map((e) => e.alive)).not.toContain(true);
    expect(entries.filter((e) => e.recorded)).toEqual([
      {
        name: 'etcd',
        recorded: true,
        endpoints: s.etcd?.endpoints,
        pid: s.etcd?.pid,
        alive: true,
        healthy: true,
      },
      {
        name: 'kafka',
        recorded: true,
        endpoints: s.kafka?.brokers,
        pid: s.kafka?.pid,
        alive: true,
        healthy: true,
      },
    ]);
    // PostgreSQL and OpenSearch start only when named (up postgres, up search).
    expect(entries.filter((e) => !e.recorded).map((e) => e.name)).toEqual(['postgres', 'search']);
    for (const e of entries.filter((x) => !x.recorded)) {
      expect(e).toMatchObject({ recorded: false, endpoints: [], alive: false, healthy: false });
    }
  });

  it('env prints export lines for the recorded endpoints', async () => {
    const out = await run('env');
    const s = state();
    expect(out.stdout.trim().split('\n')).toEqual([
      `export DROVER_ETCD_ENDPOINTS=${s.etcd?.endpoints.join(',')}`,
      `export DROVER_KAFKA_BROKERS=${s.kafka?.brokers.join(',')}`,
    ]);
  });

  it('the etcd endpoint answers a put then a get through the v3 gateway', async () => {
    const endpoint = state().etcd!.endpoints[0]!;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const put = await fetch(`${endpoint}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('e2e/key'), value: b64('hello') }),
    });
    expect(put.status).toBe(200);
    const range = await fetch(`${endpoint}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('e2e/key') }),
    });
    const body = (await range.json()) as { kvs?: { value: string }[] };
    expect(Buffer.from(body.kvs?.[0]?.value ?? '', 'base64').toString()).toBe('hello');
  });

  it('the Kafka broker answers metadata through kafkajs', async () => {
    const info = await kafkaReady(state().kafka!.brokers);
    expect(info.brokerIds).toEqual([1]);
    expect(info.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await run('up', 'zookeeper')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });

  it('down stops both processes and forgets them', async () => {
    const { etcd, kafka } = state();
    const down = await run('down');
    expect(down.code, down.stderr).toBe(0);
    expect(isAlive(etcd!.pid)).toBe(false);
    expect(isAlive(kafka!.pid)).toBe(false);
    expect(state()).toEqual({});
    const status = JSON.parse((await run('status', '--json')).stdout) as StatusEntry[];
    expect(status.length).toBeGreaterThanOrEqual(2);
    expect(status.filter((s) => s.recorded)).toEqual([]);
  });
});

describe('startEtcd on a taken port', () => {
  let held: Server;
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-etcd-taken-'));

  beforeAll(async () => {
    held = createServer();
    port = await new Promise<number>((done) => {
      held.listen(0, '127.0.0.1', () => {
        const address = held.address();
        done(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });

  afterAll(async () => {
    await new Promise<void>((done) => held.close(() => done()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rejects with an error naming the port', async () => {
    const error = await startEtcd({ dataDir, clientPort: port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });
});

describe('globalSetup services', () => {
  it('provides reachable etcd and Kafka endpoints to tests', async () => {
    const services = droverServices('etcd', 'kafka');
    const health = await fetch(`${services.etcd.endpoints[0]}/health`);
    expect(((await health.json()) as { health: string }).health).toBe('true');
    expect((await kafkaReady(services.kafka.brokers)).brokerIds).toEqual([1]);
  });
});
