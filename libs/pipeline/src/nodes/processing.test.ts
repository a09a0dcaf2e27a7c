import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Fields } from '../types.js';
import { Dispatch, FormatSwitch, FunctionNode, fieldAt } from './processing.js';

const run = (node: { process: (e: never, emit: (s: string, f: Fields) => void) => void }, fields: Fields) => {
  const out: [string, Fields][] = [];
  node.process({ component: 'c', stream: 's', fields } as never, (s, f) => out.push([s, f]));
  return out;
};

describe('processing nodes', () => {
  it('format_switch tells JSON objects, syslog lines and text apart', () => {
    const sw = new FormatSwitch({ field: 'log', formats: { ecs: 'json', syslog: 'syslog', other: 'text' } });
    expect(run(sw, { log: '{"a":1}' })[0]?.[0]).toBe('ecs');
    expect(run(sw, { log: '<13>Nov 23 05:00:00 h app: x' })[0]?.[0]).toBe('syslog');
    expect(run(sw, { log: '{not json' })[0]?.[0]).toBe('other');
    expect(() => run(new FormatSwitch({ field: 'log', formats: { j: 'json' } }), { log: 'x' })).toThrow(
      /none of the formats/,
    );
    expect(() => run(sw, { nolog: 1 })).toThrow(/field "log" is missing/);
  });

  it('dispatch follows a dotted path, with a default for the unknown', () => {
    const d = new Dispatch({ field: 'syslog.app_name', streams: { sshd: 'linux' }, default: 'unknown' });
    expect(run(d, { syslog: { app_name: 'sshd' } })[0]?.[0]).toBe('linux');
    expect(run(d, { syslog: { app_name: 'x' } })[0]?.[0]).toBe('unknown');
    expect(() => run(new Dispatch({ field: 'f', streams: {} }), { f: 1 })).toThrow(
      /no stream for f=1 and no default/,
    );
    expect(fieldAt({ a: { b: { c: 3 } } }, 'a.b.c')).toBe(3);
    expect(fieldAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('function runs the channel module; what it throws is the node error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-fn-'));
    writeFileSync(
      join(dir, 'upper.mjs'),
      'export default (event, emit) => { if (event.log === "boom") throw new Error("bad event"); emit("out", { ...event, log: event.log.toUpperCase() }); };',
    );
    const fn = await FunctionNode.load({ module: 'upper.mjs' }, dir);
    expect(run(fn, { log: 'hello' })).toEqual([['out', { log: 'HELLO' }]]);
    expect(() => run(fn, { log: 'boom' })).toThrow('bad event');
    writeFileSync(join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(FunctionNode.load({ module: 'none.mjs' }, dir)).rejects.toThrow(
      /no default export function/,
    );
  });
});
