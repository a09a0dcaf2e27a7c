/**
 * YAML with positions: parse once, keep the node tree, and map any field path back to a line and
 * column (the key for unknown fields, the value for wrong values, the nearest existing parent
 * for missing ones).
 */
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
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
  return { source, issues };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function child(node: unknown, part: PropertyKey): { node: unknown; keyNode?: unknown } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(part)) {
        return { node: item.value, keyNode: item.key };
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof part === 'number') {
    const item = node.items[part];
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
    const next = child(node, path[i] as PropertyKey);
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
