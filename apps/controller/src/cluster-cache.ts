/**
 * An informer over the whole key prefix: list once, then watch, keeping a decoded copy of every
 * record in memory. It is a cache of etcd, nothing more: a restarted controller rebuilds it from
 * etcd alone. Records that do not decode are logged and left out (never crash on bad data).
 *
 * Listeners hear which kinds of records changed, for which channels and runners: the reconciler
 * turns that into the keys (`tenant/channel`) of its work queue.
 */
import {
  type ChannelStructure,
  channelRef,
  parseChannelRef,
  parseChannelStructure,
  STRUCTURE_FILE,
} from '@drover/channel-model';
import {
  type ChannelSpecRecord,
  channelSpecSchema,
  type DesiredRecord,
  desiredRecordSchema,
  type PendingRecord,
  type PlacementRecord,
  pendingRecordSchema,
  placementRecordSchema,
  type ResourceRecord,
  type RolloutRecord,
  type RunnerRecord,
  resourceRecordSchema,
  rolloutRecordSchema,
  runnerRecordSchema,
  type StatusRecord,
  statusRecordSchema,
} from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { KeyLayout, PrefixWatch, SnapshotEntry, Store, WatchEvent, WatchState } from '@drover/store';
import { setLongTimeout, type Timer } from '@drover/timers';
import type { z } from 'zod';
import { ownFileDigests } from './targets.js';

export type RecordKind =
  | 'runner'
  | 'spec'
  | 'version'
  | 'desired'
  | 'placement'
  | 'status'
  | 'pending'
  | 'resource'
  | 'rollout'
  | 'election';

/** What changed in one delivery from etcd. */
export interface CacheChange {
  readonly kinds: ReadonlySet<RecordKind>;
  /** `tenant/channel` of every channel a changed record belongs to. */
  readonly channels: ReadonlySet<string>;
  /** Names of runners whose record changed (registered, gone, re-registered). */
  readonly runners: ReadonlySet<string>;
  /** A full listing replaced everything (first sync, or after compaction). */
  readonly resync: boolean;
}

/** What the cache needs of the store: the key layout and a prefix watch. */
export type CacheSource = Pick<Store, 'layout' | 'watchPrefix'>;

export interface CachedSpec {
  readonly record: ChannelSpecRecord;
  /** The parsed structure; undefined when the stored files no longer validate. */
  readonly structure: ChannelStructure | undefined;
  /** Per application, its own files and their digests (see targets.ts). */
  readonly ownFiles: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

const channelKey = (tenant: string, channel: string) => channelRef({ tenant, channel });

export class ClusterCache {
  readonly runners = new Map<string, RunnerRecord>();
  /** The lease each runner's record is on (decimal id), by runner name. */
  readonly runnerLeases = new Map<string, string>();
  readonly specs = new Map<string, CachedSpec>();
  readonly desired = new Map<string, DesiredRecord>();
  /** By full etcd key. */
  readonly placements = new Map<string, PlacementRecord>();
  readonly statuses = new Map<string, StatusRecord>();
  readonly pending = new Map<string, PendingRecord>();
  readonly resources = new Map<string, ResourceRecord>();
  /** By `tenant/channel`. */
  readonly rollouts = new Map<string, RolloutRecord>();
  /** Digests of the older uploads kept for placements, by `tenant/channel`. */
  readonly versions = new Map<string, Set<string>>();
  /** Election keys with their create revision (the lowest leads). */
  readonly candidates = new Map<string, number>();
  #store: CacheSource;
  #layout: KeyLayout;
  #logger: Logger;
  #watch: PrefixWatch | undefined;
  #listeners: ((change: CacheChange) => void)[] = [];
  #waiters = new Set<{ revision: number; resolve: (seen: boolean) => void; timer: Timer }>();
  #state: WatchState = 'disconnected';
  /** The revision of the last listing or event applied to the maps. */
  #applied = 0;
  #synced = false;

