/**
 * Plain data in, plain data out: the placement engine never sees etcd, clocks or randomness.
 * Memory is in bytes; an application without `memoryBytes` counts as 0 against capacity, and a
 * runner without `capacity.memoryBytes` has no memory bound.
 */

/** A live runner: its name is always one of its tags, whether listed in `tags` or not. */
export interface RunnerInfo {
  readonly name: string;
  readonly cluster: string;
  readonly tags: readonly string[];
  readonly capacity?: { readonly memoryBytes?: number | undefined } | undefined;
}

/** What one application asks for: `instances` copies on distinct runners carrying all `tags`. */
export interface AppDemand {
  /** Unique id, by convention `tenant/channel/application`. */
  readonly id: string;
  readonly cluster: string;
  /** All-of: an eligible runner carries every one of these (its name counts as a tag). */
  readonly tags: readonly string[];
  readonly instances: number;
  readonly memoryBytes?: number | undefined;
}

export interface Assignment {
  readonly app: string;
  readonly index: number;
  readonly runner: string;
}

export interface PendingInstance {
  readonly app: string;
  readonly index: number;
  /** Operator-readable, e.g. "no live runner in cluster shiva_front with tags [centralfront2]". */
  readonly reason: string;
}

export interface PlacementInput {
  readonly applications: readonly AppDemand[];
  readonly runners: readonly RunnerInfo[];
  /** The placement in force now (as read from the store); may name runners that are gone. */
  readonly current: readonly Assignment[];
}

export interface PlacementChanges {
  /** Instances that had no runner and now have one. */
  readonly place: readonly Assignment[];
  /** Assignments that end without a replacement (app gone, index dropped, or now pending). */
  readonly stop: readonly Assignment[];
  /** Instances that change runner. */
  readonly move: readonly { readonly from: Assignment; readonly to: Assignment }[];
}

export interface PlacementResult {
  /** The complete desired placement, sorted by app id then index. */
  readonly assignments: readonly Assignment[];
  /** Instances with no runner, sorted by app id then index, each with its reason. */
  readonly pending: readonly PendingInstance[];
  readonly changes: PlacementChanges;
}
