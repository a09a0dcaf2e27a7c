/**
 * Schema validation with positions: run a zod schema over the YAML's plain value, turn every zod
 * issue into a positioned Issue, then run the structure's semantic checks (duplicates, graph
 * rules) which only make sense on a well-typed value.
 */
import type { z } from 'zod';
import type { Issue, ParseResult } from './issues.js';
import { issueAt, type Path, parseSource, type Source } from './source.js';

export type Check<T> = (value: T, source: Source) => Issue[];

function valueAt(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * Zod issues as positioned Issues. `raw` is the plain value the schema ran over, found at
 * `prefix` in the document (a part of it, e.g. one node's settings, checked on its own).
 */
export function zodIssues(source: Source, raw: unknown, error: z.ZodError, prefix: Path = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of error.issues) {
    const inner = issue.path as Path;
    const path = [...prefix, ...inner];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(issueAt(source, [...path, key], `unknown field "${key}"`, 'key'));
      }
    } else if (
      (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
      valueAt(raw, inner) === undefined
    ) {
      out.push(issueAt(source, path, 'required field is missing'));
    } else if (issue.code === 'invalid_key') {
      const why = issue.issues[0]?.message ?? issue.message;
      out.push(issueAt(source, path, `invalid key "${String(path[path.length - 1])}": ${why}`, 'key'));
    } else {
      out.push(issueAt(source, path, issue.message));
    }
  }
  return out;
}

function byPosition(a: Issue, b: Issue): number {
  return a.line - b.line || a.column - b.column;
}

export function validateYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  checks: readonly Check<z.output<S>>[] = [],
): ParseResult<z.output<S>> {
  const { source, issues } = parseSource(text, file);
  if (issues.length > 0) return { ok: false, issues: issues.sort(byPosition) };
  let raw: unknown;
  try {
    // Aliases can still fail here (unresolved, or an alias bomb past maxAliasCount).
    raw = source.doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, issues: [{ file, line: 1, column: 1, path: '', message }] };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssues(source, raw, parsed.error).sort(byPosition) };
  const semantic = checks.flatMap((check) => check(parsed.data, source));
  if (semantic.length > 0) return { ok: false, issues: semantic.sort(byPosition) };
  return { ok: true, value: parsed.data, issues: [] };
}
