/**
 * One runner: registration on a lease, the placement watch feeding the instance manager, status
 * publishing, and the small HTTP API. While etcd is unreachable the children keep running; when
 * it is back the watch resumes (or re-lists) and the manager acts on the difference.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { placementRecordSchema, type RunnerRecord } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { PrefixWatch, Store } from '@drover/store';
import { detectMemoryEnforcement, type MemoryEnforcer } from '@drover/supervisor';
import type { RunnerConfig } from './config.js';
import { type RunnerHttp, startRunnerHttp } from './http.js';
import { InstanceManager } from './instances.js';
import { stopLeftovers } from './leftovers.js';
import { Registration } from './registration.js';
import { StatusPublisher } from './status-publisher.js';

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;

export class Runner {
  readonly config: RunnerConfig;
  #store: Store;
  #logger: Logger;
  #publisher: StatusPublisher;
  #manager: InstanceManager | undefined;
  #memory: MemoryEnforcer | undefined;
  #registration: Registration;
  #watch: PrefixWatch | undefined;
  #http: RunnerHttp | undefined;
  #etcd: 'connected' | 'disconnected' = 'disconnected';
  readonly startedAt = new Date().toISOString();

  constructor(config: RunnerConfig, store: Store, logger: Logger) {
    this.config = config;
    this.#store = store;
    this.#logger = logger;
    this.#publisher = new StatusPublisher(store, logger);
    this.#registration = new Registration({
      store,
      record: () => this.record(),
      ttlSeconds: config.leaseTtlSeconds,
      logger,
      onLease: (lease) => this.#publisher.useLease(lease),
    });
  }

  record(): RunnerRecord {
    const c = this.config;
    return {
      name: c.name,
      cluster: c.cluster,
      tags: [c.name, ...c.tags.filter((t) => t !== c.name)],
      capacity: c.capacityMemoryBytes === undefined ? {} : { memoryBytes: c.capacityMemoryBytes },
      version: VERSION,
      startedAt: this.startedAt,
      api: `http://${c.listen.host.includes(':') ? `[${c.listen.host}]` : c.listen.host}:${c.listen.port}`,
      pid: process.pid,
      memoryEnforcement: this.#memory?.kind ?? 'none',
    };
  }

  async start(): Promise<void> {
    const c = this.config;
    // The cgroup subtree is named after the runner and its work directory, so a restarted
    // runner finds what its previous life left, and two runners never share one.
    const suffix = createHash('sha256').update(c.workdir).digest('hex').slice(0, 8);
    const memory = await detectMemoryEnforcement({
      runnerName: `${c.name}-${suffix}`,
      prefer: c.memoryEnforcement,
      watchdogIntervalMs: c.watchdogIntervalMs,
    });
    this.#memory = memory;
    this.#logger.info({ memoryEnforcement: memory.kind, root: memory.root }, 'memory limits enforced');
    const inCgroups = await memory.cleanupLeftovers();
    const left = await stopLeftovers(c.workdir, c.stopGraceMs, this.#logger);
    if (left + inCgroups > 0) {
      this.#logger.warn(
        { stopped: left, killedInCgroups: inCgroups },
        'stopped children left by a previous runner',
      );
    }
    const manager = new InstanceManager({
      runner: c.name,
      workdir: c.workdir,
      allowedCommands: c.allowedCommands,
      stopGraceMs: c.stopGraceMs,
      memory,
      defaultMemoryLimitBytes: c.defaultMemoryLimitBytes,
      logDir: c.logDir,
      logMaxBytes: c.logMaxBytes,
      store: this.#store,
      publisher: this.#publisher,
      logger: this.#logger,
    });
    this.#manager = manager;
    this.#http = await startRunnerHttp(
      {
        name: () => c.name,
        registered: () => this.#registration.lease !== undefined,
        etcd: () => this.#etcd,
        memoryEnforcement: () => memory.kind,
        instances: () => manager.live(),
        find: (id) => manager.find(id),
      },
      c.listen,
      this.#logger,
    );
    this.#registration.start();
    const layout = this.#store.layout;
    const decode = (key: string, raw: unknown) => {
      const parsed = placementRecordSchema.safeParse(raw);
      if (!parsed.success) {
        this.#logger.error({ key, issues: parsed.error.issues }, 'ignoring a malformed placement');
        return undefined;
      }
      return parsed.data;
    };
    this.#watch = this.#store.watchPrefix(layout.placements(this.config.name), {
      onResync: (snapshot) => {
        const placements = snapshot.flatMap((e) => decode(e.key, e.value) ?? []);
        manager.replaceDesired(placements);
      },
      onEvents: (events) => {
        for (const e of events) {
          if (e.type === 'delete') {
            const ref = layout.parsePlacement(e.key);
            if (ref !== undefined) manager.deleteDesired(ref);
          } else {
            const p = decode(e.key, e.value);
            if (p !== undefined) manager.setDesired(p);
          }
        }
      },
      onState: (state, err) => {
        this.#etcd = state;
        if (state === 'disconnected')
          this.#logger.warn({ err: err?.message }, 'etcd watch disconnected: children keep running');
        else this.#logger.info('etcd watch connected');
      },
      onError: (err) => this.#logger.warn({ err: err.message }, 'placement watch error'),
    });
    this.#logger.info(
      {
        name: this.config.name,
        cluster: this.config.cluster,
        tags: this.record().tags,
        workdir: this.config.workdir,
      },
      'runner started',
    );
  }

  /** Stops every child, then ends the lease (the record and the statuses go with it). */
  async stop(): Promise<void> {
    await this.#watch?.close();
    await this.#manager?.stopAll();
    await this.#memory?.close();
    this.#publisher.close();
    await this.#registration.stop();
    await this.#http?.close();
    this.#store.close();
  }
}
