/**
 * The reconcile loop against fakes behind our own interfaces (an in-memory etcd with a prefix
 * watch, a leadership whose fenced writes can fail): failed writes while still leader are
 * retried with backoff, per channel; the periodic resync acts on what no event announced.
 */
import { STRUCTURE_FILE } from '@drover/channel-model';
import type { ChannelSpecRecord, DesiredRecord, ResourceRecord, RunnerRecord } from '@drover/cluster-state';
import { createLogger, type Logger } from '@drover/platform';
import {
  type FencedOps,
  KeyLayout,
  type Leadership,
  NotLeaderError,
  type PrefixWatch,
  type PrefixWatchOptions,
  StoreError,
  type WatchEvent,
} from '@drover/store';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { ClusterCache } from './cluster-cache.js';
import { RESOURCE_RETRY_MS } from './plan.js';
import { Reconciler } from './reconciler.js';
import { type EnsureResources, ResourceManager } from './resources.js';

const logger: Logger = createLogger('test', { level: 'silent', pretty: false });
const at = new Date().toISOString();

/** An in-memory etcd: writes bump the revision and reach prefix watchers as events. */
class FakeEtcd {
  readonly layout = new KeyLayout('/drover');
  readonly data = new Map<string, unknown>();
  revision = 1;
  #watchers: PrefixWatchOptions[] = [];

  watchPrefix(prefix: string, options: PrefixWatchOptions): PrefixWatch {
    this.#watchers.push(options);
    const snapshot = [...this.data]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, value]) => ({ key, value, revision: this.revision }));
    const revision = this.revision;
    const ready = Promise.resolve(options.onResync?.(snapshot, revision)).then(() => {});
    return { lastRevision: revision, ready, close: async () => {} };
  }

  write(ops: FencedOps): number {
    this.revision++;
    const events: WatchEvent[] = [];
    for (const key of ops.delete ?? []) {
      if (this.data.delete(key))
        events.push({ type: 'delete', key, value: undefined, revision: this.revision });
    }
    for (const { key, value } of ops.put ?? []) {
      const copy = JSON.parse(JSON.stringify(value)) as unknown;
      this.data.set(key, copy);
      events.push({ type: 'put', key, value: copy, revision: this.revision });
    }
    const revision = this.revision;
    // Deliveries are asynchronous, as etcd's are.
    queueMicrotask(() => {
      for (const w of this.#watchers) void w.onEvents(events);
    });
    return revision;
  }
}

/** A leader whose fenced writes land in `etcd`, unless `fail` says otherwise. */
function leader(etcd: FakeEtcd, fail: (ops: FencedOps) => Error | undefined = () => undefined) {
  const txns: { ops: FencedOps; error: Error | undefined }[] = [];
  let leading = true;
  const leadership: Leadership = {
    key: '/drover/election/controller/1',
    createRevision: 1,
    leaseId: '1',
    lost: new Promise(() => {}),
    isLeader: () => leading,
    fencedTxn: async (ops) => {
      const error = leading ? fail(ops) : new NotLeaderError('/drover/election/controller/1');
      txns.push({ ops, error });
      if (error !== undefined) throw error;
      return etcd.write(ops);
    },
    resign: async () => {
      leading = false;
    },
  };
  return { leadership, txns };
}

function metrics() {
  const registers: Registry[] = [new Registry()];
  return {
    reconcileDuration: new Histogram({ name: 'd', help: 'd', registers }),
    lastReconcile: new Gauge({ name: 'l', help: 'l', registers }),
    reconcilePasses: new Counter({ name: 'p', help: 'p', registers }),
    placementWrites: new Counter({ name: 'w', help: 'w', registers }),
  };
}

const runner = (name: string, tags: string[]): RunnerRecord => ({
  name,
  cluster: 'front',
  tags: [name, ...tags],
  capacity: {},
  version: 'test',
  startedAt: at,
});

const TEMPLATE_RESOURCE = `  - type: elasticsearch_index_template
    cluster: search_front
    name: logs
    file: templates/logs.json
`;
const TEMPLATE_FILE = '{"index_patterns": ["logs-*"], "priority": 5}';

const structure = (channel: string, withTopic: boolean, withTemplate = false) => `version: "6.0"
applications:
  - name: ${channel}_app
    runtime: shiva
    cluster: front
    shiva_runner_tags: [centralfront1]
    command: idle-app
${
  withTopic
    ? `resources:
  - type: kafka_topic
    cluster: kafka_front
    name: ${channel}-topic
    partitions: 1
    replication_factor: 1
