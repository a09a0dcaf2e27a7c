import { describe, expect, it } from 'vitest';
import { bytes, exactTime, lastExitText, relativeTime } from './format.js';
import { href, parseRoute } from './route.js';
import { actualSummary, presentState } from './states.js';

describe('times, sizes and exits as people read them', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('relative times', () => {
    expect(relativeTime('2026-11-30T11:59:48Z', now)).toBe('12 s ago');
    expect(relativeTime('2026-11-30T11:55:00Z', now)).toBe('5 min ago');
    expect(relativeTime('2026-11-30T09:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('2026-11-28T11:00:00Z', now)).toBe('2 d ago');
    expect(relativeTime('2026-11-30T12:00:30Z', now)).toBe('in 30 s');
    expect(relativeTime(now - 200, now)).toBe('just now');
  });
  it('exact time carries UTC', () => {
    expect(exactTime('2026-11-30T11:59:48.123Z')).toContain('(2026-11-30T11:59:48.123Z)');
  });
  it('bytes and exits', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(256 * 1024 * 1024)).toBe('256 MiB');
    expect(bytes(null)).toBe('–');
    expect(lastExitText({ code: null, signal: 'SIGKILL', reason: 'signal', at: '' })).toBe('signal SIGKILL');
    expect(lastExitText({ code: 137, signal: null, reason: 'oom', at: '' })).toBe('killed for memory');
    expect(lastExitText({ code: 1, signal: null, reason: 'exited', at: '' })).toBe('exit 1');
  });
});

describe('states', () => {
  it('every instance state has a word and a distinct symbol', () => {
    const states = ['running', 'pending', 'starting', 'backoff', 'stopping', 'stopped', 'failed'];
    const symbols = states.map((s) => presentState(s).symbol);
    expect(new Set(symbols).size).toBe(states.length);
    for (const s of states) expect(presentState(s).word).toBe(s);
  });
  it('summarises a channel, attention first, and says whether it is settled', () => {
    expect(actualSummary('started', { running: 1, pending: 1 })).toEqual({
      text: '1 pending, 1 running',
      settled: false,
    });
    expect(actualSummary('started', { running: 2 })).toEqual({ text: '2 running', settled: true });
    expect(actualSummary('stopped', { stopped: 2 }).settled).toBe(true);
  });
});

describe('routes', () => {
  it('round-trips every view and falls back to the overview', () => {
    for (const r of [
      { view: 'overview' },
      { view: 'channel', tenant: 'reftenant', channel: 'receiver' },
      { view: 'logs', tenant: 'reftenant', channel: 'receiver', app: 'central_receiver1', index: 0 },
      { view: 'search', params: { q: 'disk full', host: 'web1' } },
    ] as const) {
      expect(parseRoute(href(r))).toEqual(r);
    }
    expect(parseRoute('#/channel/../x')).toEqual({ view: 'overview' });
    expect(parseRoute('')).toEqual({ view: 'overview' });
  });
});
