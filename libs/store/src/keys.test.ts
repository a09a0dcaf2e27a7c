import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { KeyLayout } from './keys.js';

describe('KeyLayout', () => {
  const keys = new KeyLayout('/drover/');

  it('builds the documented layout under the prefix', () => {
    expect(keys.runner('front1')).toBe('/drover/runners/front1');
    expect(keys.channelSpec('reftenant', 'receiver')).toBe('/drover/channels/reftenant/receiver/spec');
    expect(keys.channelDesired('reftenant', 'receiver')).toBe('/drover/channels/reftenant/receiver/desired');
    const ref = { runner: 'front1', tenant: 'reftenant', channel: 'receiver', app: 'input', index: 1 };
    expect(keys.placement(ref)).toBe('/drover/placements/front1/reftenant/receiver/input/1');
    expect(keys.status(ref)).toBe('/drover/status/reftenant/receiver/input/1');
    expect(keys.resource('reftenant', 'receiver', 'apache')).toBe(
      '/drover/resources/reftenant/receiver/apache',
    );
    expect(keys.election('controller')).toBe('/drover/election/controller/');
    expect(keys.placements('front1')).toBe('/drover/placements/front1/');
  });

  it('keys audit entries by time, so that they sort by time and a time is a range boundary', () => {
    const t = new Date('2026-11-23T03:00:00.000Z');
    expect(keys.audit(t, '0a1b2c3d')).toBe('/drover/audit/2026-11-23T03:00:00.000Z-0a1b2c3d');
    expect(keys.auditFrom(t)).toBe('/drover/audit/2026-11-23T03:00:00.000Z');
    const later = keys.audit(new Date('2026-11-23T03:00:00.001Z'), '00000000');
    expect([later, keys.audit(t, 'ffffffff')].sort()).toEqual([keys.audit(t, 'ffffffff'), later]);
    expect(keys.auditFrom(t) < keys.audit(t, '00000000')).toBe(true);
    expect(() => keys.audit(t, 'a/b')).toThrow(StoreError);
  });

  it('keys older uploads by digest and rollouts by channel, and parses them back', () => {
    const version = keys.channelVersion('reftenant', 'receiver', '0123abcd');
    expect(version).toBe('/drover/channels/reftenant/receiver/versions/0123abcd');
    expect(keys.parseChannelVersion(version)).toEqual({
      tenant: 'reftenant',
      channel: 'receiver',
      digest: '0123abcd',
    });
    // A version key is not a spec or desired key, and the reverse.
    expect(keys.parseChannel(version)).toBeUndefined();
    expect(keys.parseChannelVersion(keys.channelSpec('t', 'c'))).toBeUndefined();
    expect(keys.rollout('reftenant', 'receiver')).toBe('/drover/rollouts/reftenant/receiver');
    expect(keys.parseRollout(keys.rollout('t', 'c'))).toEqual({ tenant: 't', channel: 'c' });
    expect(keys.elections()).toBe('/drover/election/');
  });

  it('parses keys back into their parts', () => {
    const ref = { runner: 'front1', tenant: 'reftenant', channel: 'receiver', app: 'input', index: 12 };
    expect(keys.parsePlacement(keys.placement(ref))).toEqual(ref);
    const { runner: _, ...instance } = ref;
    expect(keys.parseStatus(keys.status(instance))).toEqual(instance);
    expect(keys.parseRunner(keys.runner('back1'))).toBe('back1');
    expect(keys.parseChannel(keys.channelSpec('t', 'c'))).toEqual({
      tenant: 't',
      channel: 'c',
      part: 'spec',
    });
    expect(keys.parseResource(keys.resource('t', 'c', 'x'))).toEqual({
      tenant: 't',
      channel: 'c',
      name: 'x',
    });
    expect(keys.pending('t', 'c')).toBe('/drover/pending/t/c');
    expect(keys.parsePending(keys.pending('t', 'c'))).toEqual({ tenant: 't', channel: 'c' });
    expect(keys.parsePending('/drover/pending/t/c/extra')).toBeUndefined();
  });

  it.each([
    '/drover/placements/front1/t/c/a',
    '/drover/placements/front1/t/c/a/01',
    '/drover/placements/front1/t/c/a/-1',
    '/drover/placements/front1/t//a/0',
    '/drover/placements/front1/t/c/a/0/extra',
    '/other/placements/front1/t/c/a/0',
  ])('rejects the malformed placement key %s', (key) => {
    expect(keys.parsePlacement(key)).toBeUndefined();
  });

  it.each(['a/b', '..', '.', ''])('refuses to build a key with the segment %j', (segment) => {
    expect(() => keys.runner(segment)).toThrow(StoreError);
    expect(() => keys.channelSpec('t', segment)).toThrow(/invalid channel/);
  });

  it('refuses a negative or fractional instance index and a relative prefix', () => {
    expect(() => keys.status({ tenant: 't', channel: 'c', app: 'a', index: -1 })).toThrow(/index/);
    expect(() => keys.status({ tenant: 't', channel: 'c', app: 'a', index: 0.5 })).toThrow(/index/);
    expect(() => new KeyLayout('drover')).toThrow(/must start with/);
  });
});
