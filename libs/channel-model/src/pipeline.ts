/**
 * Pipeline files (`punchlinectl start --punchline FILE`): a DAG of nodes, as in the seed's
 * receiver punchline, with Drover's node types.
 *
 * Graph rules:
 * - component names are unique identifiers;
 * - each `subscribe` names an existing component and a stream that component publishes;
 * - inputs subscribe to nothing; outputs publish nothing but `_ppf_errors`; the graph has no cycle.
 * Reserved names (DESIGN.md, "Pipelines"):
 * - streams starting with `_ppf_` are reserved: only `_ppf_errors` and `_ppf_metrics` exist;
 * - `_ppf_errors` carries the failed event, so it publishes `_ppf_error_message` and
 *   `_ppf_error_document`, and only the error stream may carry `_ppf_error_*` fields;
 * - fields starting with `_ppf_` must be one of the reserved fields below.
 */
import { z } from 'zod';
import { duration, identifier, positiveInt } from './fields.js';
import type { Issue, ParseResult } from './issues.js';
import { type NodeType, type NodeTypeName, nodeTypeNames, nodeTypes } from './node-types.js';
import { issueAt, type Source } from './source.js';
import { type Check, validateYaml, zodIssues } from './validate.js';

export const RESERVED_STREAMS = ['_ppf_errors', '_ppf_metrics'] as const;
export const RESERVED_FIELDS = [
  '_ppf_id',
  '_ppf_timestamp',
  '_ppf_local_host',
  '_ppf_local_port',
  '_ppf_remote_host',
  '_ppf_remote_port',
  /** How an input received the event: `tcp`, `tls`, `udp`, `relp`, `relp+tls` (syslog_input). */
  '_ppf_transport',
  /** The verified client certificate's subject, with mutual TLS (syslog_input). */
  '_ppf_peer_subject',
  '_ppf_error_message',
  '_ppf_error_document',
  '_ppf_latency',
  '_ppf_platform',
  '_ppf_tenant',
  '_ppf_channel',
  '_ppf_topology',
  '_ppf_component',
] as const;
const ERROR_FIELDS = ['_ppf_error_message', '_ppf_error_document'];

const streamName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'stream names are identifiers');
const fieldName = z.string().min(1, 'field names are not empty');

const nodeSchema = z.strictObject({
  type: z.enum(nodeTypeNames as [NodeTypeName, ...NodeTypeName[]], {
    error: (iss) =>
      `unknown node type ${JSON.stringify(iss.input)}: known types are ${nodeTypeNames.join(', ')}`,
  }),
  component: identifier,
  settings: z.record(z.string(), z.unknown()).default({}),
  publish: z
    .array(z.strictObject({ stream: streamName, fields: z.array(fieldName).default([]) }))
    .default([]),
  subscribe: z.array(z.strictObject({ component: identifier, stream: streamName })).default([]),
});

/**
 * The pipeline's own `settings` (DESIGN.md, "Pipelines"), strict like every node's: an unknown
 * key or a value of the wrong type is an error, never a silent default (a non-numeric
 * `max.spout.pending` once became NaN and removed the in-flight bound).
 */
export const pipelineSettingsSchema = z.strictObject({
  /** Events in flight per input, past which inputs stop reading (Storm's topology setting). */
  'max.spout.pending': positiveInt('max.spout.pending').default(5000),
  /** An event not confirmed by every output within this is failed back to its input. */
  message_timeout: duration.default(30_000),
});
export type PipelineSettings = z.output<typeof pipelineSettingsSchema>;

/**
 * The file's shape. Node settings and the pipeline's settings are plain maps here: they are
 * checked by their own schemas alongside the graph rules (below), so that one run reports every
 * problem of the file, not only the first layer of it.
 */
const pipelineShape = z.strictObject({
  version: z.union([z.string(), z.number()]).transform(String),
  tenant: identifier.optional(),
  channel: identifier.optional(),
  name: identifier.optional(),
  runtime: z.literal('shiva').optional(),
  type: z.literal('punchline').optional(),
  dag: z.array(nodeSchema).min(1, 'a pipeline needs at least one node'),
  metrics: z.record(z.string(), z.unknown()).optional(),
  settings: z.record(z.string(), z.unknown()).default({}),
});

/** A pipeline file, its `settings` typed and defaulted. */
export const pipelineSchema = pipelineShape.extend({
  settings: pipelineSettingsSchema.default(() => pipelineSettingsSchema.parse({})),
});

export type PipelineNode = z.output<typeof nodeSchema>;
export type Pipeline = z.output<typeof pipelineSchema>;

type PipelineShape = z.output<typeof pipelineShape>;

const nodeSettings: Check<PipelineShape> = (pipeline, source) =>
  pipeline.dag.flatMap((node, i) => {
    const result = nodeTypes[node.type].settings.safeParse(node.settings);
    return result.success ? [] : zodIssues(source, node.settings, result.error, ['dag', i, 'settings']);
  });

const pipelineSettings: Check<PipelineShape> = (pipeline, source) => {
  const result = pipelineSettingsSchema.safeParse(pipeline.settings);
  return result.success ? [] : zodIssues(source, pipeline.settings, result.error, ['settings']);
};

