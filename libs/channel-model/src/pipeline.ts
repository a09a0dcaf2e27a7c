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
import { identifier } from './fields.js';
import type { Issue, ParseResult } from './issues.js';
import { type NodeType, type NodeTypeName, nodeTypeNames, nodeTypes } from './node-types.js';
import { issueAt, type Source } from './source.js';
import { type Check, validateYaml } from './validate.js';

export const RESERVED_STREAMS = ['_ppf_errors', '_ppf_metrics'] as const;
export const RESERVED_FIELDS = [
  '_ppf_id',
  '_ppf_timestamp',
  '_ppf_local_host',
  '_ppf_local_port',
  '_ppf_remote_host',
  '_ppf_remote_port',
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

export const pipelineSchema = z.strictObject({
  version: z.union([z.string(), z.number()]).transform(String),
  tenant: identifier.optional(),
  channel: identifier.optional(),
  name: identifier.optional(),
  runtime: z.literal('shiva').optional(),
  type: z.literal('punchline').optional(),
  dag: z.array(nodeSchema).min(1, 'a pipeline needs at least one node'),
  metrics: z.record(z.string(), z.unknown()).optional(),
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

export type PipelineNode = z.output<typeof nodeSchema>;
export type Pipeline = z.output<typeof pipelineSchema>;

const nodeSettings: Check<Pipeline> = (pipeline, source) =>
  pipeline.dag.flatMap((node, i) => {
    const result = nodeTypes[node.type].settings.safeParse(node.settings);
    return result.success
      ? []
      : result.error.issues.map((iss) => issueAt(source, ['dag', i, 'settings', ...iss.path], iss.message));
  });

const graph: Check<Pipeline> = (pipeline, source) => {
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

function cycles(pipeline: Pipeline, source: Source, byName: ReadonlyMap<string, number>): Issue[] {
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

const reserved: Check<Pipeline> = (pipeline, source) => {
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
  return validateYaml(text, options.file, pipelineSchema, [nodeSettings, graph, reserved]);
}
