import type { AppDemand } from './types.js';

/** A runner as the engine tracks it while placing: its tag set and what it already carries. */
export interface RunnerSlot {
  readonly name: string;
  readonly cluster: string;
  readonly tags: ReadonlySet<string>;
  /** Infinity when the runner declares no memory capacity. */
  readonly capacity: number;
  used: number;
  /** Instances of every application on this runner, the spread criterion. */
  count: number;
  /** Application ids with an instance here: instances of one application never share a runner. */
  readonly apps: Set<string>;
}

/** Feasibility by cluster and all-of tags; the runner's own name always counts as a tag. */
export function isEligible(app: AppDemand, runner: RunnerSlot): boolean {
  if (app.cluster !== runner.cluster) return false;
  for (const tag of app.tags) {
    if (tag !== runner.name && !runner.tags.has(tag)) return false;
  }
  return true;
}

export function freeMemory(runner: RunnerSlot): number {
  return runner.capacity - runner.used;
}

/**
 * Ranking among feasible runners, best first: spread (fewest instances), then most free memory,
 * then name order. The name is the last tie-break so the result never depends on input order.
 */
export function isBetter(candidate: RunnerSlot, best: RunnerSlot): boolean {
  if (candidate.count !== best.count) return candidate.count < best.count;
  const free = freeMemory(candidate);
  const bestFree = freeMemory(best);
  if (free !== bestFree) return free > bestFree;
  return candidate.name < best.name;
}
