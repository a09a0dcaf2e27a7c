/**
 * The console's live stream (server-sent events, libs/cluster-state/src/live.ts for the events):
 * fed by the cache's etcd watch (through the LiveSource port). Changes are coalesced for COALESCE_MS, then each state a
 * subscriber follows is built once, serialised once, and written to every subscriber whose last
 * copy differs — so 50 open pages cost one build and 50 writes, not 50 builds.
 *
 * Runners' heartbeats (console/heartbeats.ts) are read from etcd's leases in rounds, only while an
 * overview page is open, and sent as their own event so a round never rebuilds the runner list.
 *
 * Memory stays bounded: a subscriber that does not read (its socket buffer past
 * MAX_BUFFERED_BYTES) is disconnected; its browser reconnects and gets the whole state again.
 */
import {
  type ClusterLive,
  type ControllerIdentity,
  channelLive,
  type LiveEventName,
  type LostRunner,
  type RunnerLive,
  runnerLive,
  updateLostRunners,
} from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { LeaderInfo, LiveSource } from '../api/ports.js';
import type { RecordKind } from '../cluster-cache.js';
import { HEARTBEAT_ROUND_MS, HeartbeatProbe, type LeaseClock } from './heartbeats.js';

/** Changes within this window go out together. */
export const COALESCE_MS = 50;
/** A comment line this often keeps proxies from closing an idle stream. */
export const KEEPALIVE_MS = 15_000;
/** The cluster state (leader, etcd link) is checked this often: it can change without an etcd event. */
export const CLUSTER_CHECK_MS = 1000;
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** The browser's reconnect delay after a lost stream. */
export const RETRY_MS = 1000;

export interface LiveSink {
  /** Writes raw SSE text; returns the bytes still buffered for this client. */
  write(text: string): number;
  close(): void;
}

export type Subscription = { readonly kind: 'overview' } | { readonly kind: 'channel'; readonly key: string };

interface Subscriber {
  readonly sink: LiveSink;
  readonly subscription: Subscription;
  /** What this subscriber last received, by event name. */
  readonly last: Map<LiveEventName, string>;
}

export interface LiveHubOptions {
  readonly source: LiveSource;
  readonly leader: LeaderInfo;
  readonly logger: Logger;
  /** etcd's leases, for the runners' heartbeats; without it the overview has none. */
  readonly leases?: LeaseClock;
}

const CHANNEL_KINDS: ReadonlySet<RecordKind> = new Set([
  'spec',
  'desired',
  'placement',
  'status',
  'pending',
  'resource',
  'rollout',
]);

/** A full listing may have changed anything. */
const ALL_KINDS: ReadonlySet<RecordKind> = new Set([...CHANNEL_KINDS, 'runner', 'election']);

