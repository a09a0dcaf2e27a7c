/**
 * file_output and harvest_input on the real filesystem, in process (their SIGKILL tests, with
 * real processes, are in test/e2e/processor.test.ts).
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileOutputSettings, harvestInputSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { type Fields, FileOutput, HarvestInput } from '../src/index.js';
import { inputToNode, quiet, TestOutput } from './support/nodes.js';

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  if (existsSync(root)) walk(root);
  return out.sort();
}

function write(out: FileOutput, fields: Fields): Promise<Error | undefined> {
  return new Promise((resolve) => out.write({ component: 'in', stream: 'logs', fields }, resolve));
}

describe('file_output', () => {
  it('writes files by field and date, confirms after fsync, renames them complete at close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-archive-'));
    const settings = fileOutputSettings.parse({
      path: 'archive/{device_type}/%Y/%m/%d/{_file_id}.jsonl.gz',
      time_field: 'timestamp',
    });
    const out = new FileOutput(settings, quiet, {
      pattern: join(dir, settings.path),
      stateFile: join(dir, 'a.files.json'),
      writer: 'w-0',
    });
    const results = await Promise.all([
      write(out, { _ppf_id: '1', device_type: 'apache', timestamp: '2026-11-23T05:00:00Z' }),
      write(out, { _ppf_id: '2', device_type: 'apache', timestamp: '2026-11-23T06:00:00Z' }),
      write(out, { _ppf_id: '3', device_type: 'linux_os', timestamp: '2026-11-24T00:00:01Z' }),
    ]);
    expect(results).toEqual([undefined, undefined, undefined]);
    // Confirmed, not finished yet: in progress.
    expect(files(join(dir, 'archive')).every((f) => f.endsWith('.jsonl.gz.inprogress'))).toBe(true);
    await out.close();
    const done = files(join(dir, 'archive'));
    expect(done).toHaveLength(2);
    expect(done[0]).toMatch(/^apache\/2026\/11\/23\/w-0-\d{8}T\d{9}-\d+\.jsonl\.gz$/);
    expect(done[1]).toMatch(/^linux_os\/2026\/11\/24\/w-0-/);
    const apache = gunzipSync(readFileSync(join(dir, 'archive', done[0] as string))).toString();
    expect(
      apache
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)._ppf_id),
    ).toEqual(['1', '2']);
  });

  it('rotates by size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-archive-'));
    const settings = fileOutputSettings.parse({
      path: 'a/{_file_id}.log',
      format: 'raw',
      raw_field: 'log',
      max_bytes: 100,
      flush_ms: 0,
    });
    const out = new FileOutput(settings, quiet, {
      pattern: join(dir, settings.path),
      stateFile: join(dir, 's.json'),
      writer: 'w',
    });
    for (let i = 0; i < 10; i++)
      expect(await write(out, { log: `line ${i} ${'x'.repeat(30)}\nsecond` })).toBeUndefined();
    await out.close();
    const done = files(join(dir, 'a'));
    expect(done.length).toBeGreaterThan(2);
    const all = done.map((f) => readFileSync(join(dir, 'a', f), 'utf8')).join('');
    expect(all.trim().split('\n')).toHaveLength(10);
    expect(all).toContain('line 0 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\nsecond\n');
  });

  it('after a crash, trims a file in progress to its whole members and renames it complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-archive-'));
    const settings = fileOutputSettings.parse({ path: 'a/{_file_id}.jsonl.gz' });
    const paths = { pattern: join(dir, settings.path), stateFile: join(dir, 's.json'), writer: 'w' };
    const crashed = new FileOutput(settings, quiet, paths);
    await write(crashed, { _ppf_id: '1' });
    await write(crashed, { _ppf_id: '2' });
    // The process dies: no close. A torn member at the end, as a write cut short leaves.
    const [inProgress] = files(join(dir, 'a'));
    expect(inProgress).toMatch(/\.inprogress$/);
    appendFileSync(join(dir, 'a', inProgress as string), Buffer.from([0x1f, 0x8b, 8, 4, 0, 0]));
    const next = new FileOutput(settings, quiet, paths);
    await next.close();
    expect(next.stats.recovered).toBe(1);
    expect(next.stats.trimmedBytes).toBe(6);
    const done = files(join(dir, 'a'));
    expect(done).toEqual([(inProgress as string).replace(/\.inprogress$/, '')]);
    const lines = gunzipSync(readFileSync(join(dir, 'a', done[0] as string)))
      .toString()
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l)._ppf_id)).toEqual(['1', '2']);
  });
});

async function harvest(dir: string, settings: Record<string, unknown>) {
  const s = harvestInputSettings.parse({ directory: 'up', poll_interval_ms: 20, ...settings });
  const input = new HarvestInput(s, 'logs', {
    dir: join(dir, 'up'),
    doneDir: join(dir, 'up', 'done'),
    stateFile: join(dir, 'h.json'),
  });
  const out = new TestOutput();
  const engine = inputToNode({
    input,
    inputName: 'h',
    fields: ['log', 'file', '_ppf_id'],
    node: out,
    nodeName: 'o',
  });
  await engine.start();
  return { engine, out };
}

describe('harvest_input', () => {
  it('takes a file only once its marker is there, and leaves uploads in progress alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-harvest-'));
    const up = join(dir, 'up');
    const { engine, out } = await harvest(dir, { complete_when: 'marker' });
    writeFileSync(join(up, 'a.log'), 'one\ntwo\n');
    writeFileSync(join(up, '.b.log'), 'hidden\n');
    writeFileSync(join(up, 'c.log.part'), 'partial\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(out.fields()).toEqual([]);
    writeFileSync(join(up, 'a.log.done'), '');
    await eventually(() => existsSync(join(up, 'done', 'a.log')), 5000, 'a.log done');
    expect(out.fields().map((f) => [f.log, f.file])).toEqual([
      ['one', 'a.log'],
      ['two', 'a.log'],
    ]);
    expect(readdirSync(up).sort()).toEqual(['.b.log', 'c.log.part', 'done']);
    expect(await engine.drain(1000)).toBe(0);
  });

  it('gives each line an id from the file and its offset: the same after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-harvest-'));
    const first = await harvest(dir, { complete_when: 'renamed', on_done: 'delete' });
    writeFileSync(join(dir, 'up', 'x.log'), 'a\nbb\n');
    await eventually(() => !existsSync(join(dir, 'up', 'x.log')), 5000, 'x.log deleted');
    await first.engine.drain(1000);
    expect(first.out.fields().map((f) => f._ppf_id)).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}-0$/),
      expect.stringMatching(/^[0-9a-f]{16}-2$/),
    ]);
    expect(existsSync(join(dir, 'up', 'done'))).toBe(false);
  });
});
