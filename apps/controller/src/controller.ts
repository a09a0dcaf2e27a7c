/**
 * One controller process: the cache (a mirror of etcd), the API (served by leader and standbys),
 * and the election loop. While it leads, a Reconciler acts on the cache with fenced writes; when
 * leadership ends (lease lost, key deleted, deposed), the reconciler stops at once and the
 * controller campaigns again.
 */
import { createRequire } from 'node:module';
import { type ControllerIdentity, controllerIdentitySchema } from '@drover/cluster-state';
import { consoleAssetsDir } from '@drover/console';
import { LogStore } from '@drover/log-store';
import type { Logger } from '@drover/platform';
import type { Leadership, Store } from '@drover/store';
import type { FastifyInstance } from 'fastify';
import { buildApi } from './api/build.js';
import { AuditRetention, EtcdAuditLog } from './audit-log.js';
import { EtcdChannelCommands } from './channel-commands.js';
import { ClusterCache } from './cluster-cache.js';
import type { ControllerConfig } from './config.js';
import { searchEnsurer } from './index-templates.js';
import { type ControllerMetrics, createMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { ResourceManager } from './resources.js';
import { kafkaEnsurer } from './topics.js';
import { cacheReader } from './views.js';

export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
export const ELECTION = 'controller';

export class Controller {
  readonly config: ControllerConfig;
  readonly cache: ClusterCache;
  readonly metrics: ControllerMetrics;
  #store: Store;
  #logger: Logger;
  #api: FastifyInstance | undefined;
  #logStore: LogStore | undefined;
  #leadership: Leadership | undefined;
  #reconciler: Reconciler | undefined;
  #audit: EtcdAuditLog;
  #retention: AuditRetention | undefined;
  #resources: ResourceManager | undefined;
  #campaign = new AbortController();
  #loop: Promise<void> | undefined;
  #identity: ControllerIdentity;

  constructor(config: ControllerConfig, store: Store, logger: Logger) {
    this.config = config;
    this.#store = store;
    this.#logger = logger;
    this.cache = new ClusterCache(store, logger);
    this.metrics = createMetrics(this.cache, () => this.isLeader());
    this.#audit = new EtcdAuditLog(store, config.audit);
    const host = config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
    this.#identity = {
      id: config.id,
      api: `${config.tls === undefined ? 'http' : 'https'}://${host}:${config.listen.port}`,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
  }

  isLeader(): boolean {
    return this.#leadership?.isLeader() === true;
  }

  async start(): Promise<void> {
    const registry = this.metrics.registry;
    const reader = cacheReader(this.cache);
    const store = this.config.logStore;
    this.#logStore = store === undefined ? undefined : new LogStore(store);
    this.#api = await buildApi({
      reader,
      commands: new EtcdChannelCommands(this.#store),
      leader: {
        id: this.config.id,
        isLeader: () => this.isLeader(),
        leader: async () => {
          const found = await this.#store.leader(ELECTION);
          const parsed = controllerIdentitySchema.safeParse(found?.value);
          return parsed.success ? parsed.data : undefined;
        },
      },
      metrics: { contentType: registry.contentType, metrics: () => registry.metrics() },
      tokens: this.config.tokens,
      audit: this.#audit,
      https: this.config.tls,
      logger: this.#logger,
      console: {
        assetsDir: consoleAssetsDir(),
        live: reader,
        logStore: this.#logStore,
        leases: { leaseTimeToLive: (id) => this.#store.leaseTimeToLive(id) },
      },
    });
    await this.#api.listen({ host: this.config.listen.host, port: this.config.listen.port });
    const { tokenFile, tokens } = this.config;
    this.#logger.info(
      {
        listen: this.#identity.api,
        id: this.config.id,
        tokens:
          tokenFile === undefined ? 'none: the API is open' : `${tokens?.length ?? 0} from ${tokenFile.path}`,
        ...(tokenFile?.legacy === true ? { tokenFormat: 'single token: one admin token named default' } : {}),
        tls: this.config.tls === undefined ? false : this.config.tls.certFile,
      },
      'API listening',
    );
    await this.cache.start();
    this.#loop = this.#campaignLoop();
  }

  async #campaignLoop(): Promise<void> {
    const signal = this.#campaign.signal;
    while (!signal.aborted) {
      try {
        const leadership = await this.#store.campaign({
          name: ELECTION,
          value: this.#identity,
          ttlSeconds: this.config.electionTtlSeconds,
          signal,
        });
        this.#leadership = leadership;
        this.metrics.failovers.inc();
        this.#logger.info({ key: leadership.key }, 'elected leader: reconciling');
        // The cache must hold everything written before we led (the previous leader's last writes).
        await this.cache.seen(leadership.createRevision);
        this.#resources = new ResourceManager({
          logger: this.#logger,
          ensurers: {
            kafka_topic: kafkaEnsurer(this.config.kafkaClusters, this.#logger),
            elasticsearch_index_template: searchEnsurer(this.config.searchClusters, this.#logger),
          },
          onFailed: (channel) => this.#reconciler?.queue.addRateLimited(channel),
        });
        this.#retention = new AuditRetention(this.#audit, this.config.audit, this.#logger);
        this.#reconciler = new Reconciler({
          cache: this.cache,
          leadership,
          resources: this.#resources,
          logger: this.#logger,
          metrics: this.metrics,
        });
        const loss = await leadership.lost;
        this.#logger.warn({ loss }, 'leadership lost: stopping reconcile');
        await this.#stepDown();
      } catch (err) {
        await this.#stepDown();
        if (signal.aborted) return;
        this.#logger.warn({ err: (err as Error).message }, 'campaign failed: retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async #stepDown(): Promise<void> {
    const reconciler = this.#reconciler;
    const resources = this.#resources;
    const retention = this.#retention;
    this.#reconciler = undefined;
    this.#resources = undefined;
    this.#retention = undefined;
    await retention?.stop();
    await reconciler?.stop();
    await resources?.close();
  }

  async stop(): Promise<void> {
    this.#campaign.abort();
    await this.#stepDown();
    // Resigning lets a standby take over now instead of after the TTL.
    await this.#leadership?.resign().catch(() => {});
    await this.#loop;
    await this.#api?.close();
    await this.#logStore?.close();
    await this.cache.close();
    this.#store.close();
  }
}
