/**
 * The reconcile plan, a pure function of what etcd holds: which placement keys to write or delete,
 * which pending reasons to record, which Kafka topics to ensure. Idempotent: planning again from
 * the state the plan produces yields an empty plan (the reconcile loop's fixpoint).
 *
 * Channels with `kafka_topic` resources get new placements only once those topics exist (as
 * Shiva creates a channel's resources before starting it); instances already placed keep running
 * and still move when their runner is lost.
 */
import type { Application, ChannelStructure, KafkaTopicResource } from '@drover/channel-model';
import {
  type DesiredRecord,
  digestOf,
  type PendingRecord,
  type PlacementRecord,
  type ResourceRecord,
  type RunnerRecord,
  stableJson,
} from '@drover/cluster-state';
import { type AppDemand, type Assignment, type PendingInstance, place } from '@drover/placement';
import type { KeyLayout } from '@drover/store';

export interface StartedChannel {
  readonly tenant: string;
  readonly channel: string;
  readonly structure: ChannelStructure;
  readonly specDigest: string;
  readonly desired: DesiredRecord;
}

export interface PlanInput {
  readonly layout: KeyLayout;
  /** Channels whose desired state is `started` and whose spec validates. */
  readonly started: readonly StartedChannel[];
  /**
   * `tenant/channel` of started channels whose stored spec no longer validates: their placements
   * are left exactly as they are (never stop a running channel over a spec we cannot read).
   */
  readonly frozen: ReadonlySet<string>;
  readonly runners: readonly RunnerRecord[];
  /** Current placements by etcd key. */
  readonly placements: ReadonlyMap<string, PlacementRecord>;
  /** Current pending records by `tenant/channel`. */
  readonly pending: ReadonlyMap<string, PendingRecord>;
  /** Current resource records by etcd key. */
  readonly resources: ReadonlyMap<string, ResourceRecord>;
}

export interface TopicWork {
  readonly key: string;
  readonly tenant: string;
  readonly channel: string;
  readonly resource: KafkaTopicResource;
  /** Digest of the declaration and the start generation it is ensured for. */
  readonly declaration: string;
  /** The record now, if any (its state tells whether this is a retry). */
  readonly current: ResourceRecord | undefined;
}

export interface Plan {
  readonly put: { readonly key: string; readonly value: unknown }[];
  readonly delete: string[];
  readonly topics: TopicWork[];
  readonly counts: {
    readonly instances: number;
    readonly placed: number;
    readonly pending: number;
    readonly writes: number;
    readonly deletes: number;
  };
}

const channelKey = (tenant: string, channel: string) => `${tenant}/${channel}`;

/** What makes an instance restart when it changes: the application, the files, a reload. */
export function applicationDigest(app: Application, specDigest: string, desired: DesiredRecord): string {
  return digestOf({
    command: app.command,
    args: app.args,
    env: app.env,
    memory: app.memory_limit ?? null,
    restart: app.restart ?? null,
    schedule: app.quartzcron_schedule ?? null,
    specDigest,
    reload: app.reload_action === 'kill_then_start' ? desired.reload : 0,
  });
}

export function resourceDeclaration(resource: KafkaTopicResource, desired: DesiredRecord): string {
  return digestOf({ resource, generation: desired.generation });
}

const READY = new Set(['created', 'present', 'mismatch']);

