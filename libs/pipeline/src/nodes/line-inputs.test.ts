/**
 * generator_input and file_input through the real engine, with an output the test confirms or
 * fails by hand: what they emit, that they respect max_pending, that failed events come again,
 * and (file_input) the offset that survives a restart, following, rotation and long lines.
 */
import { appendFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileInputSettings, generatorInputSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/support/eventually.js';
import { inputToNode, TestOutput } from '../../test/support/nodes.js';
import type { InputNode } from '../types.js';
import { FileInput } from './file-input.js';
import { compileMessage, GeneratorInput, rfc3164Time } from './generator-input.js';

/** The `log` of every event the output received, in order. */
const lines = (out: TestOutput): string[] => out.received.map((d) => String(d.fields.log));

function engineOf(input: InputNode, out: TestOutput, maxPending = 100) {
  return inputToNode(
    { input, fields: ['log', 'subsystem', '_ppf_id'], node: out },
    { maxPending, messageTimeoutMs: 60_000 },
  );
}

describe('generator_input', () => {
  it('fills in the placeholders of each message, cycling through them', () => {
    const at = new Date(2026, 10, 3, 5, 0, 9);
    const gen = new GeneratorInput(
      generatorInputSettings.parse({
        messages: ['<13>%{rfc3164} %{host} app: n=%{seq}', '%{iso8601} two'],
        fields: { subsystem: 'gen' },
      }),
      'logs',
      { host: 'h1', now: () => at },
    );
    expect(gen.event(0)).toEqual({ log: '<13>Nov  3 05:00:09 h1 app: n=0', subsystem: 'gen' });
    expect(gen.event(1)).toEqual({ log: `${at.toISOString()} two`, subsystem: 'gen' });
    expect(gen.event(2).log).toBe('<13>Nov  3 05:00:09 h1 app: n=2');
    expect(rfc3164Time(new Date(2026, 0, 31, 23, 59, 1))).toBe('Jan 31 23:59:01');
    expect(compileMessage('no placeholder', 'h')).toEqual(['no placeholder']);
  });

  it('generates count events, no more than max_pending at a time, and again those that failed', async () => {
    const sink = new TestOutput('hold');
    const gen = new GeneratorInput(
      generatorInputSettings.parse({ messages: ['m %{seq}'], count: 50 }),
      'logs',
    );
    const engine = engineOf(gen, sink, 20);
    await engine.start();
    await eventually(() => sink.received.length === 20, 5000, '20 in flight');
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.received).toHaveLength(20); // max_pending holds the generator
    sink.release(new Error('broker down')); // all 20 fail: generated again, first
    await eventually(() => sink.received.length === 40, 5000, 'the 20 again');
    expect(lines(sink).slice(20, 40).sort()).toEqual(lines(sink).slice(0, 20).sort());
    sink.mode = 'confirm';
    sink.release();
    await eventually(() => engine.stats().components.in?.acked === 50, 5000, '50 confirmed');
    const confirmed = new Set(lines(sink));
    expect(confirmed.size).toBe(50);
    expect(confirmed.has('m 49')).toBe(true);
    expect(await engine.drain(1000)).toBe(0);
  });

  it('stops generating on drain', async () => {
    const sink = new TestOutput();
    const gen = new GeneratorInput(generatorInputSettings.parse({ rate: 1000 }), 'logs');
    const engine = engineOf(gen, sink);
    await engine.start();
    await eventually(() => sink.received.length > 10, 5000, 'some events');
    expect(await engine.drain(1000)).toBe(0);
    const seen = sink.received.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.received.length).toBe(seen);
  });
});

describe('file_input', () => {
  const fileInput = (dir: string, settings: Record<string, unknown>) =>
    new FileInput(fileInputSettings.parse({ path: 'in.log', poll_interval_ms: 20, ...settings }), 'logs', {
      file: join(dir, 'in.log'),
      offsetFile: join(dir, 'in.offset'),
    });

  it('reads every line once, and a restart resumes after the last confirmed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-file-'));
    writeFileSync(join(dir, 'in.log'), 'one\r\ntwo\n\nthree\nfour');
    const sink = new TestOutput();
    let engine = engineOf(fileInput(dir, { fields: { subsystem: 'f' } }), sink);
    await engine.start();
    await eventually(() => sink.received.length === 4, 5000, 'four lines');
    expect(lines(sink)).toEqual(['one', 'two', 'three', 'four']);
    expect(sink.received[0]?.fields.subsystem).toBe('f');
    expect(await engine.drain(1000)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'in.offset'), 'utf8')).offset).toBe(20);

    appendFileSync(join(dir, 'in.log'), '\nfive\n');
    const again = new TestOutput();
    engine = engineOf(fileInput(dir, {}), again);
    await engine.start();
    await eventually(() => again.received.length >= 1, 5000, 'the new line');
    await new Promise((r) => setTimeout(r, 50));
    // Read once (not followed), the last line counts without its newline: it is not read again.
    expect(lines(again)).toEqual(['five']);
    await engine.drain(1000);
  });

  it('keeps the offset at the first unconfirmed line, and emits a failed line again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-file-'));
    writeFileSync(join(dir, 'in.log'), 'a\nb\nc\n');
    const sink = new TestOutput('hold');
    const engine = engineOf(fileInput(dir, { follow: true }), sink);
    await engine.start();
    await eventually(() => sink.pending.length === 3, 5000, 'three held');
    const [a, b, c] = sink.pending.splice(0);
    c?.();
    a?.();
    b?.(new Error('no'));
    await eventually(() => sink.pending.length === 1, 5000, 'b again');
    expect(lines(sink).at(-1)).toBe('b');
    await new Promise((r) => setTimeout(r, 1100)); // one save period
    expect(JSON.parse(readFileSync(join(dir, 'in.offset'), 'utf8')).offset).toBe(2);
    sink.release();
    expect(await engine.drain(1000)).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'in.offset'), 'utf8')).offset).toBe(6);
  });

  it('follows the file as it grows and across a rotation, and cuts over-long lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-file-'));
    const file = join(dir, 'in.log');
    writeFileSync(file, 'first\n');
    const sink = new TestOutput();
    const engine = engineOf(fileInput(dir, { follow: true, max_line_bytes: 8 }), sink);
    await engine.start();
    await eventually(() => sink.received.length === 1, 5000, 'first');
    appendFileSync(file, 'second\nthis line is too long\nthird\n');
    await eventually(() => sink.received.length === 4, 5000, 'appended lines');
    renameSync(file, join(dir, 'in.log.1'));
    writeFileSync(file, 'rotated\n');
    await eventually(() => sink.received.length === 5, 5000, 'the new file');
    expect(lines(sink)).toEqual(['first', 'second', 'this lin', 'third', 'rotated']);
    expect(await engine.drain(1000)).toBe(0);
  });
});
