import { describe, expect, it } from 'vitest';
import type { KafkaAdmin, TopicDescription, TopicQuery } from './admin.js';
import { ensureTopics } from './ensure.js';
import { KafkaResourceError } from './errors.js';
import type { ObservedTopic, TopicSpec } from './types.js';

interface FakeTopic {
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
  /** Describes left before every partition has a leader. */
  leaderlessDescribes: number;
}

/** An in-memory cluster behind our own interface, with hooks for the failure paths. */
class FakeAdmin implements KafkaAdmin {
  readonly topics = new Map<string, FakeTopic>();
  readonly created: string[] = [];
  readonly describeCalls: TopicQuery[][] = [];
  createFailures = new Map<string, Error>();
  describeFailure: Error | undefined;
  leaderlessDescribesAfterCreate = 0;
  /** Simulates another creator winning the race between our describe and our create. */
  createdBehindOurBack = new Map<string, FakeTopic>();
  closed = false;

  constructor(readonly brokerCount = 1) {}

  async describeTopics(queries: readonly TopicQuery[]): Promise<Map<string, TopicDescription>> {
    this.describeCalls.push([...queries]);
    if (this.describeFailure) throw this.describeFailure;
    const result = new Map<string, TopicDescription>();
    for (const q of queries) {
      const topic = this.topics.get(q.name);
      if (topic === undefined) {
        result.set(q.name, 'missing');
        continue;
      }
      const leaderless = topic.leaderlessDescribes > 0;
      if (leaderless) topic.leaderlessDescribes -= 1;
      const observed: ObservedTopic = {
        name: q.name,
        partitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        leaderlessPartitions: leaderless ? Array.from({ length: topic.partitions }, (_, i) => i) : [],
        ...(q.configKeys
          ? {
              config: Object.fromEntries(
                q.configKeys.flatMap((k) => (topic.config[k] === undefined ? [] : [[k, topic.config[k]]])),
              ),
            }
          : {}),
      };
      result.set(q.name, observed);
    }
    return result;
  }

