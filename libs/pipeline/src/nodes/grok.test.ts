import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grokSettings } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import type { Fields } from '../types.js';
import { addTag, GrokNode } from './grok.js';

function run(node: GrokNode, fields: Fields): { stream: string; fields: Fields }[] {
  const out: { stream: string; fields: Fields }[] = [];
  node.process({ component: 'in', stream: 'logs', fields }, (stream, f) => out.push({ stream, fields: f }));
  return out;
}

describe('grok node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-grok-'));
  writeFileSync(join(dir, 'ours'), 'TICKET [A-Z]{3}-%{INT}\n');

  it('sets the first matching expression captures, with custom patterns from the channel and inline', () => {
    const node = GrokNode.load(
      grokSettings.parse({
        patterns: ['%{TICKET:ticket} %{MOOD:mood}', '%{SSHD_MESSAGE}'],
        patterns_dir: ['ours'],
        pattern_definitions: { MOOD: 'happy|sad' },
        pattern_field: 'matched',
      }),
      'parsed',
      dir,
    );
    expect(run(node, { log: 'ABC-12 happy', x: 1 })).toEqual([
      {
        stream: 'parsed',
        fields: { log: 'ABC-12 happy', x: 1, ticket: 'ABC-12', mood: 'happy', matched: 0 },
      },
    ]);
    expect(run(node, { log: 'Invalid user oracle from 198.51.100.7 port 52214' })[0]?.fields).toMatchObject({
      ssh_user: 'oracle',
      ssh_client_port: 52214,
      matched: 1,
    });
  });

  it('keeps a line no expression matches (or without the field) flowing, tagged', () => {
    const node = GrokNode.load(grokSettings.parse({ patterns: ['^%{INT:n:int}$'] }), 'parsed', dir);
    expect(run(node, { log: 'nope', tags: ['seen'] })).toEqual([
      { stream: 'parsed', fields: { log: 'nope', tags: ['seen', '_grokparsefailure'] } },
    ]);
    expect(run(node, { other: 1 })[0]?.fields).toEqual({ other: 1, tags: ['_grokparsefailure'] });
  });

  it('puts captures under target, and tags captures that do not convert', () => {
    const node = GrokNode.load(
      grokSettings.parse({ patterns: ['%{NOTSPACE:n:int} %{WORD:w}'], target: 'grok' }),
      'parsed',
      dir,
    );
    expect(run(node, { log: 'x1 word', grok: { kept: true } })[0]?.fields).toEqual({
      log: 'x1 word',
      grok: { kept: true, n: 'x1', w: 'word' },
      tags: ['_grokconversionfailure'],
    });
  });

  it('refuses to build with an unknown pattern, naming it', () => {
    expect(() => GrokNode.load(grokSettings.parse({ patterns: ['%{NOPE}'] }), 'parsed', dir)).toThrow(
      'unknown pattern %{NOPE}',
    );
  });

  it('adds a tag once, to a list or a single string', () => {
    const f: Fields = { tags: 'a' };
    addTag(f, 'tags', 'b');
    addTag(f, 'tags', 'b');
    expect(f.tags).toEqual(['a', 'b']);
  });
});
