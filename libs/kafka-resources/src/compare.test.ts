import { describe, expect, it } from 'vitest';
import { compareTopic, describeDifferences } from './compare.js';
import type { ObservedTopic, TopicSpec } from './types.js';

const spec: TopicSpec = {
  cluster: 'kafka_front',
  name: 'reftenant-apache',
  partitions: 3,
  replicationFactor: 1,
  config: { 'retention.ms': '86400000', 'cleanup.policy': 'delete' },
};

const matching: ObservedTopic = {
  name: 'reftenant-apache',
  partitions: 3,
  replicationFactor: 1,
  leaderlessPartitions: [],
  config: { 'retention.ms': '86400000', 'cleanup.policy': 'delete' },
};

describe('compareTopic', () => {
  it('finds no difference when counts and declared config match', () => {
    expect(compareTopic(spec, matching)).toEqual([]);
  });

  it('ignores config keys the spec does not declare', () => {
    const observed = { ...matching, config: { ...matching.config, 'segment.bytes': '1024' } };
    expect(compareTopic(spec, observed)).toEqual([]);
  });

  it('reports a partition count difference naming both counts', () => {
    const [difference, ...rest] = compareTopic(spec, { ...matching, partitions: 1 });
    expect(rest).toEqual([]);
    expect(difference).toMatchObject({ kind: 'partitions', declared: 3, found: 1 });
    expect(difference?.message).toBe(
      'topic reftenant-apache: 3 partitions declared, 1 found ' +
        '(Drover never deletes or shrinks topics; alter or delete it by hand)',
    );
  });

  it('reports more partitions than declared too', () => {
    expect(compareTopic(spec, { ...matching, partitions: 6 })).toMatchObject([
      { kind: 'partitions', declared: 3, found: 6 },
    ]);
  });

  it('reports a replication factor difference', () => {
    const differences = compareTopic({ ...spec, replicationFactor: 2 }, matching);
    expect(differences).toMatchObject([{ kind: 'replicationFactor', declared: 2, found: 1 }]);
    expect(differences[0]?.message).toContain('replication factor 2 declared, 1 found');
  });

  it('reports each differing or unset declared config key, in key order', () => {
    const differences = compareTopic(spec, { ...matching, config: { 'retention.ms': '604800000' } });
    expect(differences.map((d) => d.message)).toEqual([
      'topic reftenant-apache: cleanup.policy=delete declared, not set found ' +
        '(Drover never alters topic configs; change it by hand)',
      'topic reftenant-apache: retention.ms=86400000 declared, retention.ms=604800000 found ' +
        '(Drover never alters topic configs; change it by hand)',
    ]);
    expect(differences[0]).toMatchObject({ kind: 'config', key: 'cleanup.policy', found: undefined });
  });

  it('treats a topic described without config as lacking every declared key', () => {
    const { config: _config, ...withoutConfig } = matching;
    expect(compareTopic(spec, withoutConfig).map((d) => d.kind)).toEqual(['config', 'config']);
  });

  it('joins several differences into one line', () => {
    const line = describeDifferences(
      compareTopic({ ...spec, replicationFactor: 2 }, { ...matching, partitions: 1 }),
    );
    expect(line).toMatch(/3 partitions declared, 1 found .*; topic reftenant-apache: replication factor 2/);
  });

  it('says "1 partition" in the singular', () => {
    const differences = compareTopic({ ...spec, partitions: 1 }, { ...matching, partitions: 2 });
    expect(differences[0]?.message).toContain(': 1 partition declared, 2 found');
  });
});
