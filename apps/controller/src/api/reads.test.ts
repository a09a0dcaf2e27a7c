import { summarise } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { bearer, channelView, errorOf, OFF_LOOPBACK, testApi } from './testing/fakes.js';

describe('runners and channels plugins (reads)', () => {
  it('GET /v1/runners lists the runners', async () => {
    const { app, reader } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/v1/runners' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ runners: reader.runnerList });
  });

  it('GET /v1/channels summarises every channel', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/v1/channels' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ channels: [summarise(channelView())] });
  });

  it('GET /v1/channels/:tenant/:channel answers the whole view, rollout and upToDate included', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/v1/channels/t/c' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(channelView());
  });

  it('answers 404 DRV_CHANNEL_UNKNOWN for a channel it does not know', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/v1/channels/t/nope' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toEqual({ code: 'DRV_CHANNEL_UNKNOWN', message: 'channel t/nope is unknown' });
  });

  it('answers 400 DRV_BAD_REQUEST for a name that is not an identifier', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: '/v1/channels/t/a.b' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('DRV_BAD_REQUEST');
    expect(errorOf(res).message).toMatch(/params\/channel must match pattern/);
  });

  it('answers 503 DRV_NOT_SYNCED (retry-after) until the cache listed etcd', async () => {
    const { app, reader } = await testApi();
    reader.synced = false;
    for (const url of ['/v1/runners', '/v1/channels', '/v1/channels/t/c']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(errorOf(res)).toEqual({
        code: 'DRV_NOT_SYNCED',
        message: 'not synced with etcd yet: retry in a moment',
      });
    }
  });

  it('needs the token off loopback only; an open API (no token) needs none', async () => {
    const { app } = await testApi();
    const denied = await app.inject({ method: 'GET', url: '/v1/channels', remoteAddress: OFF_LOOPBACK });
    expect(denied.statusCode).toBe(401);
    expect(errorOf(denied).code).toBe('DRV_UNAUTHORIZED');
    const wrong = await app.inject({
      method: 'GET',
      url: '/v1/runners',
      remoteAddress: OFF_LOOPBACK,
      headers: { authorization: 'Bearer nope' },
    });
    expect(errorOf(wrong)).toEqual({ code: 'DRV_UNAUTHORIZED', message: 'invalid bearer token' });
    const allowed = await app.inject({
      method: 'GET',
      url: '/v1/channels',
      remoteAddress: OFF_LOOPBACK,
      headers: bearer,
    });
    expect(allowed.statusCode).toBe(200);
    const open = await testApi({ tokens: undefined });
    const anyone = await open.app.inject({ method: 'GET', url: '/v1/channels', remoteAddress: OFF_LOOPBACK });
    expect(anyone.statusCode).toBe(200);
  });
});
