/**
 * The reconcile plan, a pure function of what etcd holds and the time: per channel, which keys
 * to write or delete (placements, pending reasons, the rollout record, older uploads no placement
 * runs any more), which resources (Kafka topics, index templates) to ensure, and when to look again. Idempotent: planning
 * again from the state the plan produces yields no writes (the reconcile loop's fixpoint).
 *
 * Placement is computed over every channel at once (runners' memory is shared), then split by
 * channel: the reconciler applies the parts of the channels it was asked to reconcile.
 *
 * - Channels with resources (`kafka_topic`, `elasticsearch_index_template`) get new placements
 *   only once those exist (as Shiva creates a channel's resources before starting it); instances
 *   already placed keep running and still move when their runner is lost.
 * - A placed instance whose application changed (digest) restarts only when the rollout says so
 *   (rollout.ts); a change of the channel's other files reaches it without a restart
 *   (`specDigest`, for when it next starts anew).
 */
import {
  type ChannelResource,
  type ChannelStructure,
  channelRef,
  parseChannelRef,
  resourceKeyName,
} from '@drover/channel-model';
import {
  type DesiredRecord,
  digestOf,
  type PendingRecord,
  type PlacementRecord,
  type ResourceRecord,
  type RolloutRecord,
  type RunnerRecord,
  type StatusRecord,
  stableJson,
} from '@drover/cluster-state';
import { type AppDemand, type Assignment, type PendingInstance, place } from '@drover/placement';
import type { KeyLayout } from '@drover/store';
import { instanceKey, type RolloutInstance, rolloutStep } from './rollout.js';
import { type PlacementTemplate, placementTemplate } from './targets.js';

/** A resource in error is ensured again this long after its last attempt. */
export const RESOURCE_RETRY_MS = 5000;

