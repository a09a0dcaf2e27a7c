import { describe, expect, it } from 'vitest';
import { PlacementInputError } from './errors.js';
import { place } from './place.js';
import type { AppDemand, RunnerInfo } from './types.js';

const Mi = 1024 ** 2;

const front1: RunnerInfo = { name: 'front1', cluster: 'common', tags: ['centralfront1', 'front'] };
const front2: RunnerInfo = { name: 'front2', cluster: 'common', tags: ['centralfront2', 'front'] };
const back1: RunnerInfo = { name: 'back1', cluster: 'common', tags: ['back'] };

const app = (id: string, over: Partial<AppDemand> = {}): AppDemand => ({
  id,
  cluster: 'common',
  tags: [],
  instances: 1,
  ...over,
});

describe('place', () => {
  it('pins each receiver to the runner carrying its tag', () => {
    const result = place({
      applications: [
        app('reftenant/receiver/input1', { tags: ['centralfront1'] }),
        app('reftenant/receiver/input2', { tags: ['centralfront2'] }),
      ],
      runners: [back1, front2, front1],
      current: [],
    });
    expect(result.assignments).toEqual([
      { app: 'reftenant/receiver/input1', index: 0, runner: 'front1' },
      { app: 'reftenant/receiver/input2', index: 0, runner: 'front2' },
    ]);
    expect(result.pending).toEqual([]);
    expect(result.changes.place).toHaveLength(2);
  });

  it('treats the runner name as a tag even when not listed', () => {
    const result = place({
      applications: [app('t/c/a', { tags: ['back1'] })],
      runners: [back1],
      current: [],
    });
    expect(result.assignments).toEqual([{ app: 't/c/a', index: 0, runner: 'back1' }]);
  });

  it('requires all tags, not any', () => {
    const result = place({
      applications: [app('t/c/a', { tags: ['front', 'back'] })],
      runners: [front1, back1],
      current: [],
    });
    expect(result.pending).toEqual([
      { app: 't/c/a', index: 0, reason: 'no live runner in cluster common with tags [back, front]' },
    ]);
  });

  it('names the missing cluster when no runner belongs to it', () => {
    const result = place({
      applications: [app('t/c/a', { cluster: 'shiva_front' })],
      runners: [front1],
      current: [],
    });
    expect(result.pending[0]?.reason).toBe('no live runner in cluster shiva_front');
  });

  it('spreads instances over distinct runners and says when there are too few', () => {
    const result = place({
      applications: [app('t/c/a', { tags: ['front'], instances: 3 })],
      runners: [front1, front2, back1],
      current: [],
    });
    expect(result.assignments.map((a) => a.runner)).toEqual(['front1', 'front2']);
    expect(result.pending).toEqual([
      {
        app: 't/c/a',
        index: 2,
        reason:
          '2 eligible runners in cluster common with tags [front] but all already host an instance of t/c/a',
      },
    ]);
  });

  it('never exceeds a runner memory capacity and reports the largest free space', () => {
    const small = { ...front1, capacity: { memoryBytes: 300 * Mi } };
    const result = place({
      applications: [app('t/c/a', { memoryBytes: 200 * Mi }), app('t/c/b', { memoryBytes: 200 * Mi })],
      runners: [small],
      current: [],
    });
    expect(result.assignments).toEqual([{ app: 't/c/a', index: 0, runner: 'front1' }]);
    expect(result.pending[0]?.reason).toBe(
      'no eligible runner has 200Mi free (largest free: 100Mi on front1)',
    );
  });

  it('ranks by spread, then free memory, then name', () => {
    const big = { name: 'b', cluster: 'common', tags: [], capacity: { memoryBytes: 1024 * Mi } };
    const small = { name: 'a', cluster: 'common', tags: [], capacity: { memoryBytes: 512 * Mi } };
    const first = place({
      applications: [app('t/c/x', { memoryBytes: Mi })],
      runners: [small, big],
      current: [],
    });
    expect(first.assignments[0]?.runner).toBe('b');
    const spread = place({
      applications: [app('t/c/x', { memoryBytes: Mi }), app('t/c/y', { memoryBytes: Mi })],
      runners: [small, big],
      current: [],
    });
    expect(spread.assignments.map((a) => a.runner)).toEqual(['b', 'a']);
    const tie = place({
      applications: [app('t/c/x')],
      runners: [
        { name: 'z', cluster: 'common', tags: [] },
        { name: 'm', cluster: 'common', tags: [] },
      ],
      current: [],
    });
    expect(tie.assignments[0]?.runner).toBe('m');
  });

  it('keeps a running instance where it is when a better runner joins', () => {
    const result = place({
      applications: [app('t/c/a')],
      runners: [front1, front2, { name: 'aaa', cluster: 'common', tags: [] }],
      current: [{ app: 't/c/a', index: 0, runner: 'front2' }],
    });
    expect(result.assignments).toEqual([{ app: 't/c/a', index: 0, runner: 'front2' }]);
    expect(result.changes).toEqual({ place: [], stop: [], move: [] });
  });

  it('moves an instance whose runner left, and leaves a pinned one pending', () => {
    const result = place({
      applications: [app('t/c/any', { tags: ['front'] }), app('t/c/pinned', { tags: ['centralfront1'] })],
      runners: [front2],
      current: [
        { app: 't/c/any', index: 0, runner: 'front1' },
        { app: 't/c/pinned', index: 0, runner: 'front1' },
      ],
    });
    expect(result.changes.move).toEqual([
      {
        from: { app: 't/c/any', index: 0, runner: 'front1' },
        to: { app: 't/c/any', index: 0, runner: 'front2' },
      },
    ]);
    expect(result.changes.stop).toEqual([{ app: 't/c/pinned', index: 0, runner: 'front1' }]);
    expect(result.pending).toEqual([
      { app: 't/c/pinned', index: 0, reason: 'no live runner in cluster common with tags [centralfront1]' },
    ]);
  });

  it('moves an instance whose runner no longer carries its tags', () => {
    const result = place({
      applications: [app('t/c/a', { tags: ['front'] })],
      runners: [{ ...front1, tags: ['centralfront1'] }, front2],
      current: [{ app: 't/c/a', index: 0, runner: 'front1' }],
    });
    expect(result.assignments).toEqual([{ app: 't/c/a', index: 0, runner: 'front2' }]);
  });

  it('stops instances of removed applications and indices beyond instances', () => {
    const result = place({
      applications: [app('t/c/a', { instances: 1 })],
      runners: [front1, front2],
      current: [
        { app: 't/c/a', index: 0, runner: 'front1' },
        { app: 't/c/a', index: 1, runner: 'front2' },
        { app: 't/c/gone', index: 0, runner: 'front2' },
      ],
    });
    expect(result.changes.stop).toEqual([
      { app: 't/c/a', index: 1, runner: 'front2' },
      { app: 't/c/gone', index: 0, runner: 'front2' },
    ]);
  });

  it('keeps a deterministic subset when a runner capacity shrank below what it carries', () => {
    const result = place({
      applications: [app('t/c/a', { memoryBytes: 200 * Mi }), app('t/c/b', { memoryBytes: 200 * Mi })],
      runners: [{ ...front1, capacity: { memoryBytes: 300 * Mi } }, { ...front2 }],
      current: [
        { app: 't/c/b', index: 0, runner: 'front1' },
        { app: 't/c/a', index: 0, runner: 'front1' },
      ],
    });
    expect(result.assignments).toEqual([
      { app: 't/c/a', index: 0, runner: 'front1' },
      { app: 't/c/b', index: 0, runner: 'front2' },
    ]);
  });

  it('resolves two runners claiming one instance by keeping one and stopping the other', () => {
    const result = place({
      applications: [app('t/c/a')],
      runners: [front1, front2],
      current: [
        { app: 't/c/a', index: 0, runner: 'front2' },
        { app: 't/c/a', index: 0, runner: 'front1' },
      ],
    });
    expect(result.assignments).toEqual([{ app: 't/c/a', index: 0, runner: 'front1' }]);
    expect(result.changes.stop).toEqual([{ app: 't/c/a', index: 0, runner: 'front2' }]);
  });

  it.each([
    [{ applications: [], runners: [front1, front1], current: [] }, 'DUPLICATE_RUNNER'],
    [{ applications: [app('x'), app('x')], runners: [], current: [] }, 'DUPLICATE_APPLICATION'],
    [{ applications: [app('x', { instances: 0 })], runners: [], current: [] }, 'INVALID_INSTANCES'],
    [{ applications: [app('x', { instances: 1.5 })], runners: [], current: [] }, 'INVALID_INSTANCES'],
    [{ applications: [app('x', { memoryBytes: -1 })], runners: [], current: [] }, 'INVALID_MEMORY'],
    [
      { applications: [], runners: [{ ...front1, capacity: { memoryBytes: Number.NaN } }], current: [] },
      'INVALID_MEMORY',
    ],
    [
      { applications: [], runners: [], current: [{ app: 'x', index: -1, runner: 'r' }] },
      'INVALID_ASSIGNMENT',
    ],
  ])('rejects inconsistent input (%#: %s)', (input, code) => {
    const thrown = (() => {
      try {
        place(input);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(PlacementInputError);
    expect((thrown as PlacementInputError).code).toBe(code);
  });
});
