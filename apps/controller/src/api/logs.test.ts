import { describe, expect, it } from 'vitest';
import { errorOf, testApi } from './testing/fakes.js';

const url = '/v1/channels/t/c/applications/receiver/instances/0/logs';

describe('logs plugin', () => {
  it("streams the instance's records from its runner, by instance id", async () => {
    const { app, fetched } = await testApi();
    const res = await app.inject({ method: 'GET', url: `${url}?tail=2&follow=true` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    expect(res.body).toBe('{"msg":"one"}\n{"msg":"two"}\n');
    expect(fetched).toEqual(['http://10.0.0.1:7071/v1/instances/t.c.receiver.0/logs?tail=2&follow=1']);
  });

  it('answers 404 DRV_INSTANCE_NOT_PLACED for an instance on no live runner', async () => {
    const { app } = await testApi();
    const res = await app.inject({ method: 'GET', url: url.replace('/0/', '/3/') });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toEqual({
      code: 'DRV_INSTANCE_NOT_PLACED',
      message: 't/c/receiver[3] is not on any live runner',
    });
  });

  it('answers 502 DRV_RUNNER_UNREACHABLE when the runner does not answer', async () => {
    const { app } = await testApi({
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(502);
    expect(errorOf(res)).toEqual({
      code: 'DRV_RUNNER_UNREACHABLE',
      message: 'runner front1 at http://10.0.0.1:7071 unreachable: fetch failed',
    });
  });

  it('answers 400 DRV_BAD_REQUEST for an index or a tail out of bounds', async () => {
    const { app } = await testApi();
    for (const bad of [url.replace('/0/', '/01/'), `${url}?tail=100000`]) {
      const res = await app.inject({ method: 'GET', url: bad });
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).code).toBe('DRV_BAD_REQUEST');
    }
  });
});
