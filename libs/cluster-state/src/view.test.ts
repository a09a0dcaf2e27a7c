import { describe, expect, it } from 'vitest';
import { digestOf, stableJson } from './digest.js';
import { type PlacementRecord, type StatusRecord, statusRecordSchema } from './records.js';
import { allRunning, allStopped, type ChannelRecords, channelView, summarise } from './view.js';

const at = '2026-11-23T00:00:00.000Z';

const placement = (app: string, index: number, runner: string, digest = 'd1'): PlacementRecord => ({
  tenant: 't',
  channel: 'c',
  app,
  index,
  runner,
  command: 'punchlinectl',
  args: [],
  env: {},
  specDigest: 's1',
  digest,
});

const status = (
  app: string,
  index: number,
  runner: string,
  state: StatusRecord['state'],
  digest = 'd1',
): StatusRecord => ({
  tenant: 't',
  channel: 'c',
  app,
  index,
  runner,
  digest,
  state,
  pid: state === 'running' ? 4242 : null,
  restarts: 0,
  lastExit: null,
  since: at,
  reason: null,
  nextAttemptAt: null,
  oomKills: 0,
  memoryLimitBytes: state === 'running' ? 256 * 1024 * 1024 : null,
  memoryEnforcement: state === 'running' ? 'cgroup2' : null,
  lastRunAt: null,
  nextRunAt: null,
  skippedRuns: 0,
  readyAt: state === 'running' ? at : null,
});

const records = (over: Partial<ChannelRecords>): ChannelRecords => ({
  tenant: 't',
  channel: 'c',
  applications: [
    { name: 'r1', cluster: 'front', tags: ['centralfront1'], command: 'punchlinectl', instances: 1 },
    { name: 'spread', cluster: 'front', tags: [], command: 'punchlinectl', instances: 2 },
  ],
  declaredResources: [{ type: 'kafka_topic', name: 'topic-a', cluster: 'kafka_front' }],
  specDigest: 's1',
  desired: { state: 'started', generation: 1, reload: 0, updatedAt: at },
  placements: [],
  statuses: [],
  pending: undefined,
  resources: [],
  ...over,
});

