/**
 * What the API needs from the rest of the controller, as small interfaces of our own: the cache
 * behind reads (and the console's live stream), etcd behind mutations and the audit log, the
 * election, metrics, the runners' endpoints and the log store.
 * Tests give fakes (api/*.test.ts); controller.ts gives the real ones.
 */
import type { ChannelRef, InstanceRef } from '@drover/channel-model';
import type { AuditEntry, ChannelView, ControllerIdentity, RunnerView } from '@drover/cluster-state';
import type { SearchQuery, SearchResult } from '@drover/log-store';
import type { RecordKind } from '../cluster-cache.js';

/** The read side: views of what etcd holds, as this controller's cache mirrors it. */
export interface ClusterReader {
  /** The first listing from etcd is in (before it, reads answer 503 DRV_NOT_SYNCED). */
  readonly synced: boolean;
  /** The watch on etcd is connected now. */
  readonly connected: boolean;
  runners(): RunnerView[];
  channels(): ChannelView[];
  channel(ref: ChannelRef): ChannelView | undefined;
  /** The runner an instance runs on (as reported, else as placed), with its API address. */
  instanceRunner(ref: InstanceRef): { readonly name: string; readonly api: string | undefined } | undefined;
  /** Resolves once the reader has applied `revision` (true), or gives up (false). */
  seen(revision: number): Promise<boolean>;
}

/** A mutation's outcome: the etcd revision it wrote at (0 when it changed nothing). */
export interface Written {
  readonly revision: number;
}

/**
 * The write side: desired state in etcd, for the leader to act on. Errors are ApiProblems (an
 * unknown channel, a conflict, an invalid upload) or StoreErrors (etcd unavailable).
 */
export interface ChannelCommands {
  upload(
    ref: ChannelRef,
    files: Readonly<Record<string, string>>,
    binaryFiles: Readonly<Record<string, string>>,
  ): Promise<Written & { readonly specDigest: string; readonly changed: boolean }>;
  /** The digest of the channel's uploaded files (its `spec`, read from etcd); undefined: never uploaded. */
  specDigest(ref: ChannelRef): Promise<string | undefined>;
  start(ref: ChannelRef): Promise<Written>;
  stop(ref: ChannelRef): Promise<Written>;
  reload(ref: ChannelRef): Promise<Written>;
}

/** This controller in the election. */
export interface LeaderInfo {
  readonly id: string;
  isLeader(): boolean;
  /** The current leader's identity, if any (read from etcd). */
  leader(): Promise<ControllerIdentity | undefined>;
}

/** Prometheus text of the controller's registry. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** How the API reaches a runner's own HTTP API (global fetch in production). */
export type RunnerFetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

/** The audit log of mutations (in etcd: apps/controller/src/audit-log.ts). */
export interface AuditLog {
  /** Appends one entry; rejects when it could not be written (a StoreError). */
  append(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries written at or after `since`, oldest first; `truncated` when there were more. */
  list(query: { readonly since: Date; readonly limit: number }): Promise<{
    readonly entries: AuditEntry[];
    readonly truncated: boolean;
  }>;
}

/** What changed in one delivery from etcd, as the live stream needs it (cluster-cache.ts). */
export interface ClusterChange {
  readonly kinds: ReadonlySet<RecordKind>;
  /** A full listing replaced everything (first sync, or after compaction). */
  readonly resync: boolean;
}

/**
 * The reader, followed live: the console's stream (console/live-hub.ts) builds whole states from
 * the reader's views whenever the cache applies a change.
 */
export interface LiveSource extends ClusterReader {
  /** The etcd revision the views reflect (the SSE event id). */
  readonly revision: number;
  /** Called after every change the cache applied; returns the unsubscription. */
  onChange(listener: (change: ClusterChange) => void): () => void;
  /** Like `seen`, waiting at most `timeoutMs`. */
  seenWithin(revision: number, timeoutMs: number): Promise<boolean>;
  /** Live runners' names and the lease (decimal id) each record is on. */
  runnerLeases(): ReadonlyMap<string, string>;
}

/**
 * The PostgreSQL log store the console searches (@drover/log-store's LogStore). Errors are
 * LogStoreError (unavailable, no table, timeout, failed) or CursorError.
 */
export interface LogSearch {
  readonly table: { readonly schema: string; readonly table: string };
  search(query: SearchQuery): Promise<SearchResult>;
  /** The whole stored event, or undefined when no row has this id. */
  event(id: string): Promise<Record<string, unknown> | undefined>;
}
