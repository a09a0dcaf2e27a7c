/** The controller's settings: search clusters from the platform file and --search-cluster. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlatformConfig, unwrap } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { resolveControllerConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'drover-controller-config-'));
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
