import { lumberjackInputSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { filebeatEvent, winlogbeatLogon } from '../../../../test/support/beats-events.js';
import { beatOf, beatsFields } from './beats.js';

const mapping = lumberjackInputSettings.parse({ listen: { port: 1 } }).beats;

describe('Beats events as pipeline fields', () => {
  it('keeps a Filebeat event whole in `beat`, its line in `log`, the Beat in `log_format`', () => {
    const event = filebeatEvent('Nov 29 20:31:01 web-01 sshd[20431]: Accepted publickey for deploy', {
      path: '/var/log/auth.log',
      offset: 120934,
    });
    const fields = beatsFields(structuredClone(event), mapping);
    expect(fields).toEqual({
      beat: event,
      log: 'Nov 29 20:31:01 web-01 sshd[20431]: Accepted publickey for deploy',
      log_format: 'filebeat',
    });
  });

  it('keeps a Winlogbeat event whole, whose own `log` (log.level) no longer collides', () => {
    const event = winlogbeatLogon(1063578, 'user1');
    const fields = beatsFields(structuredClone(event), mapping);
    expect(fields.beat).toEqual(event);
    expect(fields.log_format).toBe('winlogbeat');
    expect(fields.log).toBe(event.message);
  });

  it('puts the whole event as JSON in the message field when it has no string message', () => {
    const { message: _message, ...event } = winlogbeatLogon(7, 'user2');
    const fields = beatsFields(structuredClone(event), mapping);
    expect(JSON.parse(String(fields.log))).toEqual(event);
  });

  it('leaves events of other senders as they are, and honours renamed fields and beats: false', () => {
    const punch = { log: '<13>Nov 29 20:31:01 host app: x', subsystem: 'collector', log_format: 'syslog' };
    expect(beatsFields(punch, mapping)).toBe(punch);
    expect(beatOf({ '@metadata': { beat: '' } })).toBeUndefined();
    expect(beatOf({ '@metadata': 'filebeat' })).toBeUndefined();
    const event = filebeatEvent('x', { path: '/p', offset: 0 });
    const renamed = lumberjackInputSettings.parse({
      listen: { port: 1 },
      beats: { event_field: 'ecs_event' },
    }).beats;
    expect(Object.keys(beatsFields(structuredClone(event), renamed)).sort()).toEqual([
      'ecs_event',
      'log',
      'log_format',
    ]);
    expect(beatsFields(event, false)).toBe(event);
  });

  it('refuses a mapping that writes two things into one field', () => {
    const result = lumberjackInputSettings.safeParse({ listen: { port: 1 }, beats: { event_field: 'log' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/three different fields/);
  });
});
