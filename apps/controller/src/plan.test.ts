import { type ChannelStructure, parseChannelStructure, unwrap } from '@drover/channel-model';
import type {
  DesiredRecord,
  PendingRecord,
  PlacementRecord,
  ResourceRecord,
  RunnerRecord,
} from '@drover/cluster-state';
import { KeyLayout } from '@drover/store';
import { describe, expect, it } from 'vitest';
import { type Plan, type PlanInput, plan, resourceDeclaration } from './plan.js';

const layout = new KeyLayout('/drover');
const at = '2026-11-23T00:00:00.000Z';

const structure: ChannelStructure = unwrap(
  parseChannelStructure(
    `version: "6.0"
applications:
  - name: r1
    runtime: shiva
    cluster: front
    shiva_runner_tags: [centralfront1]
    command: idle-app
  - name: r2
    runtime: shiva
    cluster: front
    shiva_runner_tags: [centralfront2]
    command: idle-app
  - name: anyfront
    runtime: shiva
    cluster: front
    shiva_runner_tags: [front]
    command: idle-app
    reload_action: none
resources:
  - type: kafka_topic
    cluster: kafka_front
    name: t1
    partitions: 1
    replication_factor: 1
`,
    { file: 'channel_structure.yaml' },
  ),
);

const desired = (over: Partial<DesiredRecord> = {}): DesiredRecord => ({
  state: 'started',
  generation: 1,
  reload: 0,
  updatedAt: at,
  ...over,
});

const runner = (name: string, tags: string[]): RunnerRecord => ({
  name,
  cluster: 'front',
  tags: [name, ...tags],
  capacity: {},
  version: '0.1.0',
  startedAt: at,
});

const front1 = runner('front1', ['centralfront1', 'front']);
const front2 = runner('front2', ['centralfront2', 'front']);
const back1 = { ...runner('back1', ['back']), cluster: 'back' };

function readyTopic(d: DesiredRecord): Map<string, ResourceRecord> {
  const resource = structure.resources[0];
  if (resource === undefined) throw new Error('fixture');
  return new Map([
    [
      layout.resource('t', 'c', 't1'),
      {
        type: 'kafka_topic',
        name: 't1',
        cluster: 'kafka_front',
        state: 'created',
        error: null,
        declaration: resourceDeclaration(resource, d),
        checkedAt: at,
      },
    ],
  ]);
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  const d = desired();
  return {
    layout,
    started: [{ tenant: 't', channel: 'c', structure, specDigest: 's1', desired: d }],
    frozen: new Set(),
    runners: [front1, front2, back1],
    placements: new Map(),
    pending: new Map(),
    resources: readyTopic(d),
    ...over,
  };
}

/** Applies a plan to the maps it was computed from (what etcd and the cache would hold next). */
function applied(before: PlanInput, p: Plan): PlanInput {
  const placements = new Map(before.placements);
  const pending = new Map(before.pending);
  for (const key of p.delete) {
    placements.delete(key);
    const ref = layout.parsePending(key);
    if (ref !== undefined) pending.delete(`${ref.tenant}/${ref.channel}`);
  }
  for (const { key, value } of p.put) {
    const ref = layout.parsePending(key);
    if (ref !== undefined) pending.set(`${ref.tenant}/${ref.channel}`, value as PendingRecord);
    else placements.set(key, value as PlacementRecord);
  }
  return { ...before, placements, pending };
}

const where = (i: PlanInput) =>
  Object.fromEntries([...i.placements.values()].map((p) => [`${p.app}/${p.index}`, p.runner]));

describe('plan', () => {
  it('places pinned applications on their tagged runners and reaches a fixpoint', () => {
    const first = input();
    const p = plan(first);
    expect(p.topics).toEqual([]);
    const next = applied(first, p);
    expect(where(next)).toEqual({
      'r1/0': 'front1',
      'r2/0': 'front2',
      'anyfront/0': expect.stringMatching(/^front[12]$/),
    });
    const again = plan(next);
    expect(again.put).toEqual([]);
    expect(again.delete).toEqual([]);
  });

  it('holds new placements until the channel topics exist, with the reason, and asks for them', () => {
    const first = input({ resources: new Map() });
    const p = plan(first);
    expect(p.topics.map((t) => t.resource.name)).toEqual(['t1']);
    const next = applied(first, p);
    expect(next.placements.size).toBe(0);
    expect(next.pending.get('t/c')?.instances.map((i) => i.reason)).toEqual([
      'waiting for kafka_topic t1 on kafka_front (not created yet)',
      'waiting for kafka_topic t1 on kafka_front (not created yet)',
      'waiting for kafka_topic t1 on kafka_front (not created yet)',
    ]);
    // Topic ready: everything is placed and the pending record goes away.
    const ready = applied(next, plan({ ...next, resources: readyTopic(desired()) }));
    expect(ready.placements.size).toBe(3);
    expect(ready.pending.size).toBe(0);
  });

  it("moves a lost runner's movable instance, leaves its pinned one pending naming the tag", () => {
    const start = applied(input(), plan(input()));
    const anyfrontOn = where(start)['anyfront/0'];
    const lost = anyfrontOn === 'front1' ? front1 : front2;
    const survivors = [front1, front2, back1].filter((r) => r !== lost);
    const after = applied(start, plan({ ...start, runners: survivors }));
    expect(where(after)['anyfront/0']).toBe(lost === front1 ? 'front2' : 'front1');
    const pinned = lost === front1 ? 'r1' : 'r2';
    expect(where(after)[`${pinned}/0`]).toBeUndefined();
    expect(after.pending.get('t/c')?.instances).toEqual([
      {
        app: pinned,
        index: 0,
        reason: expect.stringContaining(lost === front1 ? 'centralfront1' : 'centralfront2'),
      },
    ]);
    // The runner comes back: the pinned instance returns, the movable one stays where it went.
    const back = applied(after, plan({ ...after, runners: [front1, front2, back1] }));
    expect(where(back)[`${pinned}/0`]).toBe(lost.name);
    expect(where(back)['anyfront/0']).toBe(where(after)['anyfront/0']);
    expect(back.pending.size).toBe(0);
  });

  it('removes every placement and pending record of a stopped channel', () => {
    const start = applied(input(), plan(input()));
    const stopped = applied(start, plan({ ...start, started: [] }));
    expect(stopped.placements.size).toBe(0);
  });

  it('changes the digest of kill_then_start applications on reload, not of reload_action none', () => {
    const start = applied(input(), plan(input()));
    const d2 = desired({ reload: 1, generation: 2 });
    const reloaded = plan({
      ...start,
      started: [{ tenant: 't', channel: 'c', structure, specDigest: 's1', desired: d2 }],
      resources: readyTopic(d2),
    });
    const rewritten = reloaded.put.map((w) => (w.value as PlacementRecord).app).sort();
    expect(rewritten).toEqual(['r1', 'r2']);
  });

  it('never touches the placements of a started channel whose stored spec no longer validates', () => {
    const start = applied(input(), plan(input()));
    const p = plan({ ...start, started: [], frozen: new Set(['t/c']) });
    expect(p.put).toEqual([]);
    expect(p.delete).toEqual([]);
  });
});
