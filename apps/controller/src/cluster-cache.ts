/**
 * An informer over the whole key prefix: list once, then watch, keeping a decoded copy of every
 * record in memory. It is a cache of etcd, nothing more: a restarted controller rebuilds it from
 * etcd alone. Records that do not decode are logged and left out (never crash on bad data).
 *
 * Listeners hear which kinds of records changed, so the reconciler ignores status churn.
 */
import { type ChannelStructure, parseChannelStructure, STRUCTURE_FILE } from '@drover/channel-model';
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
  type RunnerRecord,
  resourceRecordSchema,
  runnerRecordSchema,
  type StatusRecord,
  statusRecordSchema,
} from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { KeyLayout, PrefixWatch, SnapshotEntry, Store, WatchEvent, WatchState } from '@drover/store';
import type { z } from 'zod';

export type RecordKind =
  | 'runner'
  | 'spec'
  | 'desired'
  | 'placement'
  | 'status'
  | 'pending'
  | 'resource'
  | 'election';

export interface CachedSpec {
  readonly record: ChannelSpecRecord;
  /** The parsed structure; undefined when the stored files no longer validate. */
  readonly structure: ChannelStructure | undefined;
}

const channelKey = (tenant: string, channel: string) => `${tenant}/${channel}`;

export class ClusterCache {
  readonly runners = new Map<string, RunnerRecord>();
  readonly specs = new Map<string, CachedSpec>();
  readonly desired = new Map<string, DesiredRecord>();
  /** By full etcd key. */
  readonly placements = new Map<string, PlacementRecord>();
  readonly statuses = new Map<string, StatusRecord>();
  readonly pending = new Map<string, PendingRecord>();
  readonly resources = new Map<string, ResourceRecord>();
  /** Election keys with their create revision (the lowest leads). */
  readonly candidates = new Map<string, number>();
  #store: Store;
  #layout: KeyLayout;
  #logger: Logger;
  #watch: PrefixWatch | undefined;
  #listeners: ((kinds: ReadonlySet<RecordKind>) => void)[] = [];
  #state: WatchState = 'disconnected';
  #synced = false;

  constructor(store: Store, logger: Logger) {
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
    return this.#watch?.lastRevision ?? 0;
  }

  get layout(): KeyLayout {
    return this.#layout;
  }

  onChange(listener: (kinds: ReadonlySet<RecordKind>) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Resolves once the cache has seen `revision` (or after `timeoutMs`). */
  async seen(revision: number, timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.revision < revision) {
      if (Date.now() > until) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
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

  /** Every channel known by a spec or a desired state, as `tenant/channel`, sorted. */
  channels(): { tenant: string; channel: string }[] {
    const keys = new Set([...this.specs.keys(), ...this.desired.keys()]);
    return [...keys].sort().map((k) => {
      const [tenant = '', channel = ''] = k.split('/');
      return { tenant, channel };
    });
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
      this.specs,
      this.desired,
      this.placements,
      this.statuses,
      this.pending,
      this.resources,
      this.candidates,
    ]) {
      map.clear();
    }
    for (const entry of snapshot) this.#put(entry.key, entry.value, entry.revision);
    this.#synced = true;
    this.#logger.info({ revision, keys: snapshot.length }, 'cache listed');
    this.#emit(
      new Set<RecordKind>([
        'runner',
        'spec',
        'desired',
        'placement',
        'status',
        'pending',
        'resource',
        'election',
      ]),
    );
  }

  #apply(events: readonly WatchEvent[]): void {
    const kinds = new Set<RecordKind>();
    for (const e of events) {
      const kind = e.type === 'put' ? this.#put(e.key, e.value, e.revision) : this.#delete(e.key);
      if (kind !== undefined) kinds.add(kind);
    }
    if (kinds.size > 0) this.#emit(kinds);
  }

  #emit(kinds: ReadonlySet<RecordKind>): void {
    for (const listener of this.#listeners) listener(kinds);
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

  #put(key: string, value: unknown, revision: number): RecordKind | undefined {
    const l = this.#layout;
    if (key.startsWith(l.placements())) {
      const p = this.#decode(placementRecordSchema, key, value);
      if (p === undefined || l.parsePlacement(key) === undefined) return undefined;
      this.placements.set(key, p);
      return 'placement';
    }
    if (key.startsWith(l.statuses())) {
      const s = this.#decode(statusRecordSchema, key, value);
      if (s === undefined) return undefined;
      this.statuses.set(key, s);
      return 'status';
    }
    if (key.startsWith(l.runners())) {
      const name = l.parseRunner(key);
      const r = this.#decode(runnerRecordSchema, key, value);
      if (r === undefined || name === undefined) return undefined;
      this.runners.set(name, r);
      return 'runner';
    }
    if (key.startsWith(l.channels())) {
      const ref = l.parseChannel(key);
      if (ref === undefined) return undefined;
      const ck = channelKey(ref.tenant, ref.channel);
      if (ref.part === 'desired') {
        const d = this.#decode(desiredRecordSchema, key, value);
        if (d === undefined) return undefined;
        this.desired.set(ck, d);
        return 'desired';
      }
      const record = this.#decode(channelSpecSchema, key, value);
      if (record === undefined) return undefined;
      const text = record.files[STRUCTURE_FILE] ?? '';
      const parsed = parseChannelStructure(text, { file: `${ck}/${STRUCTURE_FILE}`, ...ref });
      if (!parsed.ok) this.#logger.error({ key, issues: parsed.issues }, 'stored channel does not validate');
      this.specs.set(ck, { record, structure: parsed.ok ? parsed.value : undefined });
      return 'spec';
    }
    if (key.startsWith(l.pendings())) {
      const ref = l.parsePending(key);
      const p = this.#decode(pendingRecordSchema, key, value);
      if (ref === undefined || p === undefined) return undefined;
      this.pending.set(channelKey(ref.tenant, ref.channel), p);
      return 'pending';
    }
    if (key.startsWith(l.resources())) {
      const r = this.#decode(resourceRecordSchema, key, value);
      if (r === undefined) return undefined;
      this.resources.set(key, r);
      return 'resource';
    }
    if (key.startsWith(`${l.root}election/`)) {
      if (!this.candidates.has(key)) this.candidates.set(key, revision);
      return 'election';
    }
    return undefined;
  }

  #delete(key: string): RecordKind | undefined {
    const l = this.#layout;
    if (this.placements.delete(key)) return 'placement';
    if (this.statuses.delete(key)) return 'status';
    if (this.resources.delete(key)) return 'resource';
    if (this.candidates.delete(key)) return 'election';
    const runner = key.startsWith(l.runners()) ? l.parseRunner(key) : undefined;
    if (runner !== undefined) return this.runners.delete(runner) ? 'runner' : undefined;
    const ch = key.startsWith(l.channels()) ? l.parseChannel(key) : undefined;
    if (ch !== undefined) {
      const ck = channelKey(ch.tenant, ch.channel);
      if (ch.part === 'spec') return this.specs.delete(ck) ? 'spec' : undefined;
      return this.desired.delete(ck) ? 'desired' : undefined;
    }
    const pend = key.startsWith(l.pendings()) ? l.parsePending(key) : undefined;
    if (pend !== undefined)
      return this.pending.delete(channelKey(pend.tenant, pend.channel)) ? 'pending' : undefined;
    return undefined;
  }
}
