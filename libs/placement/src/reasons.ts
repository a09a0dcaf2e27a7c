import { formatBytes } from './bytes.js';
import { freeMemory, type RunnerSlot } from './eligibility.js';
import type { AppDemand } from './types.js';

function where(app: AppDemand): string {
  return app.tags.length === 0
    ? `in cluster ${app.cluster}`
    : `in cluster ${app.cluster} with tags [${[...app.tags].sort().join(', ')}]`;
}

/**
 * Why no runner could take an instance of `app`, in the terms an operator acts on: which tag is
 * missing, that all eligible runners already host one, or how much memory is lacking where.
 */
export function pendingReason(app: AppDemand, inCluster: number, eligible: readonly RunnerSlot[]): string {
  if (inCluster === 0) return `no live runner in cluster ${app.cluster}`;
  if (eligible.length === 0) return `no live runner ${where(app)}`;
  const open = eligible.filter((runner) => !runner.apps.has(app.id));
  if (open.length === 0) {
    const n = eligible.length;
    return `${n} eligible runner${n === 1 ? '' : 's'} ${where(app)} but all already host an instance of ${app.id}`;
  }
  let largest = open[0] as RunnerSlot;
  for (const runner of open) {
    const free = freeMemory(runner);
    const best = freeMemory(largest);
    if (free > best || (free === best && runner.name < largest.name)) largest = runner;
  }
  return (
    `no eligible runner has ${formatBytes(app.memoryBytes ?? 0)} free ` +
    `(largest free: ${formatBytes(Math.max(0, freeMemory(largest)))} on ${largest.name})`
  );
}
