import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InstanceLog } from './instance-log.js';

const ref = { tenant: 't', channel: 'c', app: 'a', index: 0 };

describe('InstanceLog', () => {
  it('writes pino records with the instance identity and the stream', () => {
    const log = new InstanceLog(mkdtempSync(join(tmpdir(), 'drover-log-')), ref, 1024 * 1024);
    log.line('stdout', 'hello');
    log.line('stderr', 'oops');
    const [out, err] = log.tail(10).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).toMatchObject({
      level: 30,
      tenant: 't',
      channel: 'c',
      app: 'a',
      instance: 0,
      stream: 'stdout',
      msg: 'hello',
    });
    expect(err).toMatchObject({ level: 40, stream: 'stderr', msg: 'oops' });
    log.close();
  });

  it('rotates by size and never keeps more than the cap in all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-log-'));
    const cap = 64 * 1024;
    const log = new InstanceLog(dir, ref, cap);
    for (let i = 0; i < 5000; i++) log.line('stdout', `line ${i} ${'x'.repeat(40)}`);
    const files = readdirSync(log.dir).sort();
    expect(files).toEqual(['instance.log', 'instance.log.1', 'instance.log.2', 'instance.log.3']);
    const total = files.reduce((sum, f) => sum + statSync(join(log.dir, f)).size, 0);
    expect(total).toBeLessThanOrEqual(cap);
    // The tail crosses the rotation boundary, in order, ending with the last line.
    const tail = log.tail(300).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(tail).toHaveLength(300);
    expect(tail.at(-1)).toMatch(/^line 4999 /);
    expect(tail[0]).toMatch(/^line 4700 /);
    log.close();
  });

  it('hands every new record to followers until they leave', () => {
    const log = new InstanceLog(mkdtempSync(join(tmpdir(), 'drover-log-')), ref, 1024 * 1024);
    const seen: string[] = [];
    const leave = log.follow((r) => seen.push((JSON.parse(r) as { msg: string }).msg));
    log.line('stdout', 'one');
    leave();
    log.line('stdout', 'two');
    expect(seen).toEqual(['one']);
    log.remove();
  });
});
