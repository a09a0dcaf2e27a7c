/**
 * Fakes behind the API's ports (ports.ts), for `inject()` tests: a reader holding views, channel
 * commands that record calls and fail on demand, an audit log in memory, a leader, metrics, and
 * runners' log endpoints; tokens of each role.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiRole, type ApiToken, type ChannelRef, tokenDigest } from '@drover/channel-model';
import type { AuditEntry, ChannelView, ControllerIdentity, RunnerView } from '@drover/cluster-state';
import { createLogger, type Logger } from '@drover/platform';
import type { FastifyInstance } from 'fastify';
import type { RecordKind } from '../../cluster-cache.js';
import { type ApiDeps, buildApi } from '../build.js';
import type {
  AuditLog,
  ChannelCommands,
  ClusterChange,
  LiveSource,
  LogSearch,
  RunnerFetch,
  Written,
} from '../ports.js';

/** The admin token (name `admin`). */
export const TOKEN = 'inject-token';
export const OFF_LOOPBACK = '10.1.2.3';

/** One token of each role, named after it; the admin one is TOKEN. */
export const SECRETS: Readonly<Record<ApiRole, string>> = {
  read: 'read-token',
  operate: 'operate-token',
  admin: TOKEN,
};
export const roleTokens: readonly ApiToken[] = (['read', 'operate', 'admin'] as const).map((role) => ({
  name: role,
  role,
  sha256: tokenDigest(SECRETS[role]),
}));
/** The authorization header of the token of `role`. */
export const bearerOf = (role: ApiRole) => ({ authorization: `Bearer ${SECRETS[role]}` });

export function channelView(tenant = 't', channel = 'c', over: Partial<ChannelView> = {}): ChannelView {
  return {
    tenant,
    channel,
    desired: 'started',
    generation: 1,
    specDigest: 'abc',
    applications: [
      {
        name: 'receiver',
        cluster: 'front',
        tags: ['centralfront1'],
        command: 'punchlinectl',
        instances: [
          {
            index: 0,
            runner: 'front1',
            state: 'running',
            pid: 42,
            restarts: 0,
            lastExit: null,
            reason: null,
            since: '2026-11-23T00:00:00.000Z',
            oomKills: 0,
            memoryLimitBytes: 268435456,
            memoryEnforcement: 'cgroup2',
            lastRunAt: null,
            nextRunAt: null,
            upToDate: true,
          },
        ],
      },
    ],
    resources: [
      { type: 'kafka_topic', name: 'topic', cluster: 'kafka_front', state: 'created', error: null },
    ],
    rollout: {
      state: 'complete',
      applications: ['receiver'],
      application: null,
      updated: 1,
      total: 1,
      reason: null,
      startedAt: '2026-11-23T00:00:00.000Z',
      finishedAt: '2026-11-23T00:00:10.000Z',
      current: true,
    },
    ...over,
  };
}

export class FakeReader implements LiveSource {
  synced = true;
  connected = true;
  revision = 5;
  listeners = new Set<(change: ClusterChange) => void>();
  views = new Map<string, ChannelView>([['t/c', channelView()]]);
  runnerList: RunnerView[] = [
    {
      name: 'front1',
      cluster: 'front',
      tags: ['front1', 'centralfront1'],
      capacity: {},
      version: '0.1.0',
      startedAt: '2026-11-23T00:00:00.000Z',
      api: 'http://10.0.0.1:7071',
      memoryEnforcement: 'cgroup2',
      instances: 1,
    },
  ];
  seenRevisions: number[] = [];
  leases = new Map<string, string>([['front1', '7587887']]);

