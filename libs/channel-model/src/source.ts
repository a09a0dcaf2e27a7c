/**
 * YAML with positions: parse once, keep the node tree, and map any field path back to a line and
 * column (the key for unknown fields, the value for wrong values, the nearest existing parent
 * for missing ones).
 *
 * YAML 1.1 merge keys (`<<: *defaults`, `<<: [*a, *b]`), common in Punch's files, are accepted:
 * the merged value is what is validated, and a field that comes from a merged map is positioned
 * where it is written (in the anchored map), as an editor would show it.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import { formatPath, type Issue } from './issues.js';

export type Path = readonly PropertyKey[];

export interface Source {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/** Where a path points at: the value node (`value`) or, for a map entry, its key (`key`). */
export type Anchor = 'value' | 'key';

export function parseSource(text: string, file: string): { source: Source; issues: Issue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
    // YAML 1.1 merge keys; the rest of the document is read as YAML 1.2.
    merge: true,
  });
  const source = { file, doc, lines };
  const issues = [...doc.errors, ...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED')].map(
    (err) => {
      const { line, col } = lines.linePos(err.pos[0]);
      const message =
        err.code === 'DUPLICATE_KEY' ? 'duplicate key: map keys must be unique' : firstLine(err.message);
      return { file, line, column: col, path: '', message };
    },
  );
  if (issues.length === 0) issues.push(...referenceIssues(source));
  return { source, issues };
}

/**
 * Aliases to no anchor and merge sources that are not maps, at their position (yaml itself only
 * finds them when converting the document, without a position).
 */
function referenceIssues(source: Source): Issue[] {
  const issues: Issue[] = [];
  const at = (node: unknown, message: string) => {
    const { line, col } = source.lines.linePos(rangeStart(node) ?? 0);
    issues.push({ file: source.file, line, column: col, path: '', message });
  };
  visit(source.doc, {
    Alias(_key, alias) {
      if (alias.resolve(source.doc) === undefined) {
        at(alias, `alias *${alias.source} refers to no anchor (an anchor must be defined before its alias)`);
      }
    },
    Pair(_key, pair) {
      if (!isMergeKey(pair.key)) return;
      const value = resolved(source.doc, pair.value);
      const sources = isSeq(value) ? value.items : [pair.value];
      for (const item of sources) {
        const target = resolved(source.doc, item);
        if (target !== undefined && !isMap(target))
          at(item, 'a merge key (<<) takes a map, an alias of a map, or a list of those');
      }
    },
  });
  return issues;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** `<<` as a key: yaml marks it with a symbol when `merge` is on. */
function isMergeKey(key: unknown): boolean {
  return (
    isScalar(key) && (key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<'))
  );
}

/** A node with aliases followed (an alias of an alias included); undefined for a dangling one. */
function resolved(doc: Document.Parsed, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  return current;
}

/** The entry `part` of a map: its own keys first, then the maps merged into it, in order. */
function mapEntry(
  doc: Document.Parsed,
  map: YAMLMap,
  part: PropertyKey,
  depth: number,
): { node: unknown; keyNode?: unknown } | undefined {
  for (const item of map.items) {
    if (
      isPair(item) &&
      isScalar(item.key) &&
      !isMergeKey(item.key) &&
      String(item.key.value) === String(part)
    ) {
      return { node: item.value, keyNode: item.key };
    }
  }
  if (depth > 20) return undefined;
  for (const item of map.items) {
    if (!isPair(item) || !isMergeKey(item.key)) continue;
    const value = resolved(doc, item.value);
    const sources = isSeq(value) ? value.items.map((s) => resolved(doc, s)) : [value];
    for (const source of sources) {
      if (!isMap(source)) continue;
      const found = mapEntry(doc, source, part, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function child(
  doc: Document.Parsed,
  node: unknown,
  part: PropertyKey,
): { node: unknown; keyNode?: unknown } | undefined {
  const target = resolved(doc, node);
  if (isMap(target)) return mapEntry(doc, target, part, 0);
  if (isSeq(target) && typeof part === 'number') {
    const item = target.items[part];
    return item === undefined ? undefined : { node: item };
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

/** Line and column of `path`, falling back to the nearest ancestor that exists. */
export function locate(
  source: Source,
  path: Path,
  anchor: Anchor = 'value',
): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const next = child(source.doc, node, path[i] as PropertyKey);
    if (next === undefined) break;
    const last = i === path.length - 1;
    const at = last && anchor === 'key' && next.keyNode !== undefined ? next.keyNode : next.node;
    // `key:` with no value has a null node; point at its key instead.
    offset = rangeStart(at) ?? rangeStart(next.keyNode) ?? offset;
    node = next.node;
  }
  const { line, col } = source.lines.linePos(offset);
  return { line, column: col };
}

export function issueAt(source: Source, path: Path, message: string, anchor: Anchor = 'value'): Issue {
  return { file: source.file, ...locate(source, path, anchor), path: formatPath(path), message };
}

/** Line of a path, for messages like "first defined at line 12". */
export function lineOf(source: Source, path: Path): number {
  return locate(source, path).line;
}