const graph: Check<PipelineShape> = (pipeline, source) => {
  const issues: Issue[] = [];
  const byName = new Map<string, number>();
  pipeline.dag.forEach((node, i) => {
    const first = byName.get(node.component);
    if (first === undefined) byName.set(node.component, i);
    else issues.push(issueAt(source, ['dag', i, 'component'], `duplicate component "${node.component}"`));
  });

  pipeline.dag.forEach((node, i) => {
    const kind = nodeTypes[node.type].kind;
    if (kind === 'input' && node.subscribe.length > 0) {
      issues.push(
        issueAt(source, ['dag', i, 'subscribe'], `${node.type} is an input: it subscribes to nothing`),
      );
    }
    if (
      (nodeTypes[node.type] as NodeType).errorStream === 'required' &&
      !node.publish.some((p) => p.stream === '_ppf_errors')
    ) {
      issues.push(
        issueAt(
          source,
          ['dag', i, 'type'],
          `${node.type} must publish _ppf_errors: the events it refuses for good go there with the reason, never dropped nor retried forever`,
        ),
      );
    }
    if (kind === 'output') {
      // An output publishes nothing but `_ppf_errors`: the events it rejects for good.
      node.publish.forEach((pub, j) => {
        if (pub.stream !== '_ppf_errors') {
          issues.push(
            issueAt(
              source,
              ['dag', i, 'publish', j, 'stream'],
              `${node.type} is an output: it publishes only _ppf_errors (the events it rejects)`,
            ),
          );
        }
      });
    }
    if (kind !== 'input' && node.subscribe.length === 0) {
      issues.push(
        issueAt(source, ['dag', i, 'type'], `${node.type} "${node.component}" subscribes to nothing`),
      );
    }
    node.subscribe.forEach((sub, j) => {
      const from = byName.get(sub.component);
      if (from === undefined) {
        issues.push(
          issueAt(
            source,
            ['dag', i, 'subscribe', j, 'component'],
            `no component named "${sub.component}" in this pipeline`,
          ),
        );
      } else if (!pipeline.dag[from]?.publish.some((p) => p.stream === sub.stream)) {
        issues.push(
          issueAt(
            source,
            ['dag', i, 'subscribe', j, 'stream'],
            `component "${sub.component}" does not publish stream "${sub.stream}"`,
          ),
        );
      }
    });
  });
  issues.push(...cycles(pipeline, source, byName));
  return issues;
};

function cycles(pipeline: PipelineShape, source: Source, byName: ReadonlyMap<string, number>): Issue[] {
  // Edges go from a subscriber to what it subscribes to; a cycle either way is a cycle.
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const found: Issue[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    const node = pipeline.dag[byName.get(name) as number];
    for (const sub of node?.subscribe ?? []) {
      if (!byName.has(sub.component)) continue;
      const seen = state.get(sub.component);
      if (seen === 'visiting') {
        const loop = [...stack.slice(stack.indexOf(sub.component)), sub.component].reverse();
        const at = byName.get(sub.component) as number;
        found.push(issueAt(source, ['dag', at, 'component'], `cycle in the pipeline: ${loop.join(' -> ')}`));
      } else if (seen === undefined) visit(sub.component);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of byName.keys()) if (!state.has(name)) visit(name);
  return found;
}

const reserved: Check<PipelineShape> = (pipeline, source) => {
  const issues: Issue[] = [];
  const streams = new Set<string>(RESERVED_STREAMS);
  const fields = new Set<string>(RESERVED_FIELDS);
  pipeline.dag.forEach((node, i) => {
    node.publish.forEach((pub, j) => {
      const at = ['dag', i, 'publish', j];
      if (pub.stream.startsWith('_ppf_') && !streams.has(pub.stream)) {
        issues.push(
          issueAt(
            source,
            [...at, 'stream'],
            `unknown reserved stream "${pub.stream}": reserved streams are _ppf_errors, _ppf_metrics`,
          ),
        );
      }
      if (pub.stream === '_ppf_errors') {
        for (const needed of ERROR_FIELDS) {
          if (!pub.fields.includes(needed)) {
            issues.push(issueAt(source, [...at, 'fields'], `stream _ppf_errors must carry ${needed}`));
          }
        }
      }
      pub.fields.forEach((field, k) => {
        if (!field.startsWith('_ppf_')) return;
        if (!fields.has(field)) {
          issues.push(issueAt(source, [...at, 'fields', k], `unknown reserved field "${field}"`));
        } else if (ERROR_FIELDS.includes(field) && pub.stream !== '_ppf_errors') {
          issues.push(
            issueAt(source, [...at, 'fields', k], `${field} belongs to the _ppf_errors stream only`),
          );
        }
      });
    });
  });
  return issues;
};

export function parsePipeline(text: string, options: { readonly file: string }): ParseResult<Pipeline> {
  const checked = validateYaml(text, options.file, pipelineShape, [
    nodeSettings,
    pipelineSettings,
    graph,
    reserved,
  ]);
  if (!checked.ok) return checked;
  // Checked above: parsing them again cannot fail.
  const settings = pipelineSettingsSchema.parse(checked.value.settings);
  return { ok: true, value: { ...checked.value, settings }, issues: [] };
}
