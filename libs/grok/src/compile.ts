/**
 * From a grok expression to one native RegExp, compiled once.
 *
 * `%{NAME}` inlines the definition NAME; `%{NAME:field}` also captures it into `field`, and
 * `%{NAME:field:int}` / `:float` converts the capture. `(?<field>...)` captures raw regex. Field
 * names are Logstash's: `[a][b]` is the nested field b of a, anything else is one top-level name
 * (dots included). The expanded pattern is Oniguruma syntax (Logstash's engine, Joni, is a port
 * of it: atomic groups, possessive quantifiers, POSIX classes, `\A`, `\h`...); oniguruma-to-es
 * translates it to an equivalent JavaScript RegExp, so matching runs in V8's regex engine.
 * Every capture becomes a group `gN` of our own, whatever the field is called.
 */
import { toRegExpDetails } from 'oniguruma-to-es';
import type { Definitions } from './definitions.js';
import { GrokError } from './errors.js';

export type CaptureType = 'string' | 'int' | 'float';

export interface Capture {
  /** The field's path: `[a][b]` -> ['a', 'b'], `client.ip` -> ['client.ip']. */
  readonly path: readonly string[];
  readonly type: CaptureType;
}

export interface CompiledExpression {
  /** The expression as written. */
  readonly expression: string;
  readonly regex: RegExp;
  /** Capture i is the regex group `g<i>`. */
  readonly captures: readonly Capture[];
}

const REFERENCE = /%\{([A-Za-z0-9_]+)(?::([^:}]+))?(?::([A-Za-z]+))?\}/g;

/** `[a][b]` -> ['a', 'b']; a plain name is itself. */
export function fieldPath(name: string, at: string): string[] {
  if (!name.startsWith('[')) return [name];
  const parts = [...name.matchAll(/\[([^[\]]+)\]/g)].map((m) => m[1] as string);
  if (parts.join('') === '' || parts.map((p) => `[${p}]`).join('') !== name) {
    throw new GrokError('BAD_CAPTURE', at, `field reference ${name} is not of the form [a][b]`);
  }
  return parts;
}

function captureType(type: string | undefined, at: string): CaptureType {
  if (type === undefined || type === 'string') return 'string';
  if (type === 'int' || type === 'integer') return 'int';
  if (type === 'float') return 'float';
  throw new GrokError('BAD_CAPTURE', at, `unknown capture type "${type}" (int, float or string)`);
}

/** True when the character at `i` is escaped by an odd number of backslashes. */
function escaped(text: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** Compiles one expression against `definitions`; throws GrokError (unknown or recursive pattern, bad regex). */
export function compileExpression(expression: string, definitions: Definitions): CompiledExpression {
  const captures: Capture[] = [];
  const capture = (name: string, type: CaptureType, at: string): string => {
    captures.push({ path: fieldPath(name, at), type });
    return `g${captures.length - 1}`;
  };
  const expand = (pattern: string, at: string, stack: readonly string[]): string => {
    // Raw named groups first, on this level's own text, so the names inlined below are not seen twice.
    const named = pattern.replace(/\(\?<([A-Za-z_][^>=!]*)>/g, (whole, name: string, offset: number) =>
      escaped(pattern, offset) ? whole : `(?<${capture(name, 'string', at)}>`,
    );
    return named.replace(
      REFERENCE,
      (_whole, name: string, field: string | undefined, type: string | undefined) => {
        const def = definitions.get(name);
        if (def === undefined) throw new GrokError('UNKNOWN_PATTERN', at, `unknown pattern %{${name}}`);
        if (stack.includes(name)) {
          throw new GrokError(
            'RECURSIVE_PATTERN',
            at,
            `%{${name}} refers to itself: ${[...stack, name].join(' -> ')}`,
          );
        }
        // The group name is taken before the inner captures, so groups number in reading order.
        const group = field === undefined ? undefined : capture(field, captureType(type, at), at);
        const inner = expand(def.pattern, def.source, [...stack, name]);
        return group === undefined ? `(?:${inner})` : `(?<${group}>${inner})`;
      },
    );
  };
  const source = expand(expression, JSON.stringify(expression), []);
  let regex: RegExp;
  try {
    // avoidSubclass: a plain RegExp (atomic groups become lookahead + backreference, whose extra
    // numbered groups we never read: captures are read by name).
    const details = toRegExpDetails(source, { avoidSubclass: true, target: 'ES2018' });
    regex = new RegExp(details.pattern, details.flags);
  } catch (err) {
    throw new GrokError('BAD_REGEX', JSON.stringify(expression), (err as Error).message, { cause: err });
  }
  return { expression, regex, captures };
}
