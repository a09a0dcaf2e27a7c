import type { AuditEntry } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { unreachableHint } from './client.js';
import { renderAudit } from './render.js';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  time: '2026-11-23T03:12:45.120Z',
  controller: 'ctl1:7070',
  token: 'alice',
  role: 'operate',
  via: 'token',
  source: '10.0.0.7',
  method: 'POST',
  path: '/v1/channels/reftenant/receiver/stop',
  action: 'stop',
  channel: 'reftenant/receiver',
  status: 200,
  result: 'ok',
  code: null,
  message: null,
  ...over,
});

describe('channelctl audit', () => {
  it('shows one line per entry: who, from where, what, on which channel, how it ended', () => {
    expect(
      renderAudit([
        entry({}),
        entry({
          time: '2026-11-23T03:13:00.000Z',
          token: null,
          role: null,
          via: null,
          source: '203.0.113.9',
          action: 'start',
          status: 401,
          result: 'refused',
          code: 'DRV_UNAUTHORIZED',
          message: 'invalid bearer token',
        }),
        entry({
          time: '2026-11-23T03:14:00.000Z',
          token: 'ci',
          role: 'admin',
          action: 'upload',
          message: 'changed, 0123abcd',
        }),
        entry({ time: '2026-11-23T03:15:00.000Z', via: 'session', action: 'reload' }),
      ]),
    ).toBe(
      [
        'TIME                      TOKEN            ROLE     SOURCE       ACTION  CHANNEL             RESULT       DETAIL',
        '2026-11-23T03:12:45.120Z  alice            operate  10.0.0.7     stop    reftenant/receiver  ok',
        '2026-11-23T03:13:00.000Z  -                -        203.0.113.9  start   reftenant/receiver  refused 401  DRV_UNAUTHORIZED: invalid bearer token',
        '2026-11-23T03:14:00.000Z  ci               admin    10.0.0.7     upload  reftenant/receiver  ok           changed, 0123abcd',
        '2026-11-23T03:15:00.000Z  alice (console)  operate  10.0.0.7     reload  reftenant/receiver  ok',
      ].join('\n'),
    );
    expect(renderAudit([])).toBe('no audit entries');
  });

  it('says what to check when an https API cannot be reached', () => {
    expect(unreachableHint('https://ctl:7070', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toMatch(
      /--ca FILE \(DROVER_API_CA\)/,
    );
    expect(unreachableHint('https://ctl:7070', 'SELF_SIGNED_CERT_IN_CHAIN')).toMatch(/--ca FILE/);
    expect(unreachableHint('https://ctl:7070', 'ERR_TLS_CERT_ALTNAME_INVALID')).toMatch(
      /does not name this host/,
    );
    expect(unreachableHint('https://ctl:7070', 'ERR_SSL_WRONG_VERSION_NUMBER')).toMatch(
      /plain HTTP\? \(use http:\/\//,
    );
    expect(unreachableHint('http://ctl:7070', 'UND_ERR_SOCKET')).toMatch(/use https:\/\//);
    expect(unreachableHint('http://ctl:7070', 'ECONNREFUSED')).toBe(
      'is a controller running? (--api, DROVER_API)',
    );
  });
});
