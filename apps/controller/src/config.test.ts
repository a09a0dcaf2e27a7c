import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPlatformConfig, parsePlatformConfig, tokenDigest, unwrap } from '@drover/channel-model';
import { ConfigError } from '@drover/platform';
import { describe, expect, it } from 'vitest';
import { createTestPki } from '../../../test/support/certs.js';
import { resolveControllerConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-controller-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const resolve = (flags: Parameters<typeof resolveControllerConfig>[1], platform = defaultPlatformConfig) =>
  resolveControllerConfig(platform, { id: 'c1', ...flags });

describe('controller configuration: tokens, TLS, audit', () => {
  it('reads named tokens with roles; no token file is an open API', async () => {
    const tokens = file(
      'tokens.yaml',
      'tokens:\n  - name: alice\n    role: operate\n    token: alice-secret\n',
    );
    const config = await resolve({ tokenFile: tokens });
    expect(config.tokens).toEqual([{ name: 'alice', role: 'operate', sha256: tokenDigest('alice-secret') }]);
    expect(config.tokenFile).toEqual({ path: tokens, legacy: false });
    const open = await resolve({});
    expect(open.tokens).toBeUndefined();
    expect(open.tokenFile).toBeUndefined();
  });

  it('keeps the single-token file working: one admin token named default', async () => {
    const config = await resolve({ tokenFile: file('token', 'old-secret\n') });
    expect(config.tokens).toEqual([{ name: 'default', role: 'admin', sha256: tokenDigest('old-secret') }]);
    expect(config.tokenFile?.legacy).toBe(true);
  });

  it('names file, line and field of a bad token file, and a missing one', async () => {
    const bad = file('bad.yaml', 'tokens:\n  - name: bob\n    role: superuser\n    token: x\n');
    await expect(resolve({ tokenFile: bad })).rejects.toThrow(
      `${bad}:3:11: tokens[0].role: Invalid option: expected one of "read"|"operate"|"admin"`,
    );
    await expect(resolve({ tokenFile: join(dir, 'nope') })).rejects.toThrow(
      /^cannot read API token file .*nope: ENOENT/,
    );
  });

  it('takes the TLS certificate and key from flags or the platform file, both or neither, as a pair', async () => {
    const pki = createTestPki();
    const fromFlags = await resolve({ tlsCert: pki.server.certFile, tlsKey: pki.server.keyFile });
    expect(fromFlags.tls?.certFile).toBe(pki.server.certFile);
    expect(fromFlags.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    const platform = parsePlatformConfig(
      `api:\n  tls:\n    cert: ${pki.server.certFile}\n    key: ${pki.server.keyFile}\n`,
      { file: 'drover.yaml' },
    );
    if (!platform.ok) throw new Error('platform file');
    expect((await resolve({}, platform.value)).tls?.keyFile).toBe(pki.server.keyFile);

    const half = resolve({ tlsCert: pki.server.certFile });
    await expect(half).rejects.toThrow(ConfigError);
    await expect(half).rejects.toThrow(
      "the API's TLS needs both a certificate and a key: --tls-key (api.tls.key) is missing",
    );
    await expect(resolve({ tlsCert: pki.server.certFile, tlsKey: pki.client.keyFile })).rejects.toThrow(
      /are not a usable pair: .*key values mismatch/,
    );
    await expect(resolve({ tlsCert: join(dir, 'none.crt'), tlsKey: pki.server.keyFile })).rejects.toThrow(
      /cannot read the API's TLS certificate .*none\.crt: ENOENT/,
    );
  });

  it('keeps audit entries a year by default, at most 100,000; flags override', async () => {
    expect((await resolve({})).audit).toEqual({ retentionMs: 365 * 86_400_000, maxEntries: 100_000 });
    expect((await resolve({ auditRetention: '30d', auditMaxEntries: '500' })).audit).toEqual({
      retentionMs: 30 * 86_400_000,
      maxEntries: 500,
    });
    await expect(resolve({ auditRetention: 'forever' })).rejects.toThrow(
      /^--audit-retention: invalid duration/,
    );
    await expect(resolve({ auditRetention: '10ms' })).rejects.toThrow('--audit-retention: at least 1s');
    await expect(resolve({ auditMaxEntries: '0' })).rejects.toThrow(/--audit-max-entries/);
  });
});

const platform = (text: string) => unwrap(parsePlatformConfig(text, { file: 'drover.yaml' }));

describe('resolveControllerConfig: search clusters', () => {
  it('reads the password and the CA from their files, and lets a flag give other nodes or a new cluster', async () => {
    writeFileSync(join(dir, 'search-password'), 's3cret\n');
    writeFileSync(join(dir, 'search-ca.crt'), '-----BEGIN CERTIFICATE-----\n');
    const file = platform(`search:
  clusters:
    search_front:
      nodes: [https://s1:9200, https://s2:9200]
      auth: { username: drover, password_file: ${join(dir, 'search-password')} }
      tls: { ca: ${join(dir, 'search-ca.crt')} }
`);
    const fromFile = await resolveControllerConfig(file, {});
    expect(fromFile.searchClusters).toEqual({
      search_front: {
        nodes: ['https://s1:9200', 'https://s2:9200'],
        auth: { username: 'drover', password: 's3cret' },
        tls: { ca: Buffer.from('-----BEGIN CERTIFICATE-----\n') },
      },
    });
    const flagged = await resolveControllerConfig(file, {
      searchCluster: ['search_front=https://s3:9200', 'search_back=http://127.0.0.1:9200'],
    });
    expect(flagged.searchClusters.search_front).toMatchObject({
      nodes: ['https://s3:9200'],
      auth: { username: 'drover', password: 's3cret' },
    });
    expect(flagged.searchClusters.search_back).toEqual({ nodes: ['http://127.0.0.1:9200'] });
  });

  it('stops at start on a password or CA file it cannot read, naming the cluster', async () => {
    const noPassword = platform(`search:
  clusters:
    search_front:
      nodes: [https://s1:9200]
      auth: { username: drover, password_file: ${join(dir, 'none')} }
`);
    await expect(resolveControllerConfig(noPassword, {})).rejects.toThrow(
      /cannot read search cluster search_front password file .*none/,
    );
    const noCa = platform(`search:
  clusters:
    search_front:
      nodes: [https://s1:9200]
      tls: { ca: ${join(dir, 'none.crt')} }
`);
    await expect(resolveControllerConfig(noCa, {})).rejects.toThrow(
      /cannot read the CA certificate of search cluster search_front, .*none\.crt/,
    );
    await expect(resolveControllerConfig(platform(''), { searchCluster: ['nonsense'] })).rejects.toThrow(
      '--search-cluster: expected NAME=URL[,URL], got "nonsense"',
    );
  });
});
