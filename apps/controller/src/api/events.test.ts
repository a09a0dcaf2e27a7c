/**
 * The events plugin on a real socket (an SSE stream does not end, which inject() waits for): the
 * whole state on connect, a change pushed, resume from Last-Event-ID, the token off loopback.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { errorOf, OFF_LOOPBACK, type TestApi, testApi } from './testing/fakes.js';

interface Frame {
  id: string;
  event: string;
  data: unknown;
}

/** Reads SSE frames from a stream until `until` says enough. */
async function readFrames(
  body: ReadableStream<Uint8Array>,
  until: (frames: Frame[]) => boolean,
): Promise<Frame[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let buffer = '';
  while (!until(frames)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(block)?.[1];
      const event = field('event');
      const data = field('data');
      if (event !== undefined && data !== undefined)
        frames.push({ id: field('id') ?? '', event, data: JSON.parse(data) });
      end = buffer.indexOf('\n\n');
    }
  }
  reader.releaseLock();
  return frames;
}

let api: TestApi | undefined;
afterEach(async () => {
  await api?.app.close();
  api = undefined;
});

async function listening(): Promise<{ api: TestApi; base: string }> {
  api = await testApi({ console: {} });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  return { api, base: `http://127.0.0.1:${port}` };
}

describe('events plugin', () => {
  it('streams the whole state on connect, then each change, ids being revisions', async () => {
    const { api, base } = await listening();
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/events`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const body = res.body as ReadableStream<Uint8Array>;
    const first = await readFrames(body, (f) => f.length >= 3);
    expect(first.map((f) => f.event)).toEqual(['cluster', 'runners', 'channels']);
    expect(first[1]?.id).toBe('5');
    expect(first[2]?.data).toMatchObject({ channels: [{ tenant: 't', channel: 'c', desired: 'started' }] });

    api.reader.runnerList = [];
    api.reader.changed('runner');
    const next = await readFrames(body, (f) => f.length >= 1);
    expect(next[0]).toMatchObject({ id: '6', event: 'runners', data: { runners: [] } });
    const lost = (next[0]?.data as { lost?: { name: string }[] } | undefined)?.lost ?? [];
    expect(lost.map((r) => r.name)).toEqual(['front1']);
    abort.abort();
  });

  it('follows one channel with ?channel=T/C', async () => {
    const { base } = await listening();
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/events?channel=t/c`, { signal: abort.signal });
    const frames = await readFrames(res.body as ReadableStream<Uint8Array>, (f) => f.length >= 2);
    expect(frames.map((f) => f.event)).toEqual(['cluster', 'channel']);
    expect(frames[1]?.data).toMatchObject({
      tenant: 't',
      channel: 'c',
      applications: [{ name: 'receiver' }],
    });
    abort.abort();
  });

  it('waits for the cache to reach the Last-Event-ID a reconnecting page sends', async () => {
    const { api, base } = await listening();
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/events`, {
      headers: { 'last-event-id': '41' },
      signal: abort.signal,
    });
    await readFrames(res.body as ReadableStream<Uint8Array>, (f) => f.length >= 1);
    expect(api.reader.seenRevisions).toEqual([41]);
    abort.abort();
  });

  it('needs the token off loopback, and refuses a malformed channel', async () => {
    api = await testApi({ console: {} });
    const remote = await api.app.inject({ url: '/v1/events', remoteAddress: OFF_LOOPBACK });
    expect(errorOf(remote).code).toBe('DRV_UNAUTHORIZED');
    const bad = await api.app.inject({ url: '/v1/events?channel=t' });
    expect(errorOf(bad).code).toBe('DRV_BAD_REQUEST');
  });
});
