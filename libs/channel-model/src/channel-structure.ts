/**
 * channel_structure.yaml, Punch 6.0 shape plus Drover's optional fields (DESIGN.md, "Channels on
 * disk"). The schema both validates and types: `ChannelStructure` is inferred from it.
 *
 * Decisions:
 * - `runtime` and its alias `type` are both accepted (`shiva` only); both at once is an error.
 * - A `punchlinectl` application must name its pipeline with `--punchline FILE`; the file is a
 *   path inside the channel directory (checked here) that must exist (checked by loadChannel).
 *   Files an application needs are shipped from the channel directory, as Punch does.
 * - `quartzcron_schedule` is parsed here (Quartz syntax, see quartz.ts), as the runner will.
 * - The whole channel directory is shipped (load-channel.ts); `resources` lists files the
 *   application depends on, which must exist and are among its own files (own-files.ts).
 * - A heap cap (`-Xmx`, `--max-old-space-size`, in args or NODE_OPTIONS) must fit under
 *   `memory_limit` with the runtime's overhead (rule in heap.ts), or the promised heap error
 *   before the kill cannot happen. Without `memory_limit` the runner's default applies, which
 *   only the runner knows: nothing is checked here then.
 * - `resources[]` are `kafka_topic` and `elasticsearch_index_template` (by `type`); the cluster a
 *   resource names is checked by the controller, which alone knows the platform's clusters.
 */
import { z } from 'zod';
import {
  channelFile,
  command,
  duration,
  envMap,
  identifier,
  indexTemplateName,
  memory,
  positiveInt,
  topicName,
} from './fields.js';
import { heapCaps, heapMisfit } from './heap.js';
import type { Issue, ParseResult } from './issues.js';
import { IDENTIFIER, IDENTIFIER_HINT } from './names.js';
import { quartzError } from './quartz.js';
import { issueAt, lineOf, type Source } from './source.js';
import { type Check, validateYaml } from './validate.js';

const restartSchema = z.strictObject({
  initial: duration.optional(),
  max: duration.optional(),
  reset_after: duration.optional(),
  max_restarts: z.number().int().min(0, 'max_restarts must be 0 or more').optional(),
});

/**
 * How a change or a reload rolls an application's instances (Drover's addition, after Nomad's
 * `update` block): `max_parallel` instances restart at a time; the next ones only once those run
 * again for `min_healthy_time`; with no progress for `progress_deadline`, the rollout stops with
 * the reason in status.
 */
export const updateSchema = z.strictObject({
  max_parallel: positiveInt('max_parallel').default(1),
  min_healthy_time: duration.default(5000),
  progress_deadline: duration.default(5 * 60_000),
});
export type UpdatePolicy = z.output<typeof updateSchema>;

export const applicationSchema = z
  .strictObject({
    name: identifier,
    runtime: z.literal('shiva', 'runtime must be "shiva"').optional(),
    type: z.literal('shiva', 'type (alias of runtime) must be "shiva"').optional(),
    cluster: identifier,
    command,
    args: z.array(z.string()).default([]),
    shiva_runner_tags: z.array(identifier).default([]),
    reload_action: z.enum(['kill_then_start', 'none']).default('kill_then_start'),
    quartzcron_schedule: z
      .string()
      .refine((s) => [6, 7].includes(s.trim().split(/\s+/).length), {
        message: 'quartzcron_schedule must have 6 or 7 fields (seconds first, optional year)',
      })
      .superRefine((s, ctx) => {
        if (![6, 7].includes(s.trim().split(/\s+/).length)) return;
        const error = quartzError(s);
        if (error !== undefined) ctx.addIssue({ code: 'custom', message: `quartzcron_schedule: ${error}` });
      })
      .optional(),
    resources: z.array(channelFile).default([]),
    instances: positiveInt('instances').default(1),
    memory_limit: memory.optional(),
    restart: restartSchema.optional(),
    env: envMap.default({}),
    update: updateSchema.prefault({}),
  })
  .superRefine((app, ctx) => {
    if (app.runtime !== undefined && app.type !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: 'give either runtime or its alias type, not both',
      });
    }
  });

