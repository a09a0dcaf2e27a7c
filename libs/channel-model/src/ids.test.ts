import { describe, expect, it } from 'vitest';
import {
  applicationRef,
  channelRef,
  instanceId,
  parseApplicationRef,
  parseChannelRef,
  parseInstanceId,
} from './ids.js';

describe('ids', () => {
  const ref = { tenant: 'reftenant', channel: 'receiver', app: 'central_receiver1', index: 12 };

  it('format and parse back', () => {
    expect(channelRef(ref)).toBe('reftenant/receiver');
    expect(parseChannelRef('reftenant/receiver')).toEqual({ tenant: 'reftenant', channel: 'receiver' });
    expect(applicationRef(ref)).toBe('reftenant/receiver/central_receiver1');
    expect(parseApplicationRef('reftenant/receiver/central_receiver1')).toEqual({
      tenant: 'reftenant',
      channel: 'receiver',
      app: 'central_receiver1',
    });
    expect(instanceId(ref)).toBe('reftenant.receiver.central_receiver1.12');
    expect(parseInstanceId(instanceId(ref))).toEqual(ref);
  });

  it.each([
    ['reftenant', 'one part'],
    ['a/b/c', 'three parts'],
    ['a/../b', 'a path'],
    ['a/', 'an empty part'],
    ['a b/c', 'a space'],
  ])('refuses %s as a channel ref (%s)', (text) => {
    expect(parseChannelRef(text)).toBeUndefined();
  });

  it.each(['a.b.c', 'a.b.c.01', 'a.b.c.-1', 'a.b.c.1.2', 'a.b/x.c.1', 'a.b.c.1e3'])(
    'refuses %s as an instance id',
    (text) => {
      expect(parseInstanceId(text)).toBeUndefined();
    },
  );
});
