/**
 * Grok pattern definitions: files of `NAME REGEX` lines (`#` starts a comment), as Logstash's
 * `patterns_dir` and logstash-patterns-core use them. The standard library ships in `patterns/`:
 * `patterns/logstash/` is logstash-patterns-core's legacy set (Apache 2.0, see its README), and
 * `patterns/drover/` adds the families it lacks (SSH, NGINX error log).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GrokError } from './errors.js';

export interface PatternDefinition {
  readonly name: string;
  readonly pattern: string;
  /** `file:line` (or `settings` for inline definitions): where error messages point. */
  readonly source: string;
}

export type Definitions = ReadonlyMap<string, PatternDefinition>;

const NAME = /^[A-Za-z0-9_]+$/;

/** Parses one pattern file's text; throws GrokError naming `file:line` for a malformed line. */
export function parseDefinitions(text: string, file: string): Map<string, PatternDefinition> {
  const out = new Map<string, PatternDefinition>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const space = line.search(/\s/);
    const name = space === -1 ? line : line.slice(0, space);
    const pattern = space === -1 ? '' : line.slice(space).trim();
    const source = `${file}:${i + 1}`;
    if (!NAME.test(name) || pattern === '') {
      throw new GrokError(
        'MALFORMED_DEFINITION',
        source,
        'expected "NAME REGEX" (NAME of letters, digits, _)',
      );
    }
    out.set(name, { name, pattern, source });
  });
  return out;
}

/** Every pattern file under `dir` (recursively, in name order), later files overriding earlier ones. */
export function loadDefinitionsDir(
  dir: string,
  shownAs: (file: string) => string = (f) => f,
): Map<string, PatternDefinition> {
  const out = new Map<string, PatternDefinition>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      if (entry.startsWith('.') || entry.endsWith('.md')) continue;
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else
        for (const [name, def] of parseDefinitions(readFileSync(path, 'utf8'), shownAs(path)))
          out.set(name, def);
    }
  };
  walk(dir);
  return out;
}

/** `<package>/patterns`, from this module's place (`src/` or `dist/`). */
export const PATTERNS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'patterns');

let standard: Definitions | undefined;

/** The shipped library (read once per process). */
export function standardDefinitions(): Definitions {
  standard ??= loadDefinitionsDir(PATTERNS_DIR, (f) => `patterns/${relative(PATTERNS_DIR, f)}`);
  return standard;
}

/** `base` with `overrides` on top (custom patterns win over the library, as in Logstash). */
export function mergeDefinitions(base: Definitions, ...overrides: Definitions[]): Definitions {
  const out = new Map(base);
  for (const o of overrides) for (const [name, def] of o) out.set(name, def);
  return out;
}
