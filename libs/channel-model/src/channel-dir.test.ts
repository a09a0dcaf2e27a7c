/**
 * The channel directory is shipped whole (issue 15, found problem 4: a file named only in `args`
 * was left behind), bounded in size, and each application's own files are known, so a change
 * restarts only the applications it touches (found problem 3).
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssue, unwrap } from './issues.js';
import { loadChannel, MAX_CHANNEL_BYTES, validateChannelFiles } from './load-channel.js';
import { ownFiles } from './own-files.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function channelDir(files: Record<string, string | Buffer>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'drover-shipped-')), 'tenant1', 'chan1');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const workerChannel = `version: "6.0"
applications:
  - name: worker
    runtime: shiva
    cluster: common
    command: node
    args: [worker.js, --config=conf/worker.json]
  - name: other
    runtime: shiva
    cluster: common
    command: node
    args: [other.js]
`;

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]);

describe('the channel directory is shipped', () => {
  it('ships every file under it, named or not, binary files as base64', async () => {
    const dir = channelDir({
      'channel_structure.yaml': workerChannel,
      'worker.js': "import { helper } from './lib/helper.js';\nhelper();\n",
      'other.js': 'console.log(1)\n',
      'lib/helper.js': "export const helper = () => require('./data.json');\n",
      'lib/data.json': '{}\n',
      'conf/worker.json': '{"a": 1}\n',
      'README.txt': 'not named by anything\n',
      'geo.mmdb': BINARY,
    });
    const loaded = unwrap(await loadChannel(dir));
    expect(Object.keys(loaded.files)).toEqual([
      'README.txt',
      'channel_structure.yaml',
      'conf/worker.json',
      'lib/data.json',
      'lib/helper.js',
      'other.js',
      'worker.js',
    ]);
    expect(Object.keys(loaded.binaryFiles)).toEqual(['geo.mmdb']);
    expect(Buffer.from(loaded.binaryFiles['geo.mmdb'] ?? '', 'base64')).toEqual(BINARY);

    // The server validates the upload the same way and keeps every file.
    const again = unwrap(await validateChannelFiles('tenant1', 'chan1', loaded.files, loaded.binaryFiles));
    expect(again.files).toEqual(loaded.files);
    expect(again.binaryFiles).toEqual(loaded.binaryFiles);
  });

  it('refuses a directory over the size limit, naming the size, the limit and the largest files', async () => {
    const dir = channelDir({
      'channel_structure.yaml': workerChannel,
      'worker.js': 'x'.repeat(600),
      'big.bin': Buffer.alloc(2000, 0xff),
    });
    const result = await loadChannel(dir, { maxBytes: 1024 });
    expect(result.ok).toBe(false);
    expect(result.issues.map(formatIssue)).toEqual([
      `${dir}:1:1: the channel directory holds 2.8 KiB (${2000 + 600 + workerChannel.length} bytes), over the limit of 1.0 KiB (1024 bytes) shipped with a channel; largest files: big.bin (2.0 KiB), worker.js (600 B), channel_structure.yaml (${workerChannel.length} B)`,
    ]);
    // The default limit, and an upload over it.
    expect(MAX_CHANNEL_BYTES).toBe(1024 * 1024);
    const upload = await validateChannelFiles('t', 'c', {
      'channel_structure.yaml': workerChannel,
      'huge.txt': 'y'.repeat(MAX_CHANNEL_BYTES),
    });
    expect(upload.ok).toBe(false);
    expect(upload.issues[0]?.message).toMatch(
      /^the channel directory holds 1\.0 MiB \(\d+ bytes\), over the limit of 1\.0 MiB \(1048576 bytes\)/,
    );
  });

  it('refuses what cannot be shipped: a symlink out of the directory, an upload path out of it', async () => {
    const dir = channelDir({ 'channel_structure.yaml': workerChannel, 'worker.js': '' });
    symlinkSync('/etc/hostname', join(dir, 'escape.txt'));
    const result = await loadChannel(dir);
    expect(result.issues.map(formatIssue)).toEqual([
      `${join(dir, 'escape.txt')}:1:1: "escape.txt" leads outside the channel directory: it cannot be shipped`,
    ]);
    const upload = await validateChannelFiles('t', 'c', {
      'channel_structure.yaml': workerChannel,
      '../x.js': '',
    });
    expect(upload.issues.map((i) => i.message)).toEqual([
      'uploaded file "../x.js" is not a relative path inside the channel directory',
    ]);
  });
});

describe('own files', () => {
  it('are the files an application names and those they import, not the rest', async () => {
    const dir = channelDir({
      'channel_structure.yaml': workerChannel,
      'worker.js': "import { helper } from './lib/helper.js';\nconst x = await import('./lazy');\n",
      'lazy.mjs': '',
      'other.js': "require('./lib/helper.js')\n",
      'lib/helper.js': "module.exports = require('../lib/data.json');\n",
      'lib/data.json': '{}',
      'conf/worker.json': '{}',
      'conf/unused.json': '{}',
      'README.txt': '',
    });
    const loaded = unwrap(await loadChannel(dir));
    const [worker, other] = loaded.structure.applications;
    if (worker === undefined || other === undefined) throw new Error('fixture');
    expect(ownFiles(worker, loaded)).toEqual([
      'conf/worker.json',
      'lazy.mjs',
      'lib/data.json',
      'lib/helper.js',
      'worker.js',
    ]);
    expect(ownFiles(other, loaded)).toEqual(['lib/data.json', 'lib/helper.js', 'other.js']);
  });

  it("are, for the seed's receivers, the pipeline and the map it names", async () => {
    const loaded = unwrap(await loadChannel(join(repo, 'channels', 'reftenant', 'receiver')));
    for (const app of loaded.structure.applications) {
      expect(ownFiles(app, loaded)).toEqual(['logs_receiver.yaml', 'resources/device_to_device_type.json']);
    }
  });

  it('take a directory named in args whole', async () => {
    const dir = channelDir({
      'channel_structure.yaml': workerChannel.replace('--config=conf/worker.json', './conf/'),
      'worker.js': '',
      'conf/a.json': '{}',
      'conf/sub/b.json': '{}',
      'confetti.json': '{}',
    });
    const loaded = unwrap(await loadChannel(dir));
    const worker = loaded.structure.applications[0];
    if (worker === undefined) throw new Error('fixture');
    expect(ownFiles(worker, loaded)).toEqual(['conf/a.json', 'conf/sub/b.json', 'worker.js']);
  });
});
