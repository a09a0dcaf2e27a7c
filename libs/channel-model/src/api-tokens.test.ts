import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApiTokenFile, roleAllows, tokenDigest } from './api-tokens.js';
import { formatIssue } from './issues.js';
import { parsePlatformConfig } from './platform-config.js';

const FILE = '/etc/drover/api-tokens.yaml';
const parse = (text: string) => parseApiTokenFile(text, { file: FILE });
const problems = (text: string): string[] => {
  const result = parse(text);
  expect(result.ok).toBe(false);
  return result.issues.map(formatIssue);
};

describe('API roles', () => {
  it('are ordered read < operate < admin, each allowing what the ones before it do', () => {
    expect(roleAllows('read', 'read')).toBe(true);
    expect(roleAllows('read', 'operate')).toBe(false);
    expect(roleAllows('operate', 'read')).toBe(true);
    expect(roleAllows('operate', 'operate')).toBe(true);
    expect(roleAllows('operate', 'admin')).toBe(false);
    expect(roleAllows('admin', 'read')).toBe(true);
    expect(roleAllows('admin', 'admin')).toBe(true);
  });
});

describe('the API token file', () => {
  it('gives each token its name, role and SHA-256, from the token or from its digest', () => {
    const digest = tokenDigest('bob-secret');
    const result = parse(
      [
        'tokens:',
        '  - name: alice',
        '    role: admin',
        '    token: alice-secret',
        '  - name: bob@ops',
        '    role: operate',
        `    sha256: ${digest.toUpperCase()}`,
        '  - name: grafana',
        '    role: read',
        '    token: grafana-secret',
        '',
      ].join('\n'),
    );
    expect(result.ok && result.value).toEqual({
      legacy: false,
      tokens: [
        { name: 'alice', role: 'admin', sha256: tokenDigest('alice-secret') },
        { name: 'bob@ops', role: 'operate', sha256: digest },
        { name: 'grafana', role: 'read', sha256: tokenDigest('grafana-secret') },
      ],
    });
  });

  it('accepts the example token file', () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'deploy', 'api-tokens.example.yaml');
    const result = parseApiTokenFile(readFileSync(file, 'utf8'), { file });
    expect(result.issues).toEqual([]);
    expect(result.ok && result.value.tokens.map((t) => [t.name, t.role])).toEqual([
      ['alice', 'admin'],
      ['night-shift', 'operate'],
      ['grafana', 'read'],
    ]);
  });

  it('reads the single-token file of before as one admin token named default', () => {
    for (const text of ['s3cr3t-token\n', '  s3cr3t-token  ', 'abc:def=+/\n']) {
      const result = parse(text);
      expect(result.ok && result.value).toEqual({
        legacy: true,
        tokens: [{ name: 'default', role: 'admin', sha256: tokenDigest(text.trim()) }],
      });
    }
  });

  it('names file, line, column and field of every problem', () => {
    expect(
      problems(
        [
          'tokens:',
          '  - name: alice',
          '    role: root',
          '    token: a',
          '  - name: bob',
          '    role: read',
          '    sha256: "1234"',
          '  - name: carol',
          '    role: read',
          '    tokn: c',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      `${FILE}:3:11: tokens[0].role: Invalid option: expected one of "read"|"operate"|"admin"`,
      `${FILE}:7:13: tokens[1].sha256: expected the token's SHA-256 as 64 hexadecimal digits`,
      `${FILE}:8:5: tokens[2]: the token is missing: give token or sha256`,
      `${FILE}:10:5: tokens[2].tokn: unknown field "tokn"`,
    ]);
  });

  it('wants exactly one of token and sha256 per entry', () => {
    const both = problems(
      `tokens:\n  - name: a\n    role: read\n    token: x\n    sha256: ${tokenDigest('x')}\n`,
    );
    expect(both).toEqual([`${FILE}:5:13: tokens[0].sha256: give either token or sha256, not both`]);
    const neither = problems('tokens:\n  - name: a\n    role: read\n');
    expect(neither).toEqual([`${FILE}:2:5: tokens[0]: the token is missing: give token or sha256`]);
  });

  it('refuses duplicate names and the same token twice (also when once as its digest)', () => {
    expect(
      problems(
        [
          'tokens:',
          '  - name: alice',
          '    role: admin',
          '    token: one',
          '  - name: alice',
          '    role: read',
          '    token: two',
          '  - name: mallory',
          '    role: read',
          `    sha256: ${tokenDigest('one')}`,
          '',
        ].join('\n'),
      ),
    ).toEqual([
      `${FILE}:5:11: tokens[1].name: duplicate token name "alice" (first at line 2)`,
      `${FILE}:8:5: tokens[2]: the same token as "alice" (line 2): every token must be different`,
    ]);
  });

  it('asks for quotes around a token YAML reads as a number', () => {
    expect(problems('tokens:\n  - name: a\n    role: read\n    token: 123456\n')).toEqual([
      `${FILE}:4:12: tokens[0].token: expected text: put the value in quotes`,
    ]);
  });

  it('refuses an empty file, an empty list, a bad name and YAML that is not a token file', () => {
    expect(problems('\n  \n')).toEqual([`${FILE}:1:1: the token file is empty`]);
    expect(problems('tokens: []\n')).toEqual([`${FILE}:1:9: tokens: at least one token`]);
    expect(problems('tokens:\n  - name: -x\n    role: read\n    token: t\n')[0]).toMatch(
      /2:11: tokens\[0\]\.name: a token name is/,
    );
    expect(problems('token: abc\nrole: admin\n')).toEqual([
      `${FILE}:1:1: tokens: required field is missing`,
      `${FILE}:1:1: token: unknown field "token"`,
      `${FILE}:2:1: role: unknown field "role"`,
    ]);
  });
});

describe('platform file: api.tls and audit', () => {
  it('defaults to no TLS and a year of audit entries, at most 100,000', () => {
    const result = parsePlatformConfig('', { file: 'drover.yaml' });
    expect(result.ok && result.value.api.tls).toBeUndefined();
    expect(result.ok && result.value.audit).toEqual({
      retention: 365 * 24 * 3_600_000,
      max_entries: 100_000,
    });
  });

  it('takes the certificate and key files, and a retention in days', () => {
    const result = parsePlatformConfig(
      'api:\n  tls:\n    cert: /etc/drover/api.crt\n    key: /etc/drover/api.key\naudit:\n  retention: 90d\n  max_entries: 5000\n',
      { file: 'drover.yaml' },
    );
    expect(result.ok && result.value.api.tls).toEqual({
      cert: '/etc/drover/api.crt',
      key: '/etc/drover/api.key',
    });
    expect(result.ok && result.value.audit).toEqual({ retention: 90 * 24 * 3_600_000, max_entries: 5000 });
  });

  it('names the field of a certificate without its key, and of a bad retention', () => {
    const result = parsePlatformConfig('api:\n  tls:\n    cert: /a.crt\naudit:\n  retention: a year\n', {
      file: 'drover.yaml',
    });
    expect(result.issues.map(formatIssue)).toEqual([
      'drover.yaml:3:5: api.tls.key: required field is missing',
      'drover.yaml:5:14: audit.retention: invalid duration "a year": expected a number with a unit (ms, s, m, h, d), e.g. 1s, 2m, 1m30s, 7d',
    ]);
  });
});
