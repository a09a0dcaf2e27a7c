import { type ChannelStructure, parseChannelStructure, unwrap } from '@drover/channel-model';
import type {
  ChannelSpecRecord,
  DesiredRecord,
  PendingRecord,
  PlacementRecord,
  ResourceRecord,
  RolloutRecord,
  RunnerRecord,
  StatusRecord,
} from '@drover/cluster-state';
import { KeyLayout } from '@drover/store';
import { describe, expect, it } from 'vitest';
import {
  type Plan,
  type PlanInput,
  plan,
  RESOURCE_RETRY_MS,
  resourceDeclaration,
  type StartedChannel,
} from './plan.js';
import { ownFileDigests } from './targets.js';

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

const T0 = Date.parse(at);

/** The channel as started, its own files computed from `files` as the cache does. */
function startedChannel(
  d: DesiredRecord,
  files: Record<string, string> = {},
  s: ChannelStructure = structure,
): StartedChannel {
  const spec: ChannelSpecRecord = {
    files,
    binaryFiles: {},
    digest: `s-${JSON.stringify(files).length}`,
    uploadedAt: at,
  };
  return {
    tenant: 't',
    channel: 'c',
    structure: s,
    specDigest: spec.digest,
    ownFiles: ownFileDigests(s, spec),
    desired: d,
  };
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  const d = desired();
  return {
    layout,
    now: T0,
    started: [startedChannel(d)],
    frozen: new Set(),
    runners: [front1, front2, back1],
    placements: new Map(),
    statuses: new Map(),
    pending: new Map(),
    resources: readyTopic(d),
    rollouts: new Map(),
    versions: new Map(),
    ...over,
  };
}

/** Every channel's part of a plan together. */
function all(p: Plan) {
  const parts = [...p.channels.values()];
  return {
    put: parts.flatMap((c) => c.put),
    delete: parts.flatMap((c) => c.delete),
    resources: parts.flatMap((c) => c.resources),
  };
}

/** Applies a plan to the maps it was computed from (what etcd and the cache would hold next). */
function applied(before: PlanInput, p: Plan): PlanInput {
  const placements = new Map(before.placements);
  const pending = new Map(before.pending);
  const rollouts = new Map(before.rollouts);
  const versions = new Map([...before.versions].map(([k, v]) => [k, new Set(v)]));
  const { put, delete: deletes } = all(p);
  for (const key of deletes) {
    placements.delete(key);
    const pend = layout.parsePending(key);
    if (pend !== undefined) pending.delete(`${pend.tenant}/${pend.channel}`);
    const roll = layout.parseRollout(key);
    if (roll !== undefined) rollouts.delete(`${roll.tenant}/${roll.channel}`);
    const version = layout.parseChannelVersion(key);
    if (version !== undefined) versions.get(`${version.tenant}/${version.channel}`)?.delete(version.digest);
  }
  for (const { key, value } of put) {
    const pend = layout.parsePending(key);
    const roll = layout.parseRollout(key);
    if (pend !== undefined) pending.set(`${pend.tenant}/${pend.channel}`, value as PendingRecord);
    else if (roll !== undefined) rollouts.set(`${roll.tenant}/${roll.channel}`, value as RolloutRecord);
    else placements.set(key, value as PlacementRecord);
  }
  return { ...before, placements, pending, rollouts, versions };
}

/** What runners would report: every placement running, since `since`. */
function running(i: PlanInput, since = T0 - 60_000): Map<string, StatusRecord> {
  const out = new Map<string, StatusRecord>();
  for (const p of i.placements.values()) {
    out.set(layout.status(p), {
      tenant: p.tenant,
      channel: p.channel,
      app: p.app,
      index: p.index,
      runner: p.runner,
      digest: p.digest,
      state: 'running',
      pid: 1,
      restarts: 0,
      lastExit: null,
      since: new Date(since).toISOString(),
      reason: null,
      nextAttemptAt: null,
      oomKills: 0,
      memoryLimitBytes: null,
      memoryEnforcement: 'cgroup2',
      lastRunAt: null,
      nextRunAt: null,
      skippedRuns: 0,
      readyAt: new Date(since).toISOString(),
    });
  }
  return out;
}

const where = (i: PlanInput) =>
  Object.fromEntries([...i.placements.values()].map((p) => [`${p.app}/${p.index}`, p.runner]));