/** One SSE frame (the JSON has no newlines). */
export function frame(event: LiveEventName, data: string, id: number): string {
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

export class LiveHub {
  readonly #o: LiveHubOptions;
  readonly #subscribers = new Set<Subscriber>();
  #runners = new Map<string, RunnerLive>();
  #lost: LostRunner[] = [];
  #leader: ControllerIdentity | undefined;
  /** Built states, valid until a change of their kinds; channels by `tenant/channel`. */
  #built = new Map<string, string>();
  #dirty = new Set<RecordKind>();
  #flushTimer: NodeJS.Timeout | undefined;
  #timers: NodeJS.Timeout[] = [];
  #unsubscribe: (() => void) | undefined;
  readonly #heartbeats: HeartbeatProbe | undefined;
  #heartbeatRound: Promise<void> | undefined;
  /** Builds and sends, for the benchmarks and metrics. */
  stats = { flushes: 0, builds: 0, frames: 0, dropped: 0 };

  constructor(options: LiveHubOptions) {
    this.#o = options;
    this.#heartbeats =
      options.leases === undefined ? undefined : new HeartbeatProbe(options.leases, options.logger);
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  start(): void {
    this.#unsubscribe = this.#o.source.onChange((change) =>
      this.#changed(change.resync ? ALL_KINDS : change.kinds),
    );
    this.#trackRunners();
    void this.#refreshLeader();
    this.#timers.push(
      setInterval(() => {
        for (const s of this.#subscribers) this.#write(s, ': keepalive\n\n');
      }, KEEPALIVE_MS),
      setInterval(() => this.#sendCluster(), CLUSTER_CHECK_MS),
      setInterval(() => this.#checkHeartbeats(), HEARTBEAT_ROUND_MS),
    );
    for (const t of this.#timers) t.unref();
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const t of this.#timers) clearInterval(t);
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    for (const s of this.#subscribers) s.sink.close();
    this.#subscribers.clear();
  }

  /** Adds a subscriber and sends it the whole state it follows; returns its removal. */
  subscribe(sink: LiveSink, subscription: Subscription): () => void {
    const subscriber: Subscriber = { sink, subscription, last: new Map() };
    this.#subscribers.add(subscriber);
    sink.write(`retry: ${RETRY_MS}\n\n`);
    this.#sendCluster(subscriber);
    this.#sendStates([subscriber]);
    if (subscription.kind === 'overview' && !this.#built.has('heartbeats')) this.#checkHeartbeats();
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  /** A round of lease checks, while an overview page is open (one round at a time). */
  #checkHeartbeats(): void {
    const probe = this.#heartbeats;
    if (probe === undefined || this.#heartbeatRound !== undefined) return;
    if (![...this.#subscribers].some((s) => s.subscription.kind === 'overview')) {
      // Nobody looks: forget, so the next page starts from fresh checks, not old ones.
      probe.clear();
      this.#built.delete('heartbeats');
      return;
    }
    if (!this.#o.source.synced) return;
    this.#heartbeatRound = probe
      .round(this.#o.source.runnerLeases())
      .then(() => {
        this.#built.set('heartbeats', JSON.stringify(probe.snapshot()));
        this.#sendStates([...this.#subscribers].filter((s) => s.subscription.kind === 'overview'));
      })
      .catch((err: unknown) => {
        // Never an unhandled rejection in the controller: a round that failed is just not sent.
        this.#o.logger.warn({ err: (err as Error).message }, 'live: a heartbeat round failed');
      })
      .finally(() => {
        this.#heartbeatRound = undefined;
      });
  }

  #changed(kinds: ReadonlySet<RecordKind>): void {
    for (const k of kinds) this.#dirty.add(k);
    if (kinds.has('runner')) this.#trackRunners();
    if (kinds.has('election')) void this.#refreshLeader();
    this.#flushTimer ??= setTimeout(() => this.#flush(), COALESCE_MS);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    const dirty = this.#dirty;
    this.#dirty = new Set();
    this.stats.flushes++;
    if (dirty.has('runner') || dirty.has('placement')) this.#built.delete('runners');
    if ([...dirty].some((k) => CHANNEL_KINDS.has(k))) {
      for (const key of [...this.#built.keys()])
        if (key !== 'runners' && key !== 'heartbeats') this.#built.delete(key);
    }
    this.#sendStates([...this.#subscribers]);
  }

  /** Runner changes are followed even with nobody watching, so losses are known when someone looks. */
  #trackRunners(): void {
    const now = new Map(this.#o.source.runners().map((r) => [r.name, runnerLive(r)]));
    if (this.#o.source.synced) this.#lost = updateLostRunners(this.#lost, this.#runners, now, new Date());
    this.#runners = now;
  }

  async #refreshLeader(): Promise<void> {
    try {
      this.#leader = await this.#o.leader.leader();
    } catch (err) {
      this.#o.logger.debug({ err: (err as Error).message }, 'live: leader lookup failed');
      this.#leader = undefined;
    }
    this.#sendCluster();
  }

  #clusterState(): ClusterLive {
    return {
      self: { id: this.#o.leader.id, leader: this.#o.leader.isLeader() },
      leader: this.#leader ?? null,
      etcd: this.#o.source.connected && this.#o.source.synced,
    };
  }

  #sendCluster(only?: Subscriber): void {
    const text = JSON.stringify(this.#clusterState());
    for (const s of only === undefined ? this.#subscribers : [only]) this.#send(s, 'cluster', text);
  }

  #build(key: string): string | undefined {
    const hit = this.#built.get(key);
    if (hit !== undefined) return hit;
    this.stats.builds++;
    let text: string | undefined;
    if (key === 'runners') {
      const runners = this.#o.source.runners().map(runnerLive);
      text = JSON.stringify({ runners, lost: this.#lost });
    } else if (key === 'channels') {
      text = JSON.stringify({ channels: this.#o.source.channels().map(channelLive) });
    } else {
      const [tenant = '', channel = ''] = key.slice('channel:'.length).split('/');
      text = JSON.stringify(this.#o.source.channel({ tenant, channel }) ?? null);
    }
    this.#built.set(key, text);
    return text;
  }

  #sendStates(subscribers: readonly Subscriber[]): void {
    // Before the first listing from etcd, the views are empty, not true: say nothing yet (the
    // cluster event tells etcd: false); the listing's change sends everything.
    if (!this.#o.source.synced) return;
    for (const s of subscribers) {
      if (s.subscription.kind === 'overview') {
        this.#send(s, 'runners', this.#build('runners'));
        this.#send(s, 'channels', this.#build('channels'));
        this.#send(s, 'heartbeats', this.#built.get('heartbeats'));
      } else {
        this.#send(s, 'channel', this.#build(`channel:${s.subscription.key}`));
      }
    }
  }

  #send(s: Subscriber, event: LiveEventName, text: string | undefined): void {
    if (text === undefined || s.last.get(event) === text) return;
    s.last.set(event, text);
    this.stats.frames++;
    this.#write(s, frame(event, text, this.#o.source.revision));
  }

  #write(s: Subscriber, text: string): void {
    if (!this.#subscribers.has(s)) return;
    const buffered = s.sink.write(text);
    if (buffered > MAX_BUFFERED_BYTES) {
      this.stats.dropped++;
      this.#o.logger.warn(
        { buffered },
        'live: a client does not keep up: disconnecting it (it will reconnect)',
      );
      this.#subscribers.delete(s);
      s.sink.close();
    }
  }
}