export const kafkaTopicSchema = z.strictObject({
  type: z.literal('kafka_topic'),
  cluster: identifier,
  name: topicName,
  partitions: positiveInt('partitions'),
  replication_factor: positiveInt('replication_factor'),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/**
 * An index template of a search cluster (Elasticsearch, OpenSearch), ensured by the leader like a
 * Kafka topic: created when missing, `present` when the one there carries this declaration,
 * `mismatch` (reported, left alone) when it differs, replaced only with `overwrite: true`.
 * `cluster` names a search cluster of the platform file (`search.clusters`); `file` is the
 * template, JSON as `PUT _index_template/<name>` takes it, shipped in the channel directory
 * (checked by loadChannel, index-template.ts).
 */
export const indexTemplateResourceSchema = z.strictObject({
  type: z.literal('elasticsearch_index_template'),
  cluster: identifier,
  name: indexTemplateName,
  file: channelFile,
  overwrite: z.boolean().default(false),
});

export const RESOURCE_TYPES = ['kafka_topic', 'elasticsearch_index_template'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const resourceSchema = z.discriminatedUnion('type', [kafkaTopicSchema, indexTemplateResourceSchema], {
  error: (iss) => {
    if (iss.code !== 'invalid_union') return undefined;
    const type = (iss.input as { type?: unknown } | undefined)?.type;
    return type === undefined
      ? undefined
      : `unsupported resource type ${JSON.stringify(type)}: supported types are ${RESOURCE_TYPES.join(', ')}`;
  },
});

export const channelStructureSchema = z.strictObject({
  version: z.union([z.string(), z.number()]).transform(String),
  start_by_tenant: z.boolean().default(true),
  stop_by_tenant: z.boolean().default(true),
  applications: z.array(applicationSchema).default([]),
  resources: z.array(resourceSchema).default([]),
});

export type Application = z.output<typeof applicationSchema>;
export type KafkaTopicResource = z.output<typeof kafkaTopicSchema>;
export type IndexTemplateResource = z.output<typeof indexTemplateResourceSchema>;
export type ChannelResource = z.output<typeof resourceSchema>;
export type ChannelStructure = z.output<typeof channelStructureSchema>;

/**
 * A resource's name among the channel's resources, the last segment of its state's etcd key
 * (`resources/<tenant>/<channel>/<this>`): a topic by its name (as before index templates
 * existed), an index template as `elasticsearch_index_template:<name>` (":" is in neither name
 * rule, so the two never collide). Two resources with the same one are an error.
 */
export function resourceKeyName(resource: ChannelResource): string {
  return resource.type === 'kafka_topic' ? resource.name : `${resource.type}:${resource.name}`;
}

const uniqueNames: Check<ChannelStructure> = (structure, source) => {
  const issues: Issue[] = [];
  const apps = new Map<string, number>();
  structure.applications.forEach((app, i) => {
    const first = apps.get(app.name);
    if (first === undefined) apps.set(app.name, i);
    else {
      const line = lineOf(source, ['applications', first, 'name']);
      issues.push(
        issueAt(
          source,
          ['applications', i, 'name'],
          `duplicate application name "${app.name}" (first at line ${line})`,
        ),
      );
    }
  });
  // One state record per key name: a topic name once per channel (even on two clusters).
  const resources = new Map<string, number>();
  structure.resources.forEach((res, i) => {
    const id = resourceKeyName(res);
    const first = resources.get(id);
    if (first === undefined) resources.set(id, i);
    else {
      const line = lineOf(source, ['resources', first, 'name']);
      issues.push(
        issueAt(
          source,
          ['resources', i, 'name'],
          `duplicate ${res.type} "${res.name}" (first at line ${line}): a channel declares each once`,
        ),
      );
    }
  });
  return issues;
};

/** The pipeline file a `punchlinectl start --punchline FILE` application runs, if any. */
export function pipelineFileOf(app: Application): string | undefined {
  const at = app.args.indexOf('--punchline');
  return at === -1 ? undefined : app.args[at + 1];
}

const punchlineArgs: Check<ChannelStructure> = (structure, source) => {
  const issues: Issue[] = [];
  structure.applications.forEach((app, i) => {
    if (app.command !== 'punchlinectl') return;
    const file = pipelineFileOf(app);
    if (file === undefined || file.startsWith('-')) {
      issues.push(
        issueAt(source, ['applications', i, 'args'], 'punchlinectl needs "--punchline FILE" in args'),
      );
    } else if (!channelFile.safeParse(file).success) {
      const at = app.args.indexOf('--punchline') + 1;
      issues.push(
        issueAt(
          source,
          ['applications', i, 'args', at],
          `pipeline file "${file}" must be a relative path inside the channel directory`,
        ),
      );
    }
  });
  return issues;
};

const heapUnderLimit: Check<ChannelStructure> = (structure, source) => {
  const issues: Issue[] = [];
  structure.applications.forEach((app, i) => {
    if (app.memory_limit === undefined) return;
    const written = String(source.doc.getIn(['applications', i, 'memory_limit']) ?? app.memory_limit);
    for (const cap of heapCaps(app)) {
      const misfit = heapMisfit(cap, app.memory_limit, written);
      if (misfit !== undefined) issues.push(issueAt(source, ['applications', i, ...cap.path], misfit));
    }
  });
  return issues;
};

function nameIssues(
  source: Source,
  names: { tenant?: string | undefined; channel?: string | undefined },
): Issue[] {
  const issues: Issue[] = [];
  for (const [what, name] of Object.entries(names)) {
    if (name !== undefined && !IDENTIFIER.test(name)) {
      issues.push({
        file: source.file,
        line: 1,
        column: 1,
        path: '',
        message: `${what} name "${name}" ${IDENTIFIER_HINT}`,
      });
    }
  }
  return issues;
}

export interface ChannelStructureOptions {
  readonly file: string;
  /** From the channel's directory name, validated as identifiers too. */
  readonly tenant?: string;
  readonly channel?: string;
}

export function parseChannelStructure(
  text: string,
  options: ChannelStructureOptions,
): ParseResult<ChannelStructure> {
  const names: Check<ChannelStructure> = (_structure, source) =>
    nameIssues(source, { tenant: options.tenant, channel: options.channel });
  return validateYaml(text, options.file, channelStructureSchema, [
    names,
    uniqueNames,
    punchlineArgs,
    heapUnderLimit,
  ]);
}