describe('plan', () => {
  it('places pinned applications on their tagged runners and reaches a fixpoint', () => {
    const first = input();
    const p = plan(first);
    expect(all(p).resources).toEqual([]);
    const next = applied(first, p);
    expect(where(next)).toEqual({
      'r1/0': 'front1',
      'r2/0': 'front2',
      'anyfront/0': expect.stringMatching(/^front[12]$/),
    });
    const again = all(plan(next));
    expect(again.put).toEqual([]);
    expect(again.delete).toEqual([]);
  });

  it('holds new placements until the channel topics exist, with the reason, and asks for them', () => {
    const first = input({ resources: new Map() });
    const p = plan(first);
    expect(all(p).resources.map((t) => t.resource.name)).toEqual(['t1']);
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

  it('rolls kill_then_start applications on reload one at a time, never reload_action none', () => {
    const start = applied(input(), plan(input()));
    const d2 = desired({ reload: 1, generation: 2 });
    const reload = (i: PlanInput, now: number) =>
      plan({ ...i, now, started: [startedChannel(d2)], resources: readyTopic(d2), statuses: running(i) });
    const first = reload(start, T0);
    const apps = (p: Plan) =>
      all(p)
        .put.flatMap((w) =>
          layout.parsePlacement(w.key) === undefined ? [] : [(w.value as PlacementRecord).app],
        )
        .sort();
    expect(apps(first)).toEqual(['r1']);
    const afterFirst = applied(start, first);
    expect(afterFirst.rollouts.get('t/c')).toMatchObject({
      state: 'progressing',
      apps: ['r1', 'r2'],
      app: 'r1',
    });
    // r1 restarted but not reported yet: nothing else moves, and the plan says when to look again.
    const waiting = plan({
      ...afterFirst,
      now: T0 + 1000,
      started: [startedChannel(d2)],
      resources: readyTopic(d2),
    });
    expect(apps(waiting)).toEqual([]);
    expect(waiting.channels.get('t/c')?.requeueAfterMs).toBeGreaterThan(0);
    // r1 running for min_healthy_time (5 s by default): r2's turn.
    const second = reload(afterFirst, T0 + 60_000);
    expect(apps(second)).toEqual(['r2']);
    const done = applied(afterFirst, second);
    const complete = applied(done, reload(done, T0 + 120_000));
    expect(complete.rollouts.get('t/c')).toMatchObject({ state: 'complete', updated: 2, total: 2 });
    // anyfront (reload_action: none) kept its placement throughout.
    expect([...complete.placements.values()].find((p) => p.app === 'anyfront')).toEqual(
      [...start.placements.values()].find((p) => p.app === 'anyfront'),
    );
  });

  it('restarts only the application whose own file changed; other files reach the rest without a restart', () => {
    const two = unwrap(
      parseChannelStructure(
        `version: "6.0"
applications:
  - name: r1
    runtime: shiva
    cluster: front
    shiva_runner_tags: [centralfront1]
    command: idle-app
    args: [r1.json]
  - name: r2
    runtime: shiva
    cluster: front
    shiva_runner_tags: [centralfront2]
    command: idle-app
    args: [r2.json]
`,
        { file: 'channel_structure.yaml' },
      ),
    );
    const d = desired();
    const files = { 'r1.json': '{"v":1}', 'r2.json': '{"v":1}', 'notes.txt': 'a' };
    const base = input({ started: [startedChannel(d, files, two)], resources: new Map() });
    const start = applied(base, plan(base));
    const before = new Map([...start.placements.values()].map((p) => [p.app, p]));

    // A file no application names: new specDigest everywhere, same digests, no rollout.
    const notes = startedChannel(d, { ...files, 'notes.txt': 'changed!' }, two);
    const quiet = applied(start, plan({ ...start, started: [notes], statuses: running(start) }));
    for (const p of quiet.placements.values()) {
      expect(p.digest).toBe(before.get(p.app)?.digest);
      expect(p.specDigest).toBe(notes.specDigest);
    }
    expect(quiet.rollouts.size).toBe(0);

    // r1's own file: r1 rolls, r2 only gets the new specDigest.
    const changed = startedChannel(d, { ...files, 'r1.json': '{"v":2}' }, two);
    const p = applied(quiet, plan({ ...quiet, started: [changed], statuses: running(quiet) }));
    const after = new Map([...p.placements.values()].map((x) => [x.app, x]));
    expect(after.get('r1')?.digest).not.toBe(before.get('r1')?.digest);
    expect(after.get('r2')?.digest).toBe(before.get('r2')?.digest);
    expect(p.rollouts.get('t/c')).toMatchObject({ apps: ['r1'], state: 'progressing' });
  });

  it('keeps an older upload while a placement runs it, and deletes it after', () => {
    const start = applied(input(), plan(input()));
    const old = start.started[0]?.specDigest ?? '';
    const withVersion: PlanInput = { ...start, versions: new Map([['t/c', new Set([old, 'gone'])]]) };
    const p = all(plan(withVersion));
    expect(p.delete).toEqual([layout.channelVersion('t', 'c', 'gone')]);
    const stopped = all(plan({ ...withVersion, started: [] }));
    expect(stopped.delete).toEqual(expect.arrayContaining([layout.channelVersion('t', 'c', old)]));
  });

  it('ensures a topic in error again once RESOURCE_RETRY_MS passed, and asks to be woken then', () => {
    const d = desired();
    const resource = structure.resources[0];
    if (resource === undefined) throw new Error('fixture');
    const failed = new Map([
      [
        layout.resource('t', 'c', 't1'),
        {
          type: 'kafka_topic' as const,
          name: 't1',
          cluster: 'kafka_front',
          state: 'error' as const,
          error: 'broker down',
          declaration: resourceDeclaration(resource, d),
          checkedAt: at,
        },
      ],
    ]);
    const early = plan(input({ resources: failed, now: T0 + 1000 }));
    expect(all(early).resources).toEqual([]);
    expect(early.channels.get('t/c')?.requeueAfterMs).toBe(RESOURCE_RETRY_MS - 1000);
    const due = plan(input({ resources: failed, now: T0 + RESOURCE_RETRY_MS }));
    expect(all(due).resources.map((t) => t.resource.name)).toEqual(['t1']);
  });

  describe('index template resources', () => {
    const withTemplate: ChannelStructure = unwrap(
      parseChannelStructure(
        `version: "6.0"
applications:
  - name: r1
    runtime: shiva
    cluster: front
    shiva_runner_tags: [centralfront1]
    command: idle-app
resources:
  - type: elasticsearch_index_template
    cluster: search_front
    name: logs
    file: templates/logs.json
`,
        { file: 'channel_structure.yaml' },
      ),
    );
    const template = withTemplate.resources[0];
    if (template?.type !== 'elasticsearch_index_template') throw new Error('fixture');
    const v1 = '{"index_patterns": ["logs-*"]}';
    const key = layout.resource('t', 'c', 'elasticsearch_index_template:logs');
    const started = (file: string) => ({
      ...startedChannel(desired(), { 'templates/logs.json': file }, withTemplate),
      files: { 'templates/logs.json': file },
    });
    const record = (state: ResourceRecord['state'], error: string | null, file = v1): ResourceRecord => ({
      type: 'elasticsearch_index_template',
      name: 'logs',
      cluster: 'search_front',
      state,
      error,
      declaration: resourceDeclaration(template, desired(), file),
      checkedAt: at,
    });

    it('asks for the template with its file, keyed apart from topics, and holds placements until it is there', () => {
      const first = input({ started: [started(v1)], resources: new Map() });
      const p = plan(first);
      expect(all(p).resources).toEqual([
        expect.objectContaining({ key, resource: template, file: v1, current: undefined }),
      ]);
      const next = applied(first, p);
      expect(next.placements.size).toBe(0);
      expect(next.pending.get('t/c')?.instances.map((i) => i.reason)).toEqual([
        'waiting for elasticsearch_index_template logs on search_front (not created yet)',
      ]);
      const withTemplate = { ...next, resources: new Map([[key, record('created', null)]]) };
      const ready = applied(withTemplate, plan(withTemplate));
      expect(ready.placements.size).toBe(1);
      expect(all(plan(ready)).resources).toEqual([]);
    });

    it('places the channel beside a template in mismatch (reported), not beside one in error', () => {
      const mismatch = new Map([
        [key, record('mismatch', 'index template logs exists with another declaration')],
      ]);
      expect(
        applied(
          input({ started: [started(v1)], resources: mismatch }),
          plan(input({ started: [started(v1)], resources: mismatch })),
        ).placements.size,
      ).toBe(1);
      const refused = new Map([
        [key, record('error', 'put index template logs: 400 illegal_argument_exception')],
      ]);
      const held = applied(
        input({ started: [started(v1)], resources: refused }),
        plan(input({ started: [started(v1)], resources: refused })),
      );
      expect(held.placements.size).toBe(0);
      expect(held.pending.get('t/c')?.instances[0]?.reason).toBe(
        'waiting for elasticsearch_index_template logs on search_front (error: put index template logs: 400 illegal_argument_exception)',
      );
    });

    it('checks the template again when its file changes, though the resource entry did not', () => {
      const v2 = '{"index_patterns": ["logs-*"], "priority": 2}';
      const p = plan(input({ started: [started(v2)], resources: new Map([[key, record('created', null)]]) }));
      expect(all(p).resources.map((w) => w.file)).toEqual([v2]);
      expect(resourceDeclaration(template, desired(), v2)).not.toBe(
        resourceDeclaration(template, desired(), v1),
      );
    });
  });

  it('never touches the placements of a started channel whose stored spec no longer validates', () => {
    const start = applied(input(), plan(input()));
    const p = all(plan({ ...start, started: [], frozen: new Set(['t/c']) }));
    expect(p.put).toEqual([]);
    expect(p.delete).toEqual([]);
  });
});
