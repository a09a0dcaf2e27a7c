/**
 * Strict and complete validation (issue 15, found problem 6): the pipeline's own `settings` go
 * through a schema like every node's settings, one run reports every problem, and YAML 1.1 merge
 * keys are read, with issues positioned where the text is.
 */
import { describe, expect, it } from 'vitest';
import { parseChannelStructure } from './channel-structure.js';
import { formatIssue, type ParseResult } from './issues.js';
import { parsePipeline } from './pipeline.js';

const pipe = (text: string) => parsePipeline(text, { file: 'p.yaml' });
const structure = (text: string) => parseChannelStructure(text, { file: 'cs.yaml' });

function lines(result: ParseResult<unknown>): string[] {
  return result.ok ? [] : result.issues.map(formatIssue);
}

/** A valid receiver-shaped pipeline with `settings` (and node settings) given as text. */
const pipeline = (settings: string, nodeSettings = '      listen:\n        port: 2002\n') =>
  `version: "6.0"
dag:
  - type: lumberjack_input
    component: in
    settings:
${nodeSettings}    publish:
      - stream: logs
        fields: [log]
  - type: kafka_output
    component: out
    settings:
      brokers: ["127.0.0.1:9092"]
      topic: t
    subscribe:
      - component: in
        stream: logs
${settings}`;

describe('pipeline settings', () => {
  it('refuses a non-numeric max.spout.pending at its line and column (it used to become NaN)', () => {
    const result = pipe(pipeline('settings:\n  max.spout.pending: lots\n'));
    expect(result.ok).toBe(false);
    expect(lines(result)).toEqual([
      'p.yaml:20:22: settings.max.spout.pending: Invalid input: expected number, received string',
    ]);
  });

  it('refuses a bound below 1, a duration without a unit, and an unknown key', () => {
    const result = pipe(
      pipeline('settings:\n  max.spout.pending: 0\n  message_timeout: 30\n  max_spout_pending: 10\n'),
    );
    expect(lines(result)).toEqual([
      'p.yaml:20:22: settings.max.spout.pending: max.spout.pending must be at least 1',
      'p.yaml:21:20: settings.message_timeout: invalid duration "30": expected a number with a unit (ms, s, m, h, d), e.g. 1s, 2m, 1m30s, 7d',
      'p.yaml:22:3: settings.max_spout_pending: unknown field "max_spout_pending"',
    ]);
  });

  it('types and defaults what it accepts', () => {
    const given = pipe(pipeline('settings:\n  max.spout.pending: 200\n  message_timeout: 1m30s\n'));
    if (!given.ok) throw new Error(lines(given).join('\n'));
    expect(given.value.settings).toEqual({ 'max.spout.pending': 200, message_timeout: 90_000 });
    const defaulted = pipe(pipeline(''));
    if (!defaulted.ok) throw new Error(lines(defaulted).join('\n'));
    expect(defaulted.value.settings).toEqual({ 'max.spout.pending': 5000, message_timeout: 30_000 });
  });

  it('reports a bad node setting and a bad pipeline setting in one run', () => {
    const result = pipe(
      pipeline(
        'settings:\n  max.spout.pending: "5000"\n',
        '      listen:\n        port: 2002\n      lisen: 1\n',
      ),
    );
    expect(lines(result)).toEqual([
      'p.yaml:8:7: dag[0].settings.lisen: unknown field "lisen"',
      'p.yaml:21:22: settings.max.spout.pending: Invalid input: expected number, received string',
    ]);
  });
});

describe('YAML 1.1 merge keys', () => {
  const pair = (second: string) => `version: "6.0"
applications:
  - &receiver
    name: central_receiver1
    runtime: shiva
    cluster: shiva_front
    shiva_runner_tags: [centralfront1]
    command: idle-app
    memory_limit: 256Mi
  - <<: *receiver
${second}`;

  it('accepts a channel whose second receiver merges the first, its own keys winning', () => {
    const result = structure(pair('    name: central_receiver2\n    shiva_runner_tags: [centralfront2]\n'));
    if (!result.ok) throw new Error(lines(result).join('\n'));
    const [first, second] = result.value.applications;
    expect(second).toEqual({ ...first, name: 'central_receiver2', shiva_runner_tags: ['centralfront2'] });
    expect(second?.memory_limit).toBe(256 * 1024 * 1024);
  });

  it('positions an issue of a merged field where that field is written', () => {
    const bad = pair('    name: central_receiver2\n').replace('memory_limit: 256Mi', 'memory_limit: lots');
    const result = structure(bad);
    expect(lines(result)).toEqual([
      expect.stringMatching(
        /^cs\.yaml:9:19: applications\[0\]\.memory_limit: invalid memory quantity "lots"/,
      ),
      expect.stringMatching(
        /^cs\.yaml:9:19: applications\[1\]\.memory_limit: invalid memory quantity "lots"/,
      ),
    ]);
  });

  it('positions an unknown key of the merging map at the key', () => {
    const result = structure(pair('    name: central_receiver2\n    instancez: 2\n'));
    expect(lines(result)).toEqual(['cs.yaml:12:5: applications[1].instancez: unknown field "instancez"']);
  });

  it('merges a list of maps, the first one winning, in pipeline node settings too', () => {
    const text = pipeline(
      '',
      '      <<: [{listen: {port: 2002}, max_connections: 5}, {max_connections: 9, keepalive_ms: 100}]\n',
    );
    const result = pipe(text);
    if (!result.ok) throw new Error(lines(result).join('\n'));
    expect(result.value.dag[0]?.settings).toEqual({
      listen: { port: 2002 },
      max_connections: 5,
      keepalive_ms: 100,
    });
    const wrong = pipe(
      pipeline('', '      <<: *common\n').replace('version: "6.0"', 'version: "6.0"\nx: &common {port: 1}'),
    );
    expect(lines(wrong)[0]).toMatch(/^p\.yaml:2:1: x: unknown field "x"/);
  });

  it('positions an alias to nothing, and a merge of something that is not a map', () => {
    const result = structure(pair('    name: b\n').replace('<<: *receiver', '<<: *nobody'));
    expect(lines(result)).toEqual([
      'cs.yaml:10:9: alias *nobody refers to no anchor (an anchor must be defined before its alias)',
    ]);
    const scalar = structure(pair('    name: b\n').replace('<<: *receiver', '<<: [*receiver, 3]'));
    expect(lines(scalar)).toEqual([
      'cs.yaml:10:21: a merge key (<<) takes a map, an alias of a map, or a list of those',
    ]);
  });
});
