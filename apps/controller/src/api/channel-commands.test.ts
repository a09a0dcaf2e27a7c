import { StoreError } from '@drover/store';
import { describe, expect, it } from 'vitest';
import { ApiProblem, channelUnknown } from './errors.js';
import { bearer, channelView, errorOf, testApi } from './testing/fakes.js';

const upload = { files: { 'channel_structure.yaml': 'version: "6.0"\n' }, binaryFiles: { 'a.bin': 'AAE=' } };

describe('channel-commands plugin (mutations)', () => {
  it('PUT uploads the files, binary ones included, and answers once the cache has them', async () => {
    const { app, commands, reader } = await testApi();
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearer,
      payload: upload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tenant: 't', channel: 'c', specDigest: 'digest1', changed: true });
    expect(commands.uploads).toEqual([upload]);
    expect(reader.seenRevisions).toEqual([7]);
  });

  it.each(['start', 'stop', 'reload'] as const)(
    'POST %s changes the desired state and answers the view once the cache has the change',
    async (action) => {
      const { app, commands, reader } = await testApi();
      const res = await app.inject({ method: 'POST', url: `/v1/channels/t/c/${action}`, headers: bearer });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(channelView());
      expect(commands.calls).toEqual([`${action} t/c`]);
      expect(reader.seenRevisions).toEqual([7]);
    },
  );

  it('needs the token even from loopback: 401 DRV_UNAUTHORIZED, and nothing is called', async () => {
    const { app, commands } = await testApi();
    const missing = await app.inject({ method: 'POST', url: '/v1/channels/t/c/stop' });
    expect(missing.statusCode).toBe(401);
    expect(errorOf(missing)).toEqual({
      code: 'DRV_UNAUTHORIZED',
      message: 'missing bearer token: this needs a token of role operate or admin',
    });
    const wrong = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: { authorization: 'Bearer wrong' },
      payload: upload,
    });
    expect(errorOf(wrong)).toEqual({ code: 'DRV_UNAUTHORIZED', message: 'invalid bearer token' });
    expect(commands.calls).toEqual([]);
  });

  it('answers an invalid channel 400 DRV_CHANNEL_INVALID with its issues', async () => {
    const { app, commands } = await testApi();
    const issue = {
      file: 't/c/channel_structure.yaml',
      line: 7,
      column: 5,
      path: 'applications[0].instancez',
      message: 'unknown field "instancez"',
    };
    commands.fail = new ApiProblem('DRV_CHANNEL_INVALID', 'channel t/c does not validate', {
      issues: [issue],
    });
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearer,
      payload: upload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'DRV_CHANNEL_INVALID', message: 'channel t/c does not validate', issues: [issue] },
    });
  });

  it('answers a malformed request 400 DRV_BAD_REQUEST: no files, broken JSON', async () => {
    const { app } = await testApi();
    const noFiles = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearer,
      payload: {},
    });
    expect(noFiles.statusCode).toBe(400);
    expect(errorOf(noFiles)).toMatchObject({
      code: 'DRV_BAD_REQUEST',
      message: expect.stringMatching(/files/),
    });
    const broken = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: { ...bearer, 'content-type': 'application/json' },
      payload: '{"files": ',
    });
    expect(broken.statusCode).toBe(400);
    expect(errorOf(broken).code).toBe('DRV_BAD_REQUEST');
  });

  it('answers 413 DRV_BODY_TOO_LARGE over the body limit, 415 for a body that is not JSON', async () => {
    const { app } = await testApi({ bodyLimit: 100 });
    const big = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: bearer,
      payload: { files: { 'x.txt': 'x'.repeat(200) } },
    });
    expect(big.statusCode).toBe(413);
    expect(errorOf(big).code).toBe('DRV_BODY_TOO_LARGE');
    const text = await app.inject({
      method: 'PUT',
      url: '/v1/channels/t/c',
      headers: { ...bearer, 'content-type': 'text/csv' },
      payload: 'a,b',
    });
    expect(text.statusCode).toBe(415);
    expect(errorOf(text).code).toBe('DRV_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 404, 409 and 400 with the codes the commands throw', async () => {
    const { app, commands } = await testApi();
    const cases = [
      [channelUnknown({ tenant: 't', channel: 'c' }), 404, 'DRV_CHANNEL_UNKNOWN'],
      [new ApiProblem('DRV_CONFLICT', 'channel t/c changed concurrently: try again'), 409, 'DRV_CONFLICT'],
      [
        new ApiProblem('DRV_CHANNEL_NOT_STARTED', 'channel t/c is not started: nothing to reload'),
        409,
        'DRV_CHANNEL_NOT_STARTED',
      ],
      [new ApiProblem('DRV_CHANNEL_TOO_LARGE', 'over the limit'), 400, 'DRV_CHANNEL_TOO_LARGE'],
    ] as const;
    for (const [problem, status, code] of cases) {
      commands.fail = problem;
      const res = await app.inject({ method: 'POST', url: '/v1/channels/t/c/reload', headers: bearer });
      expect(res.statusCode).toBe(status);
      expect(errorOf(res)).toEqual({ code, message: problem.message });
    }
  });

  it('answers etcd being unavailable 503 DRV_ETCD_UNAVAILABLE, and anything unexpected 500 DRV_INTERNAL (not "etcd unavailable")', async () => {
    const { app, commands } = await testApi();
    commands.fail = new StoreError('UNAVAILABLE', 'deadline exceeded');
    const down = await app.inject({ method: 'POST', url: '/v1/channels/t/c/start', headers: bearer });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('1');
    expect(errorOf(down)).toEqual({
      code: 'DRV_ETCD_UNAVAILABLE',
      message: 'etcd is unavailable: deadline exceeded',
    });

    commands.fail = new TypeError("Cannot read properties of undefined (reading 'files')");
    const bug = await app.inject({ method: 'POST', url: '/v1/channels/t/c/start', headers: bearer });
    expect(bug.statusCode).toBe(500);
    expect(errorOf(bug)).toEqual({
      code: 'DRV_INTERNAL',
      message: "internal error: Cannot read properties of undefined (reading 'files')",
    });

    commands.fail = new StoreError('DECODE', '/drover/channels/t/c/desired: value is not JSON');
    const corrupt = await app.inject({ method: 'POST', url: '/v1/channels/t/c/stop', headers: bearer });
    expect(corrupt.statusCode).toBe(500);
    expect(errorOf(corrupt).code).toBe('DRV_INTERNAL');
  });
});
