/**
 * `grok`: Logstash-compatible pattern matching (libs/grok) on one field. The expressions are
 * compiled once, at build; the first that matches wins and its captures are set on the event.
 * An event none matches (or without the field) is not an error: it keeps flowing on the same
 * stream, tagged, as Logstash's grok does.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GrokSettings } from '@drover/channel-model';
import {
  type Definitions,
  Grok,
  loadDefinitionsDir,
  mergeDefinitions,
  type PatternDefinition,
  parseDefinitions,
  standardDefinitions,
} from '@drover/grok';
import type { Delivery, Emit, Fields, ProcessingNode } from '../types.js';
import { fieldAt } from './processing.js';

/** Adds `tag` to the list in `fields[tagsField]` (a string there becomes a list), once. */
export function addTag(fields: Fields, tagsField: string, tag: string): void {
  const tags = fields[tagsField];
  if (Array.isArray(tags)) {
    if (!tags.includes(tag)) fields[tagsField] = [...tags, tag];
  } else if (typeof tags === 'string' && tags !== '') fields[tagsField] = tags === tag ? [tag] : [tags, tag];
  else fields[tagsField] = [tag];
}

export class GrokNode implements ProcessingNode {
  readonly kind = 'processing' as const;
  readonly #settings: GrokSettings;
  readonly #stream: string;
  readonly #grok: Grok;

  constructor(settings: GrokSettings, stream: string, definitions: Definitions) {
    this.#settings = settings;
    this.#stream = stream;
    this.#grok = new Grok(settings.patterns, definitions, {
      keepEmptyCaptures: settings.keep_empty_captures,
    });
  }

  /**
   * The standard library, then the `patterns_dir` files (relative to the channel directory), then
   * `pattern_definitions`; compiles every expression (throws GrokError naming the one at fault).
   */
  static load(settings: GrokSettings, stream: string, baseDir: string): GrokNode {
    // Each entry is a directory of pattern files, or one file; errors name files as the channel does.
    const dirs = settings.patterns_dir.map((d) => {
      const path = resolve(baseDir, d);
      return statSync(path).isDirectory()
        ? loadDefinitionsDir(path, (f) => f.slice(resolve(baseDir).length + 1))
        : parseDefinitions(readFileSync(path, 'utf8'), d);
    });
    const inline = new Map<string, PatternDefinition>(
      Object.entries(settings.pattern_definitions).map(([name, pattern]) => [
        name,
        { name, pattern, source: `pattern_definitions.${name}` },
      ]),
    );
    return new GrokNode(settings, stream, mergeDefinitions(standardDefinitions(), ...dirs, inline));
  }

  process(event: Delivery, emit: Emit): void {
    const s = this.#settings;
    const out: Fields = { ...event.fields };
    const value = fieldAt(event.fields, s.field);
    const match = typeof value === 'string' ? this.#grok.match(value) : undefined;
    if (match === undefined) {
      addTag(out, s.tags_field, s.tag_on_failure);
    } else {
      if (s.target === undefined) Object.assign(out, match.fields);
      else {
        const current = out[s.target];
        const base =
          current !== null && typeof current === 'object' && !Array.isArray(current) ? current : {};
        out[s.target] = { ...base, ...match.fields };
      }
      if (match.unconverted.length > 0) addTag(out, s.tags_field, s.tag_on_conversion_failure);
      if (s.pattern_field !== undefined) out[s.pattern_field] = match.expression;
    }
    emit(this.#stream, out);
  }
}
