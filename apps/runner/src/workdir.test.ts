import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareInstanceDir } from './workdir.js';

describe('prepareInstanceDir', () => {
  const ref = { tenant: 't', channel: 'c', app: 'worker', index: 0 };

  it('writes the whole channel directory, binary files byte for byte', async () => {
    const workdir = mkdtempSync(join(tmpdir(), 'drover-workdir-'));
    const bytes = Buffer.from([0, 255, 254, 128, 65]);
    const dir = await prepareInstanceDir(
      workdir,
      ref,
      { 'worker.js': 'console.log(1)\n', 'lib/helper.js': 'x\n', run: '#!/bin/sh\n' },
      { 'data/geo.mmdb': bytes.toString('base64') },
      ['run'],
    );
    expect(dir).toBe(join(workdir, 't', 'c', 'worker', '0'));
    expect(readFileSync(join(dir, 'worker.js'), 'utf8')).toBe('console.log(1)\n');
    expect(readFileSync(join(dir, 'lib', 'helper.js'), 'utf8')).toBe('x\n');
    expect(readFileSync(join(dir, 'data', 'geo.mmdb'))).toEqual(bytes);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o750);
    expect(statSync(join(dir, 'worker.js')).mode & 0o777).toBe(0o640);
  });

  it('refuses a path that leads out of the instance directory', async () => {
    const workdir = mkdtempSync(join(tmpdir(), 'drover-workdir-'));
    await expect(prepareInstanceDir(workdir, ref, { '../../escape.js': '' })).rejects.toThrow(
      /leads outside the work directory/,
    );
  });
});