  constructor(store: CacheSource, logger: Logger) {
    this.#store = store;
    this.#layout = store.layout;
    this.#logger = logger.child({ component: 'cache' });
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  get synced(): boolean {
    return this.#synced;
  }

  get revision(): number {
    return this.#applied;
  }

  get layout(): KeyLayout {
    return this.#layout;
  }

  onChange(listener: (change: CacheChange) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Resolves true once the cache has applied `revision` (a revision of a write under the prefix,
   * which its watch delivers), false after `timeoutMs`.
   */
  seen(revision: number, timeoutMs = 5000): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        revision,
        resolve,
        timer: setLongTimeout(() => {
          this.#waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #wake(): void {
    for (const w of this.#waiters) {
      if (this.revision < w.revision) continue;
      w.timer.clear();
      this.#waiters.delete(w);
      w.resolve(true);
    }
  }

  /** Lists everything, then follows changes; resolves once the first listing is in. */
  async start(): Promise<void> {
    this.#watch = this.#store.watchPrefix(this.#layout.root, {
      onResync: (snapshot, revision) => this.#resync(snapshot, revision),
      onEvents: (events) => this.#apply(events),
      onState: (state, err) => {
        this.#state = state;
        if (state === 'disconnected') this.#logger.warn({ err: err?.message }, 'etcd watch disconnected');
        else this.#logger.info('etcd watch connected');
      },
      onError: (err) => this.#logger.warn({ err: err.message }, 'etcd watch error'),
    });
    await this.#watch.ready;
  }

  async close(): Promise<void> {
    await this.#watch?.close();
    for (const w of this.#waiters) {
      w.timer.clear();
      w.resolve(false);
    }
    this.#waiters.clear();
  }

  /** The spec of a channel by tenant and channel. */
  spec(tenant: string, channel: string): CachedSpec | undefined {
    return this.specs.get(channelKey(tenant, channel));
  }

  desiredOf(tenant: string, channel: string): DesiredRecord | undefined {
    return this.desired.get(channelKey(tenant, channel));
  }

  pendingOf(tenant: string, channel: string): PendingRecord | undefined {
    return this.pending.get(channelKey(tenant, channel));
  }

  rolloutOf(tenant: string, channel: string): RolloutRecord | undefined {
    return this.rollouts.get(channelKey(tenant, channel));
  }

  /** Every channel known by a spec or a desired state, as `tenant/channel`, sorted. */
  channels(): { tenant: string; channel: string }[] {
    const keys = new Set([...this.specs.keys(), ...this.desired.keys()]);
    return [...keys].sort().flatMap((k) => parseChannelRef(k) ?? []);
  }

  /**
   * Every channel any record belongs to, as `tenant/channel`: those of `channels()` and those
   * only placements, pending reasons, resources, rollouts or kept uploads remain of (a channel
   * whose spec was deleted under the controller still has its placements cleaned up).
   */
  channelKeys(): Set<string> {
    const keys = new Set([...this.specs.keys(), ...this.desired.keys(), ...this.pending.keys()]);
    for (const k of this.rollouts.keys()) keys.add(k);
    for (const k of this.versions.keys()) keys.add(k);
    for (const p of this.placements.values()) keys.add(channelKey(p.tenant, p.channel));
    for (const key of this.resources.keys()) {
      const ref = this.#layout.parseResource(key);
      if (ref !== undefined) keys.add(channelKey(ref.tenant, ref.channel));
    }
    return keys;
  }

  /** `tenant/channel` of the channels with an instance placed on `runner`. */
  channelsOn(runner: string): Set<string> {
    const keys = new Set<string>();
    for (const p of this.placements.values())
      if (p.runner === runner) keys.add(channelKey(p.tenant, p.channel));
    return keys;
  }

  /** The candidate key with the lowest create revision: the leader's. */
  leaderKey(): string | undefined {
    let best: [string, number] | undefined;
    for (const entry of this.candidates) if (best === undefined || entry[1] < best[1]) best = entry;
    return best?.[0];
  }

  #resync(snapshot: readonly SnapshotEntry[], revision: number): void {
    for (const map of [
      this.runners,
      this.runnerLeases,
      this.specs,
      this.desired,
      this.placements,
      this.statuses,
      this.pending,
      this.resources,
      this.rollouts,
      this.versions,
      this.candidates,
    ]) {
      map.clear();
    }
    const sink = newSink();
    for (const entry of snapshot) this.#put(entry.key, entry.value, entry.revision, sink, entry.lease);
    this.#applied = revision;
    this.#synced = true;
    this.#logger.info({ revision, keys: snapshot.length }, 'cache listed');
    this.#emit({ ...sink, resync: true });
  }

