/**
 * A grok: several expressions tried in order, the first that matches wins (Logstash's
 * `break_on_match`). Pure: compile once, then `match` strings.
 */
import { type Capture, type CompiledExpression, compileExpression } from './compile.js';
import type { Definitions } from './definitions.js';

export interface GrokMatch {
  /** Which expression matched (index in the list given). */
  readonly expression: number;
  /** Captured fields, nested for `[a][b]` names, converted for `:int` / `:float`. */
  readonly fields: Record<string, unknown>;
  /** Captures that `:int` / `:float` could not convert (their text is kept). */
  readonly unconverted: readonly string[];
}

export interface GrokOptions {
  /** Keep captures that matched the empty string (Logstash's keep_empty_captures, default false). */
  readonly keepEmptyCaptures?: boolean;
}

export class Grok {
  readonly expressions: readonly CompiledExpression[];
  readonly #keepEmpty: boolean;

  /** Throws GrokError for the first expression that does not compile. */
  constructor(expressions: readonly string[], definitions: Definitions, options: GrokOptions = {}) {
    this.expressions = expressions.map((e) => compileExpression(e, definitions));
    this.#keepEmpty = options.keepEmptyCaptures ?? false;
  }

  match(text: string): GrokMatch | undefined {
    for (let i = 0; i < this.expressions.length; i++) {
      const compiled = this.expressions[i] as CompiledExpression;
      const m = compiled.regex.exec(text);
      if (m === null) continue;
      const fields: Record<string, unknown> = {};
      const unconverted: string[] = [];
      const groups = m.groups ?? {};
      compiled.captures.forEach((capture, g) => {
        const value = groups[`g${g}`];
        if (value === undefined || (value === '' && !this.#keepEmpty)) return;
        const converted = convert(value, capture);
        if (converted === undefined) unconverted.push(capture.path.join('.'));
        setPath(fields, capture.path, converted ?? value);
      });
      return { expression: i, fields, unconverted };
    }
    return undefined;
  }
}

function convert(value: string, capture: Capture): string | number | undefined {
  if (capture.type === 'string') return value;
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n)) return undefined;
  return capture.type === 'int' ? Math.trunc(n) : n;
}

/** Sets a nested field; a later capture of a field already set this match does not replace it. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (!(last in node)) node[last] = value;
}