  runners(): RunnerView[] {
    return this.runnerList;
  }
  channels(): ChannelView[] {
    return [...this.views.values()];
  }
  runnerLeases(): ReadonlyMap<string, string> {
    return this.leases;
  }
  channel(ref: ChannelRef): ChannelView | undefined {
    return this.views.get(`${ref.tenant}/${ref.channel}`);
  }
  instanceRunner(ref: { tenant: string; channel: string; app: string; index: number }) {
    return ref.app === 'receiver' && ref.index === 0
      ? { name: 'front1', api: 'http://10.0.0.1:7071' }
      : undefined;
  }
  async seen(revision: number): Promise<boolean> {
    this.seenRevisions.push(revision);
    return true;
  }
  async seenWithin(revision: number): Promise<boolean> {
    return this.seen(revision);
  }
  onChange(listener: (change: ClusterChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** As the cache does after applying a change. */
  changed(...kinds: RecordKind[]): void {
    this.revision++;
    for (const l of this.listeners) l({ kinds: new Set(kinds), resync: false });
  }
}

export class FakeCommands implements ChannelCommands {
  calls: string[] = [];
  /** The uploaded files' digest by `tenant/channel` (specDigest). */
  digests = new Map<string, string>();
  uploads: { files: Record<string, string>; binaryFiles: Record<string, string> }[] = [];
  /** The next call throws this. */
  fail: unknown;

  #run(what: string): Written {
    this.calls.push(what);
    if (this.fail !== undefined) {
      const err = this.fail;
      this.fail = undefined;
      throw err;
    }
    return { revision: 7 };
  }
  async upload(
    ref: ChannelRef,
    files: Readonly<Record<string, string>>,
    binaryFiles: Readonly<Record<string, string>>,
  ) {
    const written = this.#run(`upload ${ref.tenant}/${ref.channel}`);
    this.uploads.push({ files: { ...files }, binaryFiles: { ...binaryFiles } });
    return { ...written, specDigest: 'digest1', changed: true };
  }
  async specDigest(ref: ChannelRef) {
    this.calls.push(`specDigest ${ref.tenant}/${ref.channel}`);
    return this.digests.get(`${ref.tenant}/${ref.channel}`);
  }
  async start(ref: ChannelRef) {
    return this.#run(`start ${ref.tenant}/${ref.channel}`);
  }
  async stop(ref: ChannelRef) {
    return this.#run(`stop ${ref.tenant}/${ref.channel}`);
  }
  async reload(ref: ChannelRef) {
    return this.#run(`reload ${ref.tenant}/${ref.channel}`);
  }
}

/** An audit log in memory; `fail` makes every append reject with it. */
export class FakeAuditLog implements AuditLog {
  entries: AuditEntry[] = [];
  fail: unknown;
  async append(entry: AuditEntry): Promise<void> {
    if (this.fail !== undefined) throw this.fail;
    this.entries.push(entry);
  }
  async list(query: { since: Date; limit: number }) {
    const since = query.since.toISOString();
    const all = this.entries.filter((e) => e.time >= since);
    return { entries: all.slice(-query.limit), truncated: all.length > query.limit };
  }
}

export interface TestApi {
  readonly app: FastifyInstance;
  readonly reader: FakeReader;
  readonly commands: FakeCommands;
  readonly audit: FakeAuditLog;
  readonly fetched: string[];
}

export const leaderIdentity: ControllerIdentity = {
  id: 'controller-a',
  api: 'http://127.0.0.1:7070',
  pid: 1,
  startedAt: '2026-11-23T00:00:00.000Z',
};

export async function testApi(
  options: {
    /** The token file's tokens (default: roleTokens); undefined: an open API. */
    tokens?: readonly ApiToken[] | undefined;
    leader?: ControllerIdentity | undefined;
    fetch?: RunnerFetch;
    bodyLimit?: number;
    /** Where the API logs (default: nowhere). */
    logger?: Logger;
    /** Registers the console's plugins, with this log store (or none). */
    console?: { logStore?: LogSearch; assetsDir?: string };
  } = {},
): Promise<TestApi> {
  const reader = new FakeReader();
  const commands = new FakeCommands();
  const audit = new FakeAuditLog();
  const fetched: string[] = [];
  const deps: ApiDeps = {
    reader,
    commands,
    leader: {
      id: 'controller-a',
      isLeader: () => true,
      leader: async () => ('leader' in options ? options.leader : leaderIdentity),
    },
    metrics: {
      contentType: 'text/plain; version=0.0.4',
      metrics: async () => 'drover_controller_leader 1\n',
    },
    tokens: 'tokens' in options ? options.tokens : roleTokens,
    audit,
    logger: options.logger ?? createLogger('api-test', { level: 'silent', pretty: false }),
    fetch:
      options.fetch ??
      (async (url) => {
        fetched.push(url);
        return new Response('{"msg":"one"}\n{"msg":"two"}\n', {
          status: 200,
          headers: { 'content-type': 'application/x-ndjson' },
        });
      }),
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.console === undefined
      ? {}
      : {
          console: {
            assetsDir: options.console.assetsDir ?? fakeAssets(),
            live: reader,
            logStore: options.console.logStore,
          },
        }),
  };
  return { app: await buildApi(deps), reader, commands, audit, fetched };
}

let assets: string | undefined;

/** A page and one asset in a temporary directory (one per test process), laid out as `npm run build` does. */
export function fakeAssets(): string {
  if (assets !== undefined) return assets;
  const dir = mkdtempSync(join(tmpdir(), 'drover-console-assets-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Drover</title>');
  writeFileSync(join(dir, 'assets', 'main-abc123.js'), 'console.log(1)');
  assets = dir;
  return dir;
}

export const bearer = { authorization: `Bearer ${TOKEN}` };

/** The error body's code and message of a response. */
export function errorOf(res: { json(): unknown }): { code: string; message: string; issues?: unknown[] } {
  return (res.json() as { error: { code: string; message: string; issues?: unknown[] } }).error;
}

/** A logger whose JSON lines are kept in `lines` (parsed). */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('api-test', {
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}
