/**
 * What the API needs from the rest of the controller, as small interfaces of our own: the cache
 * behind reads, etcd behind mutations, the election, metrics and the runners' log endpoints.
 * Tests give fakes (api/*.test.ts); controller.ts gives the real ones.
 */
import type { ChannelRef, InstanceRef } from '@drover/channel-model';
import type { ChannelView, ControllerIdentity, RunnerView } from '@drover/cluster-state';

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
