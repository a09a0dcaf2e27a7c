/** The runtime plugin: every instance's counters gathered from runners, each failure said per instance. */
import type { PipelineStats } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { channelView, errorOf, OFF_LOOPBACK, testApi } from './testing/fakes.js';

const pipeline: PipelineStats = {
  startedAt: 1_700_000_000_000,
  components: { input: { kind: 'input', in: 10, out: 10, acked: 9, failed: 1, errors: 0 } },
  inFlight: 0,
  history: { intervalMs: 10_000, samples: [{ at: 1_700_000_010_000, in: 10, acked: 9, failed: 1 }] },
};

const twoInstances = channelView('t', 'c');
const receiver = twoInstances.applications[0];
if (receiver === undefined) throw new Error('fixture');
const instance = receiver.instances[0];
if (instance === undefined) throw new Error('fixture');
const withSecond = {
  ...twoInstances,
  applications: [
    {
      ...receiver,
      instances: [
        instance,
        { ...instance, index: 1, runner: 'front2' },
        { ...instance, index: 2, runner: null },
      ],
    },
  ],
};

describe('runtime plugin', () => {
  it("gathers each instance's RSS and counters from its runner, and says why when it cannot", async () => {
    const asked: string[] = [];
    const { app, reader } = await testApi({
      fetch: async (url) => {
        asked.push(url);
        return Response.json({
          id: 't.c.receiver.0',
          runner: 'front1',
          rssBytes: 52_000_000,
          memoryLimitBytes: 268_435_456,
          pipeline,
          error: null,
        });
      },
    });
    reader.views.set('t/c', withSecond);
    const res = await app.inject({ url: '/v1/channels/t/c/runtime' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(asked).toEqual(['http://10.0.0.1:7071/v1/instances/t.c.receiver.0/metrics']);
    expect(body.instances).toEqual([
      {
        app: 'receiver',
        index: 0,
        runner: 'front1',
        rssBytes: 52_000_000,
        memoryLimitBytes: 268_435_456,
        pipeline,
        error: null,
      },
      {
        app: 'receiver',
        index: 1,
        runner: 'front2',
        rssBytes: null,
        memoryLimitBytes: 268_435_456,
        pipeline: null,
        error: 'runner front2 is not live',
      },
      {
        app: 'receiver',
        index: 2,
        runner: null,
        rssBytes: null,
        memoryLimitBytes: 268_435_456,
        pipeline: null,
        error: 'not placed on a runner',
      },
    ]);
  });

  it('says so when a runner is unreachable, refuses, or answers something that does not decode', async () => {
    const answers: (() => Promise<Response>)[] = [
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
      async () => Response.json({ error: 'no instance t.c.receiver.0 on runner front1' }, { status: 404 }),
      async () => Response.json({ id: 'x', runner: 'front1', rssBytes: 'much' }),
    ];
    const expected = [
      'runner front1 at http://10.0.0.1:7071 unreachable: connect ECONNREFUSED',
      'no instance t.c.receiver.0 on runner front1',
      /^runner front1's answer did not decode: rssBytes: /,
    ];
    for (const [i, answer] of answers.entries()) {
      const { app } = await testApi({ fetch: answer });
      const res = await app.inject({ url: '/v1/channels/t/c/runtime' });
      expect(res.statusCode).toBe(200);
      const error = res.json().instances[0].error as string;
      const want = expected[i];
      if (want instanceof RegExp) expect(error).toMatch(want);
      else expect(error).toBe(want);
    }
  });

  it('answers 404 for an unknown channel, 503 before the cache listed etcd, 401 off loopback', async () => {
    const { app, reader } = await testApi();
    const unknown = await app.inject({ url: '/v1/channels/t/nope/runtime' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown).code).toBe('DRV_CHANNEL_UNKNOWN');
    const remote = await app.inject({ url: '/v1/channels/t/c/runtime', remoteAddress: OFF_LOOPBACK });
    expect(errorOf(remote).code).toBe('DRV_UNAUTHORIZED');
    reader.synced = false;
    expect(errorOf(await app.inject({ url: '/v1/channels/t/c/runtime' })).code).toBe('DRV_NOT_SYNCED');
  });
});
