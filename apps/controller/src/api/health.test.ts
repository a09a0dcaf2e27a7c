import { describe, expect, it } from 'vitest';
import { leaderIdentity, OFF_LOOPBACK, testApi } from './testing/fakes.js';

describe('health plugin', () => {
  it('GET /healthz answers ok with this controller id, to anyone', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/healthz', remoteAddress: OFF_LOOPBACK });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', id: 'controller-a' });
  });

  it('GET /readyz is 200 with etcd listed and a leader, to anyone', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/readyz', remoteAddress: OFF_LOOPBACK });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ready: true,
      etcd: true,
      leader: leaderIdentity,
      self: { id: 'controller-a', leader: true },
    });
  });

  it('GET /readyz is 503 without a leader, or before the first listing of etcd', async () => {
    const noLeader = await testApi({ leader: undefined });
    const res = await noLeader.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, etcd: true, leader: null });

    const notSynced = await testApi();
    notSynced.reader.synced = false;
    const early = await notSynced.app.inject({ method: 'GET', url: '/readyz' });
    expect(early.statusCode).toBe(503);
    expect(early.json()).toMatchObject({ ready: false, etcd: false, leader: null });
  });
});
