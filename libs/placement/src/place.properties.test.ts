/**
 * The invariants of the placement engine, over random clusters of runners and applications.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { place } from './place.js';
import type { AppDemand, Assignment, PlacementInput, PlacementResult, RunnerInfo } from './types.js';

const Mi = 1024 ** 2;
const TAGS = ['front', 'back', 'ssd', 'dmz'];
const CLUSTERS = ['common', 'shiva_front'];

const runnerArb = (name: string): fc.Arbitrary<RunnerInfo> =>
  fc.record({
    name: fc.constant(name),
    cluster: fc.constantFrom(...CLUSTERS),
    tags: fc.subarray(TAGS),
    capacity: fc.option(fc.record({ memoryBytes: fc.integer({ min: 0, max: 8 }).map((n) => n * 256 * Mi) }), {
      nil: undefined,
    }),
  });

const runnersArb: fc.Arbitrary<RunnerInfo[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 12 })
  .chain((ids) => fc.tuple(...ids.map((id) => runnerArb(`r${id}`))));

const appsArb = (runnerNames: readonly string[]): fc.Arbitrary<AppDemand[]> =>
  fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }).chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.record({
          id: fc.constant(`t/c/app${id}`),
          cluster: fc.constantFrom(...CLUSTERS),
          // Sometimes pinned to a runner by its name, as the seed's receivers are.
          tags: fc.oneof(
            fc.subarray(TAGS, { maxLength: 2 }),
            runnerNames.length > 0 ? fc.constantFrom(...runnerNames).map((n) => [n]) : fc.constant([]),
          ),
          instances: fc.integer({ min: 1, max: 4 }),
          memoryBytes: fc.option(
            fc.integer({ min: 0, max: 4 }).map((n) => n * 128 * Mi),
            { nil: undefined },
          ),
        }),
      ),
    ),
  );

/** A world whose current placement is itself a result of the engine (as in production). */
const worldArb: fc.Arbitrary<PlacementInput> = runnersArb.chain((runners) =>
  appsArb(runners.map((r) => r.name)).map((applications) => {
    const settled = place({ applications, runners, current: [] });
    return { applications, runners, current: settled.assignments };
  }),
);

/** Any current placement at all, including stale, duplicated and overcommitted ones. */
const messyWorldArb: fc.Arbitrary<PlacementInput> = runnersArb.chain((runners) =>
  appsArb(runners.map((r) => r.name)).chain((applications) =>
    fc
      .array(
        fc.record({
          app: fc.constantFrom('t/c/app1', 't/c/app2', 't/c/gone', ...applications.map((a) => a.id)),
          index: fc.integer({ min: 0, max: 5 }),
          runner: fc.constantFrom('r1', 'r2', 'gone', ...runners.map((r) => r.name)),
        }),
        { maxLength: 30 },
      )
      .map((current) => ({ applications, runners, current })),
  ),
);

function eligible(app: AppDemand, runner: RunnerInfo): boolean {
  return (
    app.cluster === runner.cluster && app.tags.every((t) => t === runner.name || runner.tags.includes(t))
  );
}

const key = (a: Assignment): string => `${a.app}#${a.index}@${a.runner}`;

function checkSound(input: PlacementInput, result: PlacementResult): void {
  const apps = new Map(input.applications.map((a) => [a.id, a]));
  const runners = new Map(input.runners.map((r) => [r.name, r]));
  const used = new Map<string, number>();
  const hosts = new Set<string>();
  for (const a of result.assignments) {
    const app = apps.get(a.app);
    const runner = runners.get(a.runner);
    expect(app, `assignment of unknown app ${a.app}`).toBeDefined();
    expect(runner, `assignment to unknown runner ${a.runner}`).toBeDefined();
    if (app === undefined || runner === undefined) return;
    expect(eligible(app, runner), `${key(a)} is ineligible`).toBe(true);
    expect(hosts.has(`${a.app}@${a.runner}`), `two instances of ${a.app} on ${a.runner}`).toBe(false);
    hosts.add(`${a.app}@${a.runner}`);
    used.set(a.runner, (used.get(a.runner) ?? 0) + (app.memoryBytes ?? 0));
  }
  for (const [name, bytes] of used) {
    const capacity = runners.get(name)?.capacity?.memoryBytes;
    if (capacity !== undefined) expect(bytes, `runner ${name} overcommitted`).toBeLessThanOrEqual(capacity);
  }
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 48271) % 2147483647;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('placement invariants', () => {
  it('never places on an ineligible runner, never twice on one runner, never over capacity', () => {
    fc.assert(fc.property(messyWorldArb, (input) => checkSound(input, place(input))));
  });

  it('gives every instance either a runner or a pending reason, never both', () => {
    fc.assert(
      fc.property(messyWorldArb, (input) => {
        const result = place(input);
        const placed = new Set(result.assignments.map((a) => `${a.app}#${a.index}`));
        const pending = new Set(result.pending.map((p) => `${p.app}#${p.index}`));
        for (const p of result.pending) expect(p.reason.length).toBeGreaterThan(0);
        for (const app of input.applications) {
          for (let i = 0; i < app.instances; i++) {
            const id = `${app.id}#${i}`;
            expect(placed.has(id) !== pending.has(id), `${id} placed xor pending`).toBe(true);
          }
        }
        const expected = input.applications.reduce((n, a) => n + a.instances, 0);
        expect(placed.size + pending.size).toBe(expected);
      }),
    );
  });

  it('depends only on the content of its input, not its order', () => {
    fc.assert(
      fc.property(messyWorldArb, fc.integer({ min: 1, max: 1_000_000 }), (input, seed) => {
        const again = place({
          applications: shuffled(input.applications, seed),
          runners: shuffled(input.runners, seed + 1).map((r) => ({ ...r, tags: shuffled(r.tags, seed) })),
          current: shuffled(input.current, seed + 2),
        });
        expect(again).toEqual(place(input));
      }),
    );
  });

  it('is idempotent: placing again from its own result changes nothing', () => {
    fc.assert(
      fc.property(messyWorldArb, (input) => {
        const first = place(input);
        const second = place({ ...input, current: first.assignments });
        expect(second.assignments).toEqual(first.assignments);
        expect(second.changes).toEqual({ place: [], stop: [], move: [] });
      }),
    );
  });

  it('moves nothing when a runner joins', () => {
    fc.assert(
      fc.property(worldArb, runnerArb('joiner'), (input, joiner) => {
        const result = place({ ...input, runners: [...input.runners, joiner] });
        expect(result.changes.move).toEqual([]);
        expect(result.changes.stop).toEqual([]);
        const now = new Set(result.assignments.map(key));
        for (const a of input.current) expect(now.has(key(a)), `${key(a)} kept`).toBe(true);
      }),
    );
  });

  it('moves only the instances of a runner that leaves', () => {
    fc.assert(
      fc.property(
        worldArb.filter((w) => w.runners.length > 0),
        fc.nat(),
        (input, pick) => {
          const leaving = input.runners[pick % input.runners.length] as RunnerInfo;
          const result = place({ ...input, runners: input.runners.filter((r) => r !== leaving) });
          const now = new Set(result.assignments.map(key));
          for (const a of input.current) {
            if (a.runner !== leaving.name) expect(now.has(key(a)), `${key(a)} kept`).toBe(true);
          }
          for (const m of result.changes.move) expect(m.from.runner).toBe(leaving.name);
          for (const s of result.changes.stop) expect(s.runner).toBe(leaving.name);
          checkSound({ ...input, runners: input.runners.filter((r) => r !== leaving) }, result);
        },
      ),
    );
  });
});