  #apply(events: readonly WatchEvent[]): void {
    const sink = newSink();
    for (const e of events) {
      if (e.type === 'put') this.#put(e.key, e.value, e.revision, sink, e.lease);
      else this.#delete(e.key, sink);
      this.#applied = Math.max(this.#applied, e.revision);
    }
    if (sink.kinds.size > 0) this.#emit({ ...sink, resync: false });
    else this.#wake();
  }

  #emit(change: CacheChange): void {
    for (const listener of this.#listeners) listener(change);
    this.#wake();
  }

  #decode<T>(schema: z.ZodType<T>, key: string, value: unknown): T | undefined {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.#logger.error(
      { key, issues: parsed.error.issues.slice(0, 5) },
      'ignoring a record that does not decode',
    );
    return undefined;
  }

  #put(key: string, value: unknown, revision: number, sink: Sink, lease?: string): void {
    const l = this.#layout;
    if (key.startsWith(l.placements())) {
      const p = this.#decode(placementRecordSchema, key, value);
      if (p === undefined || l.parsePlacement(key) === undefined) return;
      const before = this.placements.get(key);
      this.placements.set(key, p);
      sink.note('placement', channelKey(p.tenant, p.channel));
      if (before !== undefined && before.channel !== p.channel)
        sink.note('placement', channelKey(before.tenant, before.channel));
      return;
    }
    if (key.startsWith(l.statuses())) {
      const s = this.#decode(statusRecordSchema, key, value);
      if (s === undefined) return;
      this.statuses.set(key, s);
      sink.note('status', channelKey(s.tenant, s.channel));
      return;
    }
    if (key.startsWith(l.runners())) {
      const name = l.parseRunner(key);
      const r = this.#decode(runnerRecordSchema, key, value);
      if (r === undefined || name === undefined) return;
      this.runners.set(name, r);
      if (lease === undefined) this.runnerLeases.delete(name);
      else this.runnerLeases.set(name, lease);
      sink.runner(name);
      return;
    }
    if (key.startsWith(l.channels())) {
      const version = l.parseChannelVersion(key);
      if (version !== undefined) {
        const ck = channelKey(version.tenant, version.channel);
        const set = this.versions.get(ck) ?? new Set();
        set.add(version.digest);
        this.versions.set(ck, set);
        sink.note('version', ck);
        return;
      }
      const ref = l.parseChannel(key);
      if (ref === undefined) return;
      const ck = channelKey(ref.tenant, ref.channel);
      if (ref.part === 'desired') {
        const d = this.#decode(desiredRecordSchema, key, value);
        if (d === undefined) return;
        this.desired.set(ck, d);
        sink.note('desired', ck);
        return;
      }
      const record = this.#decode(channelSpecSchema, key, value);
      if (record === undefined) return;
      const text = record.files[STRUCTURE_FILE] ?? '';
      const parsed = parseChannelStructure(text, { file: `${ck}/${STRUCTURE_FILE}`, ...ref });
      if (!parsed.ok) this.#logger.error({ key, issues: parsed.issues }, 'stored channel does not validate');
      this.specs.set(ck, {
        record,
        structure: parsed.ok ? parsed.value : undefined,
        ownFiles: parsed.ok ? ownFileDigests(parsed.value, record) : new Map(),
      });
      sink.note('spec', ck);
      return;
    }
    if (key.startsWith(l.pendings())) {
      const ref = l.parsePending(key);
      const p = this.#decode(pendingRecordSchema, key, value);
      if (ref === undefined || p === undefined) return;
      this.pending.set(channelKey(ref.tenant, ref.channel), p);
      sink.note('pending', channelKey(ref.tenant, ref.channel));
      return;
    }
    if (key.startsWith(l.resources())) {
      const ref = l.parseResource(key);
      const r = this.#decode(resourceRecordSchema, key, value);
      if (r === undefined || ref === undefined) return;
      this.resources.set(key, r);
      sink.note('resource', channelKey(ref.tenant, ref.channel));
      return;
    }
    if (key.startsWith(l.rollouts())) {
      const ref = l.parseRollout(key);
      const r = this.#decode(rolloutRecordSchema, key, value);
      if (r === undefined || ref === undefined) return;
      this.rollouts.set(channelKey(ref.tenant, ref.channel), r);
      sink.note('rollout', channelKey(ref.tenant, ref.channel));
      return;
    }
    if (key.startsWith(l.elections())) {
      if (!this.candidates.has(key)) this.candidates.set(key, revision);
      sink.note('election');
    }
  }

  #delete(key: string, sink: Sink): void {
    const l = this.#layout;
    const placement = this.placements.get(key);
    if (placement !== undefined) {
      this.placements.delete(key);
      sink.note('placement', channelKey(placement.tenant, placement.channel));
      return;
    }
    const status = this.statuses.get(key);
    if (status !== undefined) {
      this.statuses.delete(key);
      sink.note('status', channelKey(status.tenant, status.channel));
      return;
    }
    if (this.resources.delete(key)) {
      const ref = l.parseResource(key);
      sink.note('resource', ref === undefined ? undefined : channelKey(ref.tenant, ref.channel));
      return;
    }
    if (this.candidates.delete(key)) {
      sink.note('election');
      return;
    }
    const runner = key.startsWith(l.runners()) ? l.parseRunner(key) : undefined;
    if (runner !== undefined) {
      this.runnerLeases.delete(runner);
      if (this.runners.delete(runner)) sink.runner(runner);
      return;
    }
    const version = key.startsWith(l.channels()) ? l.parseChannelVersion(key) : undefined;
    if (version !== undefined) {
      const ck = channelKey(version.tenant, version.channel);
      const set = this.versions.get(ck);
      if (set?.delete(version.digest) === true) {
        if (set.size === 0) this.versions.delete(ck);
        sink.note('version', ck);
      }
      return;
    }
    const ch = key.startsWith(l.channels()) ? l.parseChannel(key) : undefined;
    if (ch !== undefined) {
      const ck = channelKey(ch.tenant, ch.channel);
      const gone = ch.part === 'spec' ? this.specs.delete(ck) : this.desired.delete(ck);
      if (gone) sink.note(ch.part, ck);
      return;
    }
    const pend = key.startsWith(l.pendings()) ? l.parsePending(key) : undefined;
    if (pend !== undefined) {
      const ck = channelKey(pend.tenant, pend.channel);
      if (this.pending.delete(ck)) sink.note('pending', ck);
      return;
    }
    const roll = key.startsWith(l.rollouts()) ? l.parseRollout(key) : undefined;
    if (roll !== undefined) {
      const ck = channelKey(roll.tenant, roll.channel);
      if (this.rollouts.delete(ck)) sink.note('rollout', ck);
    }
  }
}

interface Sink {
  readonly kinds: Set<RecordKind>;
  readonly channels: Set<string>;
  readonly runners: Set<string>;
  note(kind: RecordKind, channel?: string): void;
  runner(name: string): void;
}

function newSink(): Sink {
  const kinds = new Set<RecordKind>();
  const channels = new Set<string>();
  const runners = new Set<string>();
  return {
    kinds,
    channels,
    runners,
    note(kind, channel) {
      kinds.add(kind);
      if (channel !== undefined) channels.add(channel);
    },
    runner(name) {
      kinds.add('runner');
      runners.add(name);
    },
  };
}
