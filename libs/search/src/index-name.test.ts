import { describe, expect, it } from 'vitest';
import { compileIndexName, IndexNameError, timestampMs } from './index-name.js';

const at = Date.UTC(2026, 10, 29, 7, 5, 0); // 2026-11-29T07:05:00Z

describe('compileIndexName', () => {
  it('fills fields (dotted paths) and UTC date parts', () => {
    const name = compileIndexName('logs-{device_type}-{obs.host}-%Y.%m.%d-%H', '_ppf_timestamp');
    expect(name({ device_type: 'linux', obs: { host: 'fw1' }, _ppf_timestamp: at })).toBe(
      'logs-linux-fw1-2026.11.29-07',
    );
    expect(name.dated).toBe(true);
  });

  it('reads the time from numbers (epoch ms), numeric strings and RFC 3339 strings', () => {
    const name = compileIndexName('x-%Y.%m.%d', '@timestamp');
    expect(name({ '@timestamp': '2026-01-02T23:30:00-02:00' })).toBe('x-2026.01.03');
    expect(name({ '@timestamp': String(at) })).toBe('x-2026.11.29');
    expect(timestampMs(new Date(at))).toBe(at);
  });

  it('needs no time when the pattern has no date part, and keeps a literal percent', () => {
    const name = compileIndexName('{es_index}%%', '_ppf_timestamp');
    expect(name({ es_index: 'mytenant-events' })).toBe('mytenant-events%');
    expect(name.dated).toBe(false);
  });

  it('refuses to guess: no field, or no usable time, is an error naming it', () => {
    const name = compileIndexName('logs-{device_type}-%Y', 'ts');
    expect(() => name({ ts: at })).toThrow(/has no device_type/);
    expect(() => name({ device_type: { nested: 1 }, ts: at })).toThrow(IndexNameError);
    expect(() => name({ device_type: 'a' })).toThrow(/has no field ts/);
    expect(() => name({ device_type: 'a', ts: 'yesterday' })).toThrow(/ts is not a time \("yesterday"\)/);
  });

  it('rejects patterns it cannot read', () => {
    for (const bad of ['logs-{', 'logs-%Q', 'a-{}-b', '']) {
      expect(() => compileIndexName(bad, 'ts'), bad).toThrow(/index pattern/);
    }
  });
});
