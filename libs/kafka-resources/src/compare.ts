import type { ObservedTopic, TopicSpec } from './types.js';

export type TopicDifference =
  | {
      readonly kind: 'partitions';
      readonly declared: number;
      readonly found: number;
      readonly message: string;
    }
  | {
      readonly kind: 'replicationFactor';
      readonly declared: number;
      readonly found: number;
      readonly message: string;
    }
  | {
      readonly kind: 'config';
      readonly key: string;
      readonly declared: string;
      /** `undefined` when the broker does not report the key at all. */
      readonly found: string | undefined;
      readonly message: string;
    };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Differences between a declaration and the topic the cluster has. Only declared config keys are
 * compared: everything else is the broker's business. An empty list means the topic matches.
 */
export function compareTopic(spec: TopicSpec, observed: ObservedTopic): TopicDifference[] {
  const differences: TopicDifference[] = [];
  const topic = `topic ${spec.name}`;

  if (observed.partitions !== spec.partitions) {
    differences.push({
      kind: 'partitions',
      declared: spec.partitions,
      found: observed.partitions,
      message:
        `${topic}: ${plural(spec.partitions, 'partition')} declared, ${observed.partitions} found ` +
        '(Drover never deletes or shrinks topics; alter or delete it by hand)',
    });
  }

  if (observed.replicationFactor !== spec.replicationFactor) {
    differences.push({
      kind: 'replicationFactor',
      declared: spec.replicationFactor,
      found: observed.replicationFactor,
      message:
        `${topic}: replication factor ${spec.replicationFactor} declared, ${observed.replicationFactor} found ` +
        '(Drover never alters topics; reassign its replicas by hand)',
    });
  }

  for (const [key, declared] of Object.entries(spec.config ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const found = observed.config?.[key];
    if (found === declared) continue;
    differences.push({
      kind: 'config',
      key,
      declared,
      found,
      message:
        `${topic}: ${key}=${declared} declared, ${found === undefined ? 'not set' : `${key}=${found}`} found ` +
        '(Drover never alters topic configs; change it by hand)',
    });
  }

  return differences;
}

/** One operator-readable line for a topic's differences. */
export function describeDifferences(differences: readonly TopicDifference[]): string {
  return differences.map((d) => d.message).join('; ');
}
