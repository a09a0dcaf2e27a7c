import { sleep as delay } from '@drover/timers';
import type { KafkaAdmin, ResourceLogger, TopicQuery } from './admin.js';
import { compareTopic, describeDifferences } from './compare.js';
import { KafkaResourceError } from './errors.js';
import type { ObservedTopic, TopicReport, TopicSpec } from './types.js';

export interface EnsureTopicsOptions {
  /** Bound on waiting for a new topic's partitions to have leaders. Default 30 s. */
  readonly leaderTimeoutMs?: number;
  /** First pause between two leader checks; doubles up to 1 s. Default 100 ms. */
  readonly leaderPollMs?: number;
  readonly logger?: ResourceLogger;
  /** Injected in unit tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

function queryOf(spec: TopicSpec): TopicQuery {
  const configKeys = Object.keys(spec.config ?? {});
  return configKeys.length > 0 ? { name: spec.name, configKeys } : { name: spec.name };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function observedOf(topic: ObservedTopic): NonNullable<TopicReport['observed']> {
  const { partitions, replicationFactor, config } = topic;
  return config === undefined ? { partitions, replicationFactor } : { partitions, replicationFactor, config };
}

/** `present` or `mismatch`: an existing topic is reported on, never altered. */
function judgeExisting(spec: TopicSpec, topic: ObservedTopic): TopicReport {
  const differences = compareTopic(spec, topic);
  const observed = observedOf(topic);
  return differences.length === 0
    ? { spec, state: 'present', observed }
    : { spec, state: 'mismatch', error: describeDifferences(differences), observed };
}

/**
 * Brings the declared topics into existence. Missing topics are created one at a time, each waited
 * for until every partition has a leader; existing ones are compared with their declaration and a
 * difference is reported, never repaired (Drover neither shrinks, deletes nor reconfigures topics).
 * Each topic gets its own report: one failure does not stop the others. Running it twice creates
 * nothing the second time.
 */
export async function ensureTopics(
  admin: KafkaAdmin,
  specs: readonly TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<TopicReport[]> {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const leaderTimeoutMs = options.leaderTimeoutMs ?? 30_000;
  const firstPollMs = options.leaderPollMs ?? 100;
  const log = options.logger;

  const unique: TopicSpec[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<number>();
  for (const [index, spec] of specs.entries()) {
    if (seen.has(spec.name)) duplicates.add(index);
    else {
      seen.add(spec.name);
      unique.push(spec);
    }
  }

  let described: Map<string, ObservedTopic | 'missing'>;
  try {
    described = await admin.describeTopics(unique.map(queryOf));
  } catch (err) {
    const error = messageOf(err);
    return specs.map((spec) => ({ spec, state: 'error', error }));
  }

  async function waitForLeaders(spec: TopicSpec): Promise<ObservedTopic> {
    const deadline = now() + leaderTimeoutMs;
    let pause = firstPollMs;
    let last: ObservedTopic | 'missing' | undefined;
    for (;;) {
      try {
        last = (await admin.describeTopics([queryOf(spec)])).get(spec.name);
      } catch (err) {
        // Metadata can lag just after a creation; only the deadline ends the wait.
        log?.debug({ topic: spec.name, err: messageOf(err) }, 'topic metadata not ready yet');
      }
      if (
        last !== undefined &&
        last !== 'missing' &&
        last.partitions > 0 &&
        last.leaderlessPartitions.length === 0
      ) {
        return last;
      }
      if (now() >= deadline) {
        const detail =
          last === undefined || last === 'missing'
            ? 'it does not appear in the metadata'
            : `partition(s) ${last.leaderlessPartitions.join(',')} have no leader`;
        throw new KafkaResourceError(
          'LEADER_WAIT_TIMEOUT',
          `topic ${spec.name} was created but ${detail} after ${leaderTimeoutMs} ms`,
          { topic: spec.name },
        );
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 1_000);
    }
  }

  async function ensureOne(spec: TopicSpec, index: number): Promise<TopicReport> {
    if (duplicates.has(index)) {
      return { spec, state: 'error', error: `topic ${spec.name} is declared more than once` };
    }
    const current = described.get(spec.name);
    if (current !== undefined && current !== 'missing') return judgeExisting(spec, current);
    try {
      await admin.createTopic(spec);
    } catch (err) {
      if (!(err instanceof KafkaResourceError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
      // Someone created it between our describe and our create: judge theirs like any existing topic.
      const topic = await waitForLeaders(spec);
      return judgeExisting(spec, topic);
    }
    const topic = await waitForLeaders(spec);
    log?.info({ topic: spec.name, partitions: topic.partitions }, 'topic created');
    return { spec, state: 'created', observed: observedOf(topic) };
  }

  const reports: TopicReport[] = [];
  // Sequential on purpose: creations one at a time, each fully led before the next.
  for (const [index, spec] of specs.entries()) {
    try {
      reports.push(await ensureOne(spec, index));
    } catch (err) {
      log?.warn({ topic: spec.name, err: messageOf(err) }, 'cannot ensure topic');
      reports.push({ spec, state: 'error', error: messageOf(err) });
    }
  }
  return reports;
}
