import type { ChannelView } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { channelArgument } from './commands.js';
import { exitSummary, notRunning, renderChannel } from './render.js';
import { table } from './table.js';

const view: ChannelView = {
  tenant: 'reftenant',
  channel: 'receiver',
  desired: 'started',
  generation: 1,
  specDigest: 'abc',
  applications: [
    {
      name: 'central_receiver1',
      cluster: 'shiva_front',
      tags: ['centralfront1'],
      command: 'punchlinectl',
      instances: [
        {
          index: 0,
          runner: 'front1',
          state: 'running',
          pid: 42,
          restarts: 0,
          lastExit: null,
          reason: null,
          since: null,
          oomKills: 0,
          memoryLimitBytes: 256 * 1024 * 1024,
          memoryEnforcement: 'watchdog',
          lastRunAt: null,
          nextRunAt: null,
          upToDate: true,
        },
      ],
    },
    {
      name: 'central_receiver2',
      cluster: 'shiva_front',
      tags: ['centralfront2'],
      command: 'punchlinectl',
      instances: [
        {
          index: 0,
          runner: null,
          state: 'pending',
          pid: null,
          restarts: 0,
          lastExit: null,
          reason: 'no live runner in cluster shiva_front with tags [centralfront2]',
          since: null,
          oomKills: 0,
          memoryLimitBytes: null,
          memoryEnforcement: null,
          lastRunAt: null,
          nextRunAt: null,
          upToDate: null,
        },
      ],
    },
  ],
  resources: [
    { type: 'kafka_topic', name: 'topic-a', cluster: 'kafka_front', state: 'error', error: 'broker down' },
    {
      type: 'elasticsearch_index_template',
      name: 'logs',
      cluster: 'search_front',
      state: 'mismatch',
      error: 'index template logs exists with another declaration',
    },
  ],
  rollout: null,
};

describe('channelctl output', () => {
  it('aligns table columns', () => {
    expect(
      table(
        ['A', 'BB'],
        [
          ['xxx', 'y'],
          ['z', 'w'],
        ],
      ),
    ).toBe('A    BB\nxxx  y\nz    w');
  });

  it('renders a channel with instances, reasons and topics', () => {
    const text = renderChannel(view);
    expect(text).toContain('reftenant/receiver: started');
    // The memory column says how the limit is enforced where the instance runs.
    expect(text).toMatch(/central_receiver1\s+0\s+front1\s+running\s+42\s+0\s+256Mi watchdog/);
    expect(text).toMatch(
      /central_receiver2\s+0\s+-\s+pending\s+-\s+0\s+-\s+no live runner in cluster shiva_front with tags \[centralfront2\]/,
    );
    expect(text).toMatch(/RESOURCE\s+TYPE\s+CLUSTER\s+STATE\s+ERROR/);
    expect(text).toMatch(/topic-a\s+kafka_topic\s+kafka_front\s+error\s+broker down/);
    expect(text).toMatch(
      /logs\s+elasticsearch_index_template\s+search_front\s+mismatch\s+index template logs exists with another declaration/,
    );
  });

  it('says what keeps a channel from running', () => {
    expect(notRunning(view)).toEqual([
      'central_receiver2[0] pending: no live runner in cluster shiva_front with tags [centralfront2]',
    ]);
  });

  it('tells a rolling update and the instances it has not reached', () => {
    const first = view.applications[0];
    if (first === undefined) throw new Error('fixture');
    const rolling: ChannelView = {
      ...view,
      applications: [{ ...first, instances: first.instances.map((i) => ({ ...i, upToDate: false })) }],
      rollout: {
        state: 'progressing',
        applications: ['central_receiver1'],
        application: 'central_receiver1',
        updated: 0,
        total: 1,
        reason: null,
        startedAt: '2026-11-23T00:00:00.000Z',
        finishedAt: null,
        current: true,
      },
    };
    const text = renderChannel(rolling);
    expect(text).toContain(
      'rollout: progressing, rolling central_receiver1 (0/1 instance(s) of central_receiver1 updated)',
    );
    expect(text).toMatch(/central_receiver1\s+0\s+front1\s+running \(outdated\)/);
    expect(notRunning(rolling)).toEqual([
      'central_receiver1[0] running on front1: outdated, the rolling update has not reached it',
    ]);
    const stopped = renderChannel({
      ...rolling,
      rollout: {
        ...(rolling.rollout as NonNullable<ChannelView['rollout']>),
        state: 'failed',
        reason: 'no progress for 5m: x',
      },
    });
    expect(stopped).toContain('rollout: stopped at central_receiver1: no progress for 5m: x');
  });

  it('parses TENANT/CHANNEL and refuses anything else', () => {
    expect(channelArgument('reftenant/receiver')).toEqual({ tenant: 'reftenant', channel: 'receiver' });
    for (const bad of ['reftenant', 'a/b/c', '../x/y', 'a/'])
      expect(() => channelArgument(bad)).toThrow(/TENANT\/CHANNEL/);
  });

  it('says how an instance last exited', () => {
    const at = '2026-11-23T00:00:00.000Z';
    expect(exitSummary({ code: 3, signal: null, reason: 'exited', at })).toBe('code 3');
    expect(exitSummary({ code: null, signal: 'SIGKILL', reason: 'signal', at })).toBe('SIGKILL');
    expect(exitSummary({ code: null, signal: 'SIGKILL', reason: 'oom', at, message: 'over 256Mi' })).toBe(
      'oom (SIGKILL): over 256Mi',
    );
    expect(exitSummary({ code: null, signal: null, reason: 'spawn-error', at })).toBe('spawn-error');
  });
});