export function plan(input: PlanInput): Plan {
  const { layout } = input;
  const topics: TopicWork[] = [];
  /** Channels whose topics are not all there yet, with why. */
  const waiting = new Map<string, string>();
  const templates = new Map<string, Omit<PlacementRecord, 'index' | 'runner'>>();
  const applications: AppDemand[] = [];

  for (const ch of input.started) {
    const ck = channelKey(ch.tenant, ch.channel);
    for (const resource of ch.structure.resources) {
      const key = layout.resource(ch.tenant, ch.channel, resource.name);
      const declaration = resourceDeclaration(resource, ch.desired);
      const current = input.resources.get(key);
      const fresh = current !== undefined && current.declaration === declaration;
      if (!fresh || current.state === 'error' || current.state === 'pending') {
        topics.push({ key, tenant: ch.tenant, channel: ch.channel, resource, declaration, current });
      }
      if ((!fresh || !READY.has(current.state)) && !waiting.has(ck)) {
        const why =
          fresh && current.error !== null ? `${current.state}: ${current.error}` : 'not created yet';
        waiting.set(ck, `waiting for kafka_topic ${resource.name} on ${resource.cluster} (${why})`);
      }
    }
    for (const app of ch.structure.applications) {
      const id = `${ck}/${app.name}`;
      applications.push({
        id,
        cluster: app.cluster,
        tags: app.shiva_runner_tags,
        instances: app.instances,
        memoryBytes: app.memory_limit,
      });
      templates.set(id, {
        tenant: ch.tenant,
        channel: ch.channel,
        app: app.name,
        command: app.command,
        args: app.args,
        env: app.env,
        ...(app.memory_limit === undefined ? {} : { memoryLimitBytes: app.memory_limit }),
        ...(app.restart === undefined
          ? {}
          : {
              restart: {
                ...(app.restart.initial === undefined ? {} : { initialMs: app.restart.initial }),
                ...(app.restart.max === undefined ? {} : { maxMs: app.restart.max }),
                ...(app.restart.reset_after === undefined ? {} : { resetAfterMs: app.restart.reset_after }),
                ...(app.restart.max_restarts === undefined ? {} : { maxRestarts: app.restart.max_restarts }),
              },
            }),
        ...(app.quartzcron_schedule === undefined ? {} : { schedule: app.quartzcron_schedule }),
        specDigest: ch.specDigest,
        digest: applicationDigest(app, ch.specDigest, ch.desired),
      });
    }
  }

  const current: Assignment[] = [];
  const keep = new Set<string>();
  for (const [key, p] of input.placements) {
    if (input.frozen.has(channelKey(p.tenant, p.channel))) {
      keep.add(key);
      continue;
    }
    const ref = layout.parsePlacement(key);
    if (ref === undefined || ref.runner !== p.runner) continue;
    current.push({ app: `${p.tenant}/${p.channel}/${p.app}`, index: p.index, runner: p.runner });
  }

  const result = place({
    applications,
    runners: input.runners.map((r) => ({
      name: r.name,
      cluster: r.cluster,
      tags: r.tags,
      capacity: r.capacity,
    })),
    current,
  });

  // New placements of channels still waiting for their topics become pending instead.
  const held = new Set<string>();
  const pendingList: PendingInstance[] = [...result.pending];
  for (const a of result.changes.place) {
    const ck = a.app.slice(0, a.app.lastIndexOf('/'));
    const why = waiting.get(ck);
    if (why === undefined) continue;
    held.add(`${a.app}#${a.index}`);
    pendingList.push({ app: a.app, index: a.index, reason: why });
  }

  const put: { key: string; value: unknown }[] = [];
  let placed = 0;
  for (const a of result.assignments) {
    if (held.has(`${a.app}#${a.index}`)) continue;
    const template = templates.get(a.app);
    if (template === undefined) continue;
    const record: PlacementRecord = { ...template, index: a.index, runner: a.runner };
    const key = layout.placement(record);
    keep.add(key);
    placed++;
    const existing = input.placements.get(key);
    if (existing === undefined || existing.digest !== record.digest || existing.runner !== record.runner) {
      put.push({ key, value: record });
    }
  }
  const del = [...input.placements.keys()].filter((k) => !keep.has(k));

  // Pending reasons, one record per channel; written only when they change.
  const byChannel = new Map<string, PendingRecord['instances']>();
  for (const p of pendingList) {
    const cut = p.app.lastIndexOf('/');
    const ck = p.app.slice(0, cut);
    const list = byChannel.get(ck) ?? [];
    list.push({ app: p.app.slice(cut + 1), index: p.index, reason: p.reason });
    byChannel.set(ck, list);
  }
  for (const [ck, instances] of byChannel) {
    const [tenant = '', channel = ''] = ck.split('/');
    const record: PendingRecord = {
      instances: instances.sort((a, b) => a.app.localeCompare(b.app) || a.index - b.index),
    };
    const existing = input.pending.get(ck);
    if (existing === undefined || stableJson(existing) !== stableJson(record)) {
      put.push({ key: layout.pending(tenant, channel), value: record });
    }
  }
  for (const ck of input.pending.keys()) {
    if (byChannel.has(ck) || input.frozen.has(ck)) continue;
    const [tenant = '', channel = ''] = ck.split('/');
    del.push(layout.pending(tenant, channel));
  }

  return {
    put,
    delete: del,
    topics,
    counts: {
      instances: placed + pendingList.length,
      placed,
      pending: pendingList.length,
      writes: put.length,
      deletes: del.length,
    },
  };
}
