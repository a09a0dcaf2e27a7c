import type { ChannelRuntime, ChannelView } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { renderSummary, type Snapshot } from './summary.js';

const instance = (runner: string, pid: number, state: 'running' | 'pending' = 'running') => ({
  index: 0,
  runner,
  state,
  pid,
  restarts: 0,
  lastExit: null,
  reason: state === 'pending' ? 'no live runner has tag centralfront1' : null,
  since: null,
  oomKills: 0,
  memoryLimitBytes: 256 * 1024 * 1024,
  memoryEnforcement: null,
  lastRunAt: null,
  nextRunAt: null,
  upToDate: true,
});

const receiver: ChannelView = {
  tenant: 'reftenant',
  channel: 'receiver',
  desired: 'started',
  generation: 1,
  specDigest: 'x',
  applications: [
    {
      name: 'central_receiver1',
      cluster: 'shiva_front',
      tags: ['centralfront1'],
      command: 'punchlinectl',
      instances: [instance('front1', 101)],
    },
    {
      name: 'central_receiver2',
      cluster: 'shiva_front',
      tags: ['centralfront2'],
      command: 'punchlinectl',
      instances: [instance('front2', 102)],
    },
  ],
  resources: [
    {
      type: 'kafka_topic',
      name: 'reftenant-receiver-linux-os',
      cluster: 'kafka_front',
      state: 'present',
      error: null,
    },
  ],
  rollout: null,
};

function runtime(in1: number, acked1: number, startedAt = 1): ChannelRuntime {
  const pipeline = (n: number, acked: number) => ({
    startedAt,
    components: { input: { kind: 'input' as const, in: n, out: n, acked, failed: 0, errors: 0 } },
    inFlight: n - acked,
    history: { intervalMs: 1000, samples: [] },
  });
  return {
    tenant: 'reftenant',
    channel: 'receiver',
    at: '',
    instances: [
      {
        app: 'central_receiver1',
        index: 0,
        runner: 'front1',
        rssBytes: 1,
        memoryLimitBytes: 1,
        pipeline: pipeline(in1, acked1),
        error: null,
      },
      {
        app: 'central_receiver2',
        index: 0,
        runner: 'front2',
        rssBytes: 1,
        memoryLimitBytes: 1,
        pipeline: null,
        error: 'runner unreachable',
      },
    ],
  };
}

function snapshot(at: number, total: number, rt: ChannelRuntime, problems: string[] = []): Snapshot {
  return {
    at,
    controllers: [
      {
        api: 'http://127.0.0.1:7070',
        readiness: {
          ready: true,
          etcd: true,
          leader: { id: 'controller-b', api: 'x', pid: 1, startedAt: '' },
          self: { id: 'controller-a', leader: false },
        },
      },
      { api: 'http://127.0.0.1:7075', readiness: null },
    ],
    runners: [],
    channels: [receiver],
    runtimes: new Map([['reftenant/receiver', rt]]),
    topics: new Map([['reftenant-receiver-linux-os', total]]),
    problems,
  };
}

const options = { consoleUrl: 'http://127.0.0.1:7070/', clock: 'now' };
const row = (lines: string[], needle: string) =>
  (lines.find((l) => l.includes(needle)) ?? '').split(/\s{2,}/);

describe('the live summary', () => {
  it('shows each instance with its host, state, pid, events/s, acknowledged and in flight', () => {
    const lines = renderSummary(
      snapshot(1_000, 500, runtime(1000, 900)),
      snapshot(3_000, 900, runtime(1400, 1350)),
      options,
    );
    expect(row(lines, 'central_receiver1')).toEqual([
      'reftenant/receiver',
      'central_receiver1',
      'front1',
      'running',
      '101',
      '0',
      '200',
      '1,350',
      '50',
    ]);
    // No counters from its runner: shown as unknown, not as zero.
    expect(row(lines, 'central_receiver2').slice(6)).toEqual(['-', '-', '-']);
    expect(lines).toContain('! reftenant/receiver central_receiver2/0: no counters: runner unreachable');
    expect(row(lines, 'reftenant-receiver-linux-os')).toEqual(['reftenant-receiver-linux-os', '200', '900']);
  });

  it('names the leader, a standby and a controller that does not answer', () => {
    const lines = renderSummary(undefined, snapshot(1_000, 0, runtime(0, 0)), options);
    expect(lines).toContain('controllers: controller-a standby, 127.0.0.1:7075 down');
  });

  it('shows no rate across a pipeline restart or without a previous snapshot', () => {
    const first = renderSummary(undefined, snapshot(1_000, 5, runtime(10, 10)), options);
    expect(row(first, 'central_receiver1')[6]).toBe('-');
    expect(row(first, 'reftenant-receiver-linux-os')[1]).toBe('-');
    const restarted = renderSummary(
      snapshot(1_000, 5, runtime(500, 500, 1)),
      snapshot(2_000, 6, runtime(3, 3, 2)),
      options,
    );
    expect(row(restarted, 'central_receiver1')[6]).toBe('-');
  });

  it('prints what it could not read', () => {
    const lines = renderSummary(
      undefined,
      snapshot(1_000, 0, runtime(0, 0), ['Kafka offsets: broker down']),
      options,
    );
    expect(lines).toContain('! Kafka offsets: broker down');
  });
});