export interface StartedChannel {
  readonly tenant: string;
  readonly channel: string;
  readonly structure: ChannelStructure;
  readonly specDigest: string;
  /** Per application, its own files and their digests (targets.ts). */
  readonly ownFiles: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly desired: DesiredRecord;
  /** The channel's text files by path (index template resources name theirs). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface PlanInput {
  readonly layout: KeyLayout;
  /** Milliseconds since the epoch (rollout health and deadlines, topic retries). */
  readonly now: number;
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
  /** Instance statuses by etcd key. */
  readonly statuses: ReadonlyMap<string, StatusRecord>;
  /** Current pending records by `tenant/channel`. */
  readonly pending: ReadonlyMap<string, PendingRecord>;
  /** Current resource records by etcd key. */
  readonly resources: ReadonlyMap<string, ResourceRecord>;
  /** Rollout records by `tenant/channel`. */
  readonly rollouts: ReadonlyMap<string, RolloutRecord>;
  /** Digests of kept older uploads by `tenant/channel`. */
  readonly versions: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A resource to ensure (create, or check against its declaration) and record the state of. */
export interface ResourceWork {
  readonly key: string;
  readonly tenant: string;
  readonly channel: string;
  readonly resource: ChannelResource;
  /**
   * An index template's file as shipped (JSON text), undefined when the channel lacks it; unused
   * for a topic.
   */
  readonly file?: string | undefined;
  /** Digest of the declaration (an index template's file included) and the start generation. */
  readonly declaration: string;
  /** The record now, if any (its state tells whether this is a retry). */
  readonly current: ResourceRecord | undefined;
}

export interface ChannelPlan {
  readonly put: { readonly key: string; readonly value: unknown }[];
  readonly delete: string[];
  readonly resources: ResourceWork[];
  /** Reconcile this channel again after this long even if nothing changes. */
  readonly requeueAfterMs: number | undefined;
  readonly placed: number;
  readonly pending: number;
}

export interface Plan {
  /** By `tenant/channel`: every channel with a record or started. */
  readonly channels: ReadonlyMap<string, ChannelPlan>;
  readonly counts: {
    readonly instances: number;
    readonly placed: number;
    readonly pending: number;
    readonly writes: number;
    readonly deletes: number;
  };
}

/**
 * What a resource's state is about: its declaration (an index template's file text too) and the
 * start generation, so each start checks it again.
 */
export function resourceDeclaration(
  resource: ChannelResource,
  desired: DesiredRecord,
  file?: string | undefined,
): string {
  return resource.type === 'kafka_topic'
    ? digestOf({ resource, generation: desired.generation })
    : digestOf({ resource, file: file ?? null, generation: desired.generation });
}

/** States in which a resource lets the channel's instances be placed (a mismatch is reported only). */
const READY = new Set(['created', 'present', 'updated', 'mismatch']);

interface Building {
  put: { key: string; value: unknown }[];
  delete: string[];
  resources: ResourceWork[];
  requeueAfterMs: number | undefined;
  placed: number;
  pending: number;
}

const appId = (ck: string, app: string) => `${ck}/${app}`;
const splitAppId = (id: string) => {
  const cut = id.lastIndexOf('/');
  return { ck: id.slice(0, cut), app: id.slice(cut + 1) };
};
const soonest = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

export function plan(input: PlanInput): Plan {
  const { layout, now } = input;
  const channels = new Map<string, Building>();
  const of = (ck: string): Building => {
    let b = channels.get(ck);
    if (b === undefined) {
      b = { put: [], delete: [], resources: [], requeueAfterMs: undefined, placed: 0, pending: 0 };
      channels.set(ck, b);
    }
    return b;
  };
  /** Channels whose resources are not all there yet, with why. */
  const waiting = new Map<string, string>();
  const templates = new Map<string, PlacementTemplate>();
  const applications: AppDemand[] = [];
  const startedByKey = new Map<string, StartedChannel>();

  for (const ch of input.started) {
    const ck = channelRef(ch);
    startedByKey.set(ck, ch);
    const b = of(ck);
    for (const resource of ch.structure.resources) {
      const key = layout.resource(ch.tenant, ch.channel, resourceKeyName(resource));
      const file =
        resource.type === 'elasticsearch_index_template' &&
        ch.files !== undefined &&
        Object.hasOwn(ch.files, resource.file)
          ? ch.files[resource.file]
          : undefined;
      const declaration = resourceDeclaration(resource, ch.desired, file);
      const current = input.resources.get(key);
      const fresh = current !== undefined && current.declaration === declaration;
      if (!fresh || current.state === 'error' || current.state === 'pending') {
        const due =
          fresh && current.state === 'error' ? Date.parse(current.checkedAt) + RESOURCE_RETRY_MS : now;
        if (due <= now)
          b.resources.push({
            key,
            tenant: ch.tenant,
            channel: ch.channel,
            resource,
            ...(resource.type === 'kafka_topic' ? {} : { file }),
            declaration,
            current,
          });
        else b.requeueAfterMs = soonest(b.requeueAfterMs, due - now);
      }
      if ((!fresh || !READY.has(current.state)) && !waiting.has(ck)) {
        const why =
          fresh && current.error !== null ? `${current.state}: ${current.error}` : 'not created yet';
        waiting.set(ck, `waiting for ${resource.type} ${resource.name} on ${resource.cluster} (${why})`);
      }
    }
    for (const app of ch.structure.applications) {
      const id = appId(ck, app.name);
      applications.push({
        id,
        cluster: app.cluster,
        tags: app.shiva_runner_tags,
        instances: app.instances,
        memoryBytes: app.memory_limit,
      });
      templates.set(
        id,
        placementTemplate(ch, app, ch.ownFiles.get(app.name) ?? {}, ch.specDigest, ch.desired),
      );
    }
  }

  const current: Assignment[] = [];
  const keep = new Set<string>();
  for (const [key, p] of input.placements) {
    if (input.frozen.has(channelRef(p))) {
      keep.add(key);
      continue;
    }
    const ref = layout.parsePlacement(key);
    if (ref === undefined || ref.runner !== p.runner) continue;
    current.push({ app: appId(channelRef(p), p.app), index: p.index, runner: p.runner });
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

  // New placements of channels still waiting for their resources become pending instead.
  const held = new Set<string>();
  const pendingList: PendingInstance[] = [...result.pending];
  for (const a of result.changes.place) {
    const why = waiting.get(splitAppId(a.app).ck);
    if (why === undefined) continue;
    held.add(`${a.app}#${a.index}`);
    pendingList.push({ app: a.app, index: a.index, reason: why });
  }

  // Per channel: where each placed instance stands, for the rollout.
  const assigned = new Map<string, { a: Assignment; record: PlacementRecord; key: string }[]>();
  for (const a of result.assignments) {
    if (held.has(`${a.app}#${a.index}`)) continue;
    const template = templates.get(a.app);
    if (template === undefined) continue;
    const record: PlacementRecord = { ...template, index: a.index, runner: a.runner };
    const ck = splitAppId(a.app).ck;
    const list = assigned.get(ck) ?? [];
    list.push({ a, record, key: layout.placement(record) });
    assigned.set(ck, list);
  }

  for (const [ck, ch] of startedByKey) {
    const b = of(ck);
    const list = assigned.get(ck) ?? [];
    const before = input.rollouts.get(ck);
    // Nothing outdated and no rollout going on (the steady state): nothing for the rollout to do.
    const outdated = list.some(({ record, key }) => {
      const digest = input.placements.get(key)?.digest;
      return digest !== undefined && digest !== record.digest;
    });
    const step =
      !outdated && before?.state !== 'progressing'
        ? { restart: new Set<string>(), record: before, requeueAfterMs: undefined }
        : rolloutStep({
            now,
            applications: ch.structure.applications.map((app) => ({
              name: app.name,
              target: templates.get(appId(ck, app.name))?.digest ?? '',
              update: app.update,
            })),
            instances: list.map(
              ({ record, key }): RolloutInstance => ({
                app: record.app,
                index: record.index,
                runner: record.runner,
                digest: input.placements.get(key)?.digest,
                status: input.statuses.get(layout.status(record)),
              }),
            ),
            record: before,
          });
    b.requeueAfterMs = soonest(b.requeueAfterMs, step.requeueAfterMs);
    const rolloutKey = layout.rollout(ch.tenant, ch.channel);
    if (step.record === undefined && before !== undefined) b.delete.push(rolloutKey);
    else if (
      step.record !== undefined &&
      (before === undefined || stableJson(before) !== stableJson(step.record))
    ) {
      b.put.push({ key: rolloutKey, value: step.record });
    }

    for (const { record, key } of list) {
      keep.add(key);
      b.placed++;
      const existing = input.placements.get(key);
      if (existing === undefined) {
        b.put.push({ key, value: record });
      } else if (existing.digest === record.digest) {
        // Same application and own files (everything else of the record is in its digest or
        // its key): only the upload it takes files from may differ, updated with no restart.
        if (existing.specDigest !== record.specDigest) b.put.push({ key, value: record });
      } else if (step.restart.has(instanceKey(record.app, record.index))) {
        b.put.push({ key, value: record });
      }
      // Otherwise outdated and not its turn: it keeps running what it runs.
    }
  }

  // Placements no longer wanted, by the channel they belong to.
  for (const [key, p] of input.placements) if (!keep.has(key)) of(channelRef(p)).delete.push(key);

  // Pending reasons, one record per channel; written only when they change.
  const byChannel = new Map<string, PendingRecord['instances']>();
  for (const p of pendingList) {
    const { ck, app } = splitAppId(p.app);
    const list = byChannel.get(ck) ?? [];
    list.push({ app, index: p.index, reason: p.reason });
    byChannel.set(ck, list);
  }
  for (const [ck, instances] of byChannel) {
    const ch = startedByKey.get(ck);
    if (ch === undefined) continue;
    const b = of(ck);
    b.pending += instances.length;
    const record: PendingRecord = {
      instances: instances.sort((x, y) => x.app.localeCompare(y.app) || x.index - y.index),
    };
    const existing = input.pending.get(ck);
    if (existing === undefined || stableJson(existing) !== stableJson(record)) {
      b.put.push({ key: layout.pending(ch.tenant, ch.channel), value: record });
    }
  }
  for (const ck of input.pending.keys()) {
    if (byChannel.has(ck) || input.frozen.has(ck)) continue;
    const ref = parseChannelRef(ck);
    if (ref !== undefined) of(ck).delete.push(layout.pending(ref.tenant, ref.channel));
  }

  // Channels that are not started (stopped or gone): no rollout left.
  for (const ck of input.rollouts.keys()) {
    if (startedByKey.has(ck) || input.frozen.has(ck)) continue;
    const ref = parseChannelRef(ck);
    if (ref !== undefined) of(ck).delete.push(layout.rollout(ref.tenant, ref.channel));
  }

  // Older uploads that no placement runs any more.
  const referenced = new Map<string, Set<string>>();
  for (const [key, p] of input.versions.size === 0 ? [] : input.placements) {
    if (!keep.has(key)) continue;
    const set = referenced.get(channelRef(p)) ?? new Set();
    set.add(p.specDigest);
    referenced.set(channelRef(p), set);
  }
  for (const [ck, digests] of input.versions) {
    if (input.frozen.has(ck)) continue;
    const ref = parseChannelRef(ck);
    if (ref === undefined) continue;
    const current = startedByKey.get(ck)?.specDigest;
    for (const d of digests) {
      if (d !== current && referenced.get(ck)?.has(d) !== true) {
        of(ck).delete.push(layout.channelVersion(ref.tenant, ref.channel, d));
      }
    }
  }

  let writes = 0;
  let deletes = 0;
  let placed = 0;
  for (const b of channels.values()) {
    writes += b.put.length;
    deletes += b.delete.length;
    placed += b.placed;
  }
  return {
    channels,
    counts: {
      instances: placed + pendingList.length,
      placed,
      pending: pendingList.length,
      writes,
      deletes,
    },
  };
}
