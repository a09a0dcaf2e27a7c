/**
 * The file of an `elasticsearch_index_template` resource: a JSON object as the engine's
 * `PUT _index_template/<name>` takes it (composable index templates, Elasticsearch 7.8+ and
 * OpenSearch 1+: https://opensearch.org/docs/latest/im-plugin/index-templates/). Checked when the
 * channel is validated, so a typo is an error with the file's line and column, not a refusal from
 * the engine at reconcile time.
 *
 * Decisions:
 * - The top level and `template` are strict (an unknown key, `index_pattern` for
 *   `index_patterns`, is an error); what lies inside settings, mappings and aliases is the
 *   engine's business and is checked by it (a refusal is the resource's `error` state).
 * - The text must be JSON (`JSON.parse`); a key given twice is an error (the engine refuses it
 *   too, and `JSON.parse` would silently keep the last).
 * - Positions come from reading the same text as YAML 1.2 (a superset of JSON); when that reader
 *   cannot place an issue, it is reported at line 1.
 */
import { z } from 'zod';
import type { Issue, ParseResult } from './issues.js';
import { parseSource, type Source } from './source.js';
import { zodIssues } from './validate.js';

const jsonObject = z.record(z.string(), z.unknown());

export const indexTemplateBodySchema = z.strictObject(
  {
    index_patterns: z
      .array(
        z.string().min(1, 'an index pattern must not be empty'),
        'index_patterns must be a list of patterns',
      )
      .min(1, 'at least one index pattern'),
    template: z
      .strictObject({
        settings: jsonObject.optional(),
        mappings: jsonObject.optional(),
        aliases: jsonObject.optional(),
        lifecycle: jsonObject.optional(),
      })
      .optional(),
    priority: z
      .number()
      .int('priority must be a whole number')
      .min(0, 'priority must be 0 or more')
      .optional(),
    composed_of: z.array(z.string().min(1)).optional(),
    version: z.number().int('version must be a whole number').optional(),
    _meta: jsonObject.optional(),
    data_stream: jsonObject.optional(),
    allow_auto_create: z.boolean().optional(),
    ignore_missing_component_templates: z.array(z.string().min(1)).optional(),
    deprecated: z.boolean().optional(),
  },
  { error: 'an index template is a JSON object: {"index_patterns": [...], "template": {...}}' },
);
export type IndexTemplateBody = z.output<typeof indexTemplateBodySchema>;

/** Line and column of a JSON.parse error, from its message (V8 gives a position, often line/column). */
function jsonErrorAt(text: string, message: string): { line: number; column: number } {
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc !== null) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /at position (\d+)/.exec(message);
  const offset = pos === null ? text.length : Number(pos[1]);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/**
 * Parses and checks an index template file. Issues name `file` with the line and column in it
 * and the field path (`template.mapping: unknown field "mapping"`).
 */
export function parseIndexTemplate(text: string, file: string): ParseResult<IndexTemplateBody> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      issues: [{ file, ...jsonErrorAt(text, message), path: '', message: `not valid JSON: ${message}` }],
    };
  }
  const { source, issues: yamlIssues } = parseSource(text, file);
  const placed: Source | undefined = yamlIssues.length === 0 ? source : undefined;
  const duplicates = yamlIssues.filter((i) => i.message.startsWith('duplicate key'));
  if (duplicates.length > 0) return { ok: false, issues: duplicates };
  const parsed = indexTemplateBodySchema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data, issues: [] };
  const issues: Issue[] =
    placed === undefined
      ? parsed.error.issues.map((i) => ({
          file,
          line: 1,
          column: 1,
          path: i.path.map(String).join('.'),
          message: i.message,
        }))
      : zodIssues(placed, raw, parsed.error);
  return { ok: false, issues };
}