  async createTopic(spec: TopicSpec): Promise<void> {
    const failure = this.createFailures.get(spec.name);
    if (failure) throw failure;
    const theirs = this.createdBehindOurBack.get(spec.name);
    if (theirs) {
      this.topics.set(spec.name, theirs);
      throw new KafkaResourceError('TOPIC_ALREADY_EXISTS', 'exists', { topic: spec.name });
    }
    if (spec.replicationFactor > this.brokerCount) {
      throw new KafkaResourceError(
        'INVALID_REPLICATION_FACTOR',
        `cannot create topic ${spec.name}: replication factor ${spec.replicationFactor} exceeds the ${this.brokerCount} available broker(s)`,
        { topic: spec.name },
      );
    }
    this.created.push(spec.name);
    this.topics.set(spec.name, {
      partitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      config: { 'retention.ms': '604800000', ...spec.config },
      leaderlessDescribes: this.leaderlessDescribesAfterCreate,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function topic(name: string, extra: Partial<TopicSpec> = {}): TopicSpec {
  return { cluster: 'kafka_front', name, partitions: 3, replicationFactor: 1, ...extra };
}

/** A virtual clock: sleeping advances it, so timeouts are tested without waiting. */
function virtualClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

describe('ensureTopics', () => {
  it('creates missing topics in declaration order and reports them created', async () => {
    const admin = new FakeAdmin();
    const reports = await ensureTopics(admin, [topic('a'), topic('b', { partitions: 1 })]);
    expect(admin.created).toEqual(['a', 'b']);
    expect(reports).toEqual([
      { spec: topic('a'), state: 'created', observed: { partitions: 3, replicationFactor: 1 } },
      {
        spec: topic('b', { partitions: 1 }),
        state: 'created',
        observed: { partitions: 1, replicationFactor: 1 },
      },
    ]);
  });

  it('is idempotent: the second run creates nothing and reports present', async () => {
    const admin = new FakeAdmin();
    const specs = [topic('a'), topic('b', { config: { 'retention.ms': '1000' } })];
    await ensureTopics(admin, specs);
    const second = await ensureTopics(admin, specs);
    expect(admin.created).toEqual(['a', 'b']);
    expect(second.map((r) => r.state)).toEqual(['present', 'present']);
  });

  it('asks for the declared config keys only', async () => {
    const admin = new FakeAdmin();
    await ensureTopics(admin, [topic('a'), topic('b', { config: { 'retention.ms': '1000' } })]);
    expect(admin.describeCalls[0]).toEqual([{ name: 'a' }, { name: 'b', configKeys: ['retention.ms'] }]);
  });

  it('reports a mismatching topic and does not touch it', async () => {
    const admin = new FakeAdmin();
    admin.topics.set('a', { partitions: 1, replicationFactor: 1, config: {}, leaderlessDescribes: 0 });
    const [report] = await ensureTopics(admin, [topic('a')]);
    expect(report?.state).toBe('mismatch');
    expect(report?.error).toContain('3 partitions declared, 1 found');
    expect(report?.observed).toEqual({ partitions: 1, replicationFactor: 1 });
    expect(admin.created).toEqual([]);
    expect(admin.topics.get('a')?.partitions).toBe(1);
  });

  it('reports a config mismatch on an existing topic', async () => {
    const admin = new FakeAdmin();
    admin.topics.set('a', {
      partitions: 3,
      replicationFactor: 1,
      config: { 'retention.ms': '604800000' },
      leaderlessDescribes: 0,
    });
    const [report] = await ensureTopics(admin, [topic('a', { config: { 'retention.ms': '3600000' } })]);
    expect(report).toMatchObject({
      state: 'mismatch',
      observed: { config: { 'retention.ms': '604800000' } },
    });
    expect(report?.error).toContain('retention.ms=3600000 declared, retention.ms=604800000 found');
  });

  it('keeps going after a topic fails, reporting the error on that topic only', async () => {
    const admin = new FakeAdmin(1);
    const reports = await ensureTopics(admin, [topic('a'), topic('b', { replicationFactor: 3 }), topic('c')]);
    expect(reports.map((r) => r.state)).toEqual(['created', 'error', 'created']);
    expect(reports[1]?.error).toBe(
      'cannot create topic b: replication factor 3 exceeds the 1 available broker(s)',
    );
    expect(admin.created).toEqual(['a', 'c']);
  });

  it('turns any create failure into an error report', async () => {
    const admin = new FakeAdmin();
    admin.createFailures.set('a', new Error('broker said no'));
    const reports = await ensureTopics(admin, [topic('a'), topic('b')]);
    expect(reports.map((r) => [r.state, r.error])).toEqual([
      ['error', 'broker said no'],
      ['created', undefined],
    ]);
  });

  it('reports every topic as an error when the cluster cannot be described', async () => {
    const admin = new FakeAdmin();
    admin.describeFailure = new KafkaResourceError(
      'KAFKA_UNREACHABLE',
      'cannot describe topics a,b: unreachable',
    );
    const reports = await ensureTopics(admin, [topic('a'), topic('b')]);
    expect(reports.map((r) => [r.state, r.error])).toEqual([
      ['error', 'cannot describe topics a,b: unreachable'],
      ['error', 'cannot describe topics a,b: unreachable'],
    ]);
    expect(admin.created).toEqual([]);
  });

  it('waits, with growing pauses, until a new topic has leaders', async () => {
    const admin = new FakeAdmin();
    admin.leaderlessDescribesAfterCreate = 4;
    const clock = virtualClock();
    const [report] = await ensureTopics(admin, [topic('a')], { ...clock, leaderPollMs: 100 });
    expect(report?.state).toBe('created');
    expect(clock.sleeps).toEqual([100, 200, 400, 800]);
  });

  it('gives up on leaders after the timeout, reporting which partitions lack one', async () => {
    const admin = new FakeAdmin();
    admin.leaderlessDescribesAfterCreate = Number.POSITIVE_INFINITY;
    const clock = virtualClock();
    const reports = await ensureTopics(admin, [topic('a'), topic('b')], { ...clock, leaderTimeoutMs: 5_000 });
    expect(reports[0]).toMatchObject({
      state: 'error',
      error: 'topic a was created but partition(s) 0,1,2 have no leader after 5000 ms',
    });
    expect(reports[1]?.state).toBe('error');
    expect(admin.created).toEqual(['a', 'b']);
    expect(clock.now()).toBeGreaterThanOrEqual(10_000);
  });

  it('judges a topic someone else created first instead of failing', async () => {
    const admin = new FakeAdmin();
    admin.createdBehindOurBack.set('a', {
      partitions: 2,
      replicationFactor: 1,
      config: {},
      leaderlessDescribes: 0,
    });
    const [report] = await ensureTopics(admin, [topic('a')]);
    expect(report?.state).toBe('mismatch');
    expect(report?.error).toContain('3 partitions declared, 2 found');
  });

  it('reports a topic declared twice instead of creating it twice', async () => {
    const admin = new FakeAdmin();
    const reports = await ensureTopics(admin, [topic('a'), topic('a', { partitions: 6 })]);
    expect(reports.map((r) => r.state)).toEqual(['created', 'error']);
    expect(reports[1]?.error).toBe('topic a is declared more than once');
    expect(admin.created).toEqual(['a']);
  });
});
