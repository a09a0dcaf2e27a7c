/**
 * Placement as one pure function, in the manner of Nomad's scheduler: feasibility (cluster and
 * all-of tags, distinct runners, memory) then ranking (spread, free memory, name).
 *
 * 1. Keep: every current assignment whose runner is still live, still eligible, not already
 *    hosting another instance of the application, and has room, stays where it is. A runner
 *    joining therefore moves nothing, and a runner leaving moves only its own instances. When the
 *    current placement overcommits a runner (its capacity shrank), the subset kept is the one
 *    met first in (application id, index) order; the rest is re-placed like new instances.
 * 2. Place: each missing instance, in (application id, index) order, goes to the best-ranked
 *    feasible runner; with none, it is pending with the reason.
 *
 * Inputs are sorted canonically first, so the result depends only on their content.
 */
import { isBetter, isEligible, type RunnerSlot } from './eligibility.js';
import { pendingReason } from './reasons.js';
import type {
  AppDemand,
  Assignment,
  PendingInstance,
  PlacementChanges,
  PlacementInput,
  PlacementResult,
} from './types.js';
import { validateInput } from './validate.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareAssignments(a: Assignment, b: Assignment): number {
  return byString(a.app, b.app) || a.index - b.index || byString(a.runner, b.runner);
}

/** Per application, the claimed runner of each index (a sparse array). */
type ByInstance = Map<string, Assignment[]>;

function toSlots(input: PlacementInput): Map<string, RunnerSlot> {
  const slots = new Map<string, RunnerSlot>();
  for (const runner of [...input.runners].sort((a, b) => byString(a.name, b.name))) {
    slots.set(runner.name, {
      name: runner.name,
      cluster: runner.cluster,
      tags: new Set(runner.tags),
      capacity: runner.capacity?.memoryBytes ?? Number.POSITIVE_INFINITY,
      used: 0,
      count: 0,
      apps: new Set(),
    });
  }
  return slots;
}

/**
 * The current placement with one runner per (app, index): when several claim one instance, the
 * lowest runner name wins, so the choice does not depend on input order. Linear and without
 * building string keys: this runs on every reconcile over the whole fleet.
 */
function currentByInstance(current: readonly Assignment[]): ByInstance {
  const byApp: ByInstance = new Map();
  for (const assignment of current) {
    let claims = byApp.get(assignment.app);
    if (claims === undefined) {
      claims = [];
      byApp.set(assignment.app, claims);
    }
    const held = claims[assignment.index];
    if (held === undefined || assignment.runner < held.runner) claims[assignment.index] = assignment;
  }
  return byApp;
}

function take(runner: RunnerSlot, app: AppDemand): void {
  runner.used += app.memoryBytes ?? 0;
  runner.count += 1;
  runner.apps.add(app.id);
}

function fits(runner: RunnerSlot, app: AppDemand): boolean {
  return runner.used + (app.memoryBytes ?? 0) <= runner.capacity;
}

export function place(input: PlacementInput): PlacementResult {
  validateInput(input);
  const apps = [...input.applications].sort((a, b) => byString(a.id, b.id));
  const runners = toSlots(input);
  const current = currentByInstance(input.current);
  const chosen = new Map<string, (string | undefined)[]>();

  for (const app of apps) {
    const slots: (string | undefined)[] = new Array(app.instances).fill(undefined);
    chosen.set(app.id, slots);
    for (let index = 0; index < app.instances; index++) {
      const was = current.get(app.id)?.[index];
      const runner = was === undefined ? undefined : runners.get(was.runner);
      if (runner === undefined || !isEligible(app, runner)) continue;
      if (runner.apps.has(app.id) || !fits(runner, app)) continue;
      take(runner, app);
      slots[index] = runner.name;
    }
  }

  const pending: PendingInstance[] = [];
  const eligibleBySignature = new Map<string, RunnerSlot[]>();
  const inClusterCount = new Map<string, number>();
  for (const runner of runners.values()) {
    inClusterCount.set(runner.cluster, (inClusterCount.get(runner.cluster) ?? 0) + 1);
  }

  for (const app of apps) {
    const slots = chosen.get(app.id) as (string | undefined)[];
    if (!slots.includes(undefined)) continue;
    // Applications with the same cluster and tags share one feasibility scan.
    const signature = `${app.cluster}\u0000${[...new Set(app.tags)].sort().join('\u0000')}`;
    let eligible = eligibleBySignature.get(signature);
    if (eligible === undefined) {
      eligible = [...runners.values()].filter((runner) => isEligible(app, runner));
      eligibleBySignature.set(signature, eligible);
    }
    let reason: string | undefined;
    for (let index = 0; index < app.instances; index++) {
      if (slots[index] !== undefined) continue;
      let best: RunnerSlot | undefined;
      if (reason === undefined) {
        for (const runner of eligible) {
          if (runner.apps.has(app.id) || !fits(runner, app)) continue;
          if (best === undefined || isBetter(runner, best)) best = runner;
        }
      }
      if (best === undefined) {
        // Nothing changes for this application's later indices: they share the reason.
        reason ??= pendingReason(app, inClusterCount.get(app.cluster) ?? 0, eligible);
        pending.push({ app: app.id, index, reason });
        continue;
      }
      take(best, app);
      slots[index] = best.name;
    }
  }

  const assignments: Assignment[] = [];
  for (const app of apps) {
    const slots = chosen.get(app.id) as (string | undefined)[];
    slots.forEach((runner, index) => {
      if (runner !== undefined) assignments.push({ app: app.id, index, runner });
    });
  }
  return { assignments, pending, changes: diff(apps, input.current, current, chosen) };
}

function diff(
  apps: readonly AppDemand[],
  raw: readonly Assignment[],
  current: ByInstance,
  chosen: ReadonlyMap<string, readonly (string | undefined)[]>,
): PlacementChanges {
  const place: Assignment[] = [];
  const stop: Assignment[] = [];
  const move: { from: Assignment; to: Assignment }[] = [];
  for (const app of apps) {
    const claims = current.get(app.id);
    const slots = chosen.get(app.id) ?? [];
    slots.forEach((runner, index) => {
      if (runner === undefined) return;
      const from = claims?.[index];
      if (from === undefined) place.push({ app: app.id, index, runner });
      else if (from.runner !== runner) move.push({ from, to: { app: app.id, index, runner } });
    });
  }
  const seen = new Set<string>();
  for (const assignment of raw) {
    const held = current.get(assignment.app)?.[assignment.index];
    const next = chosen.get(assignment.app)?.[assignment.index];
    // Kept or moved (a move is reported as such); anything else ends: its application or index
    // is gone, it is pending now, or it was a second claim on an instance that has its runner.
    if (next !== undefined && held?.runner === assignment.runner) continue;
    const exact = `${assignment.app}\u0000${assignment.index}\u0000${assignment.runner}`;
    if (seen.has(exact)) continue;
    seen.add(exact);
    stop.push(assignment);
  }
  stop.sort(compareAssignments);
  return { place, stop, move };
}