`
    : withTemplate
      ? `resources:\n${TEMPLATE_RESOURCE}`
      : ''
}`;

function seed(etcd: FakeEtcd, channel: string, withTopic = false, withTemplate = false): void {
  const files = {
    [STRUCTURE_FILE]: structure(channel, withTopic, withTemplate),
    ...(withTemplate ? { 'templates/logs.json': TEMPLATE_FILE } : {}),
  };
  const spec: ChannelSpecRecord = { files, binaryFiles: {}, digest: `d-${channel}`, uploadedAt: at };
  const desired: DesiredRecord = { state: 'started', generation: 1, reload: 0, updatedAt: at };
  etcd.data.set(etcd.layout.channelSpec('t', channel), spec);
  etcd.data.set(etcd.layout.channelDesired('t', channel), desired);
}

const reconcilers: Reconciler[] = [];
afterEach(async () => {
  await Promise.all(reconcilers.splice(0).map((r) => r.stop()));
});

async function start(
  etcd: FakeEtcd,
  leadership: Leadership,
  options: {
    resyncMs?: number;
    ensure?: EnsureResources;
    templates?: EnsureResources;
    now?: () => number;
  } = {},
) {
  etcd.data.set(etcd.layout.runner('front1'), runner('front1', ['centralfront1']));
  const cache = new ClusterCache(etcd, logger);
  await cache.start();
  let reconciler: Reconciler | undefined;
  const created: EnsureResources = async (_cluster, work) => work.map(() => ({ state: 'created' }));
  const resources = new ResourceManager({
    logger,
    ensurers: {
      kafka_topic: { ensure: options.ensure ?? created },
      elasticsearch_index_template: { ensure: options.templates ?? created },
    },
    onFailed: (channel) => reconciler?.queue.addRateLimited(channel),
  });
  reconciler = new Reconciler({
    cache,
    leadership,
    resources,
    logger,
    metrics: metrics(),
    debounceMs: 1,
    retryBaseMs: 5,
    retryMaxMs: 50,
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  reconcilers.push(reconciler);
  return { cache, reconciler };
}

const placed = (etcd: FakeEtcd, channel: string) =>
  [...etcd.data.keys()].some((k) => k.startsWith(etcd.layout.placements()) && k.includes(`/${channel}/`));

describe('Reconciler', () => {
  it('retries a topic-state write that failed while still leader, then places the channel', async () => {
    const etcd = new FakeEtcd();
    seed(etcd, 'rx', true);
    let failures = 0;
    const { leadership, txns } = leader(etcd, (ops) => {
      const topicWrite = ops.put?.some((p) => p.key.startsWith(etcd.layout.resources())) === true;
      if (topicWrite && failures < 2) {
        failures++;
        return new StoreError('UNAVAILABLE', 'etcd: deadline exceeded');
      }
      return undefined;
    });
    await start(etcd, leadership);
    await eventually(() => placed(etcd, 'rx'), 5000, 'rx placed once its topic state is written');
    const record = etcd.data.get(etcd.layout.resource('t', 'rx', 'rx-topic')) as ResourceRecord;
    expect(record.state).toBe('created');
    // Two refused writes of the topic state, then the one that landed: nothing was dropped.
    const topicTxns = txns.filter((t) => t.ops.put?.some((p) => p.key.startsWith(etcd.layout.resources())));
    expect(topicTxns.map((t) => t.error?.message ?? 'ok')).toEqual([
      'etcd: deadline exceeded',
      'etcd: deadline exceeded',
      'ok',
    ]);
  });

  it('backs off a channel whose writes fail, while the other channels are placed', async () => {
    const etcd = new FakeEtcd();
    seed(etcd, 'good');
    seed(etcd, 'bad');
    let badFailures = 0;
    const { leadership } = leader(etcd, (ops) => {
      const bad = ops.put?.some((p) => p.key.includes('/bad/')) === true;
      if (bad && badFailures < 3) {
        badFailures++;
        return new StoreError('UNAVAILABLE', 'etcd: connection reset');
      }
      return undefined;
    });
    const { reconciler } = await start(etcd, leadership);
    await eventually(() => placed(etcd, 'good'), 5000, 'good placed');
    await eventually(() => placed(etcd, 'bad'), 5000, 'bad placed after its retries');
    expect(badFailures).toBe(3);
    expect(reconciler.queue.failures('t/bad')).toBe(0);
  });

  it('acts at the next periodic resync on a change no event announced', async () => {
    const etcd = new FakeEtcd();
    seed(etcd, 'rx');
    const { leadership, txns } = leader(etcd);
    const { cache } = await start(etcd, leadership, { resyncMs: 30 });
    await eventually(() => placed(etcd, 'rx'), 5000, 'rx placed');
    const writes = txns.length;
    // A placement deleted behind the reconciler's back, its event lost: only a resync sees it.
    const key = [...cache.placements.keys()][0] as string;
    cache.placements.delete(key);
    etcd.data.delete(key);
    await eventually(() => etcd.data.has(key), 5000, 'placement written again by the resync');
    expect(txns.length).toBeGreaterThan(writes);
  });

  it('stops at once when a fenced write says it is not the leader any more', async () => {
    const etcd = new FakeEtcd();
    seed(etcd, 'rx');
    // The key was replaced (another leader): the write is refused though the lease looks fine.
    const { leadership, txns } = leader(etcd, () => new NotLeaderError('/drover/election/controller/1'));
    const { reconciler } = await start(etcd, leadership);
    await eventually(() => reconciler.queue.isShutDown, 5000, 'loop stopped');
    expect(txns.length).toBe(1);
    expect(placed(etcd, 'rx')).toBe(false);
  });

  describe('index template resources', () => {
    const templateKey = (etcd: FakeEtcd) =>
      etcd.layout.resource('t', 'es', 'elasticsearch_index_template:logs');
    const recordOf = (etcd: FakeEtcd) => etcd.data.get(templateKey(etcd)) as ResourceRecord | undefined;

    it('creates the template on its search cluster from the shipped file, records it, then places the channel', async () => {
      const etcd = new FakeEtcd();
      seed(etcd, 'es', false, true);
      const { leadership } = leader(etcd);
      const asked: { cluster: string; name: string; file: string | undefined }[] = [];
      await start(etcd, leadership, {
        templates: async (cluster, work) => {
          for (const w of work) asked.push({ cluster, name: w.resource.name, file: w.file });
          return work.map(() => ({ state: 'created' }));
        },
      });
      await eventually(() => placed(etcd, 'es'), 5000, 'es placed once its template is there');
      expect(asked).toEqual([{ cluster: 'search_front', name: 'logs', file: TEMPLATE_FILE }]);
      expect(recordOf(etcd)).toMatchObject({
        type: 'elasticsearch_index_template',
        name: 'logs',
        cluster: 'search_front',
        state: 'created',
        error: null,
      });
    });

    it('records a mismatch with its reason and places the channel all the same', async () => {
      const etcd = new FakeEtcd();
      seed(etcd, 'es', false, true);
      const { leadership } = leader(etcd);
      const why =
        'index template logs exists with another declaration: left as it is (overwrite: true replaces it)';
      await start(etcd, leadership, {
        templates: async (_cluster, work) => work.map(() => ({ state: 'mismatch', error: why })),
      });
      await eventually(() => placed(etcd, 'es'), 5000, 'es placed beside the mismatch');
      expect(recordOf(etcd)).toMatchObject({ state: 'mismatch', error: why });
    });

    it('records what the engine refused, holds the channel with that reason, and tries again after RESOURCE_RETRY_MS', async () => {
      const etcd = new FakeEtcd();
      seed(etcd, 'es', false, true);
      const { leadership } = leader(etcd);
      const refusal = 'put index template logs: illegal_argument_exception: unknown setting [index.nonsense]';
      let attempts = 0;
      let shift = 0;
      const { cache } = await start(etcd, leadership, {
        resyncMs: 20,
        now: () => Date.now() + shift,
        templates: async (_cluster, work) => {
          attempts++;
          return work.map(() => (attempts === 1 ? { state: 'error', error: refusal } : { state: 'created' }));
        },
      });
      await eventually(() => recordOf(etcd)?.state === 'error', 5000, 'the refusal recorded');
      expect(recordOf(etcd)?.error).toBe(refusal);
      await eventually(
        () => cache.pendingOf('t', 'es')?.instances[0]?.reason !== undefined,
        5000,
        'the pending reason recorded',
      );
      expect(cache.pendingOf('t', 'es')?.instances[0]?.reason).toBe(
        `waiting for elasticsearch_index_template logs on search_front (error: ${refusal})`,
      );
      // Not before RESOURCE_RETRY_MS (resyncs come every 20 ms meanwhile), then again.
      expect(attempts).toBe(1);
      shift = RESOURCE_RETRY_MS;
      await eventually(() => placed(etcd, 'es'), 5000, 'es placed after the retry');
      expect(attempts).toBe(2);
      expect(recordOf(etcd)?.state).toBe('created');
    });
  });
});