describe('channelView', () => {
  it('joins placements and statuses: running only when the placed runner reports the placed digest', () => {
    const view = channelView(
      records({
        placements: [
          placement('r1', 0, 'front1'),
          placement('spread', 0, 'front1'),
          placement('spread', 1, 'front2', 'd2'),
        ],
        statuses: [
          status('r1', 0, 'front1', 'running'),
          status('spread', 0, 'front2', 'running'),
          status('spread', 1, 'front2', 'running', 'old'),
        ],
      }),
    );
    const states = view.applications.flatMap((a) =>
      a.instances.map((i) => [a.name, i.index, i.runner, i.state]),
    );
    expect(states).toEqual([
      ['r1', 0, 'front1', 'running'],
      ['spread', 0, 'front1', 'starting'], // only another runner reports it (moving)
      ['spread', 1, 'front2', 'starting'], // the runner still reports the previous digest (reload)
    ]);
    expect(view.applications[0]?.instances[0]?.pid).toBe(4242);
    expect(allRunning(view)).toBe(false);
  });

  it('shows unplaced instances as pending with the leader reason', () => {
    const reason = 'no live runner in cluster front with tags [centralfront1]';
    const view = channelView(records({ pending: { instances: [{ app: 'r1', index: 0, reason }] } }));
    expect(view.applications[0]?.instances[0]).toMatchObject({ state: 'pending', runner: null, reason });
    expect(view.applications[1]?.instances[0]?.reason).toBe('waiting for the leader to place it');
    expect(view.resources).toEqual([
      { type: 'kafka_topic', name: 'topic-a', cluster: 'kafka_front', state: 'pending', error: null },
    ]);
  });

  it('shows each declared resource with its own record, a topic and an index template of the same name apart', () => {
    const record = (
      type: 'kafka_topic' | 'elasticsearch_index_template',
      cluster: string,
      state: 'present' | 'mismatch',
      error: string | null,
    ) => ({
      type,
      name: 'logs',
      cluster,
      state,
      error,
      declaration: 'd1',
      checkedAt: at,
    });
    const view = channelView(
      records({
        declaredResources: [
          { type: 'kafka_topic', name: 'logs', cluster: 'kafka_front' },
          { type: 'elasticsearch_index_template', name: 'logs', cluster: 'search_front' },
        ],
        resources: [
          record(
            'elasticsearch_index_template',
            'search_front',
            'mismatch',
            'index template logs exists with another declaration',
          ),
          record('kafka_topic', 'kafka_front', 'present', null),
        ],
      }),
    );
    expect(view.resources).toEqual([
      { type: 'kafka_topic', name: 'logs', cluster: 'kafka_front', state: 'present', error: null },
      {
        type: 'elasticsearch_index_template',
        name: 'logs',
        cluster: 'search_front',
        state: 'mismatch',
        error: 'index template logs exists with another declaration',
      },
    ]);
  });

  it('reports a stopped channel as stopping while a runner still reports an instance, then stopped', () => {
    const desired = { state: 'stopped' as const, generation: 2, reload: 0, updatedAt: at };
    const stopping = channelView(records({ desired, statuses: [status('r1', 0, 'front1', 'running')] }));
    expect(stopping.applications[0]?.instances[0]).toMatchObject({ state: 'stopping', runner: 'front1' });
    expect(allStopped(stopping)).toBe(false);
    const stopped = channelView(records({ desired }));
    expect(stopped.desired).toBe('stopped');
    expect(allStopped(stopped)).toBe(true);
    expect(summarise(stopped).instances).toEqual({ stopped: 3 });
  });

  it('is all running when every instance runs the placed digest', () => {
    const view = channelView(
      records({
        placements: [
          placement('r1', 0, 'front1'),
          placement('spread', 0, 'front1'),
          placement('spread', 1, 'front2'),
        ],
        statuses: [
          status('r1', 0, 'front1', 'running'),
          status('spread', 0, 'front1', 'running'),
          status('spread', 1, 'front2', 'running'),
        ],
      }),
    );
    expect(allRunning(view)).toBe(true);
    expect(summarise(view)).toMatchObject({ applications: 2, instances: { running: 3 } });
  });

  it('without a spec, outlines applications from what is placed or reported', () => {
    const view = channelView(
      records({ applications: undefined, specDigest: undefined, placements: [placement('x', 1, 'back1')] }),
    );
    expect(view.applications.map((a) => [a.name, a.instances.length])).toEqual([['x', 2]]);
    expect(view.specDigest).toBeNull();
  });
});

describe('digestOf', () => {
  it('does not depend on key order and changes with any value', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(digestOf({ a: 1, b: 2 })).toBe(digestOf({ b: 2, a: 1 }));
    expect(digestOf({ a: 1, b: 2 })).not.toBe(digestOf({ a: 1, b: 3 }));
  });
});

describe('memory enforcement in the view', () => {
  it('shows how each running instance’s limit is enforced, as its runner reports it', () => {
    const view = channelView(
      records({
        placements: [placement('r1', 0, 'front1')],
        statuses: [{ ...status('r1', 0, 'front1', 'running'), memoryEnforcement: 'watchdog' }],
      }),
    );
    expect(view.applications[0]?.instances[0]).toMatchObject({
      state: 'running',
      memoryLimitBytes: 256 * 1024 * 1024,
      memoryEnforcement: 'watchdog',
    });
    expect(view.applications[1]?.instances[0]).toMatchObject({ state: 'pending', memoryEnforcement: null });
  });

  it('reads a status record written before the field existed as null', () => {
    const { memoryEnforcement: _, ...old } = status('r1', 0, 'front1', 'running');
    expect(statusRecordSchema.parse(old).memoryEnforcement).toBeNull();
  });
});
