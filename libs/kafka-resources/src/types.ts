/** A `kafka_topic` resource as a channel declares it (`channel_structure.yaml` → `resources[]`). */
export interface TopicSpec {
  /** Name of the Kafka cluster in the platform configuration (e.g. `kafka_front`). */
  readonly cluster: string;
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic-level configs (`retention.ms`, `cleanup.policy`, ...), passed at creation and checked after. */
  readonly config?: Readonly<Record<string, string>>;
}

/** What the cluster says about one existing topic. */
export interface ObservedTopic {
  readonly name: string;
  readonly partitions: number;
  /** The smallest replica count over the topic's partitions: the weakest partition is what matters. */
  readonly replicationFactor: number;
  /** Partition ids that currently have no leader (a freshly created topic, or a broker down). */
  readonly leaderlessPartitions: readonly number[];
  /** Values of the config keys that were asked for; a key the broker does not report is absent. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * - `created`: this call created the topic.
 * - `present`: the topic already existed and matches the declaration.
 * - `mismatch`: the topic exists but differs; Drover reports it and changes nothing.
 * - `error`: the topic could not be described or created.
 */
export type TopicState = 'created' | 'present' | 'mismatch' | 'error';

export interface TopicReport {
  readonly spec: TopicSpec;
  readonly state: TopicState;
  /** Operator-readable reason, set for `mismatch` and `error`. */
  readonly error?: string;
  readonly observed?: {
    readonly partitions: number;
    readonly replicationFactor: number;
    readonly config?: Readonly<Record<string, string>>;
  };
}
