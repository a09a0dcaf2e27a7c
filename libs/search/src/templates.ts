/**
 * Index templates as channel resources (`elasticsearch_index_template`), ensured the way Kafka
 * topics are (libs/kafka-resources ensureTopics): created when missing, left alone when present,
 * reported (and, only when asked, replaced) when they differ.
 *
 * "The same" is decided by a digest of the declaration that Drover writes into the template's
 * `_meta.drover_declaration`: the engine normalises what it stores (settings as strings, nested
 * keys, mapping defaults), so comparing bodies field by field would call every template changed.
 * A template with the same name but another digest (changed in the channel, or by hand, or not
 * made by Drover) is a `mismatch`, replaced only with `overwrite`.
 */
import { createHash } from 'node:crypto';
import type { IndexTemplateBody, SearchClient } from './client.js';

export interface IndexTemplateSpec {
  readonly name: string;
  /** As `_index_template` takes it (index_patterns, template: {settings, mappings, aliases}, priority...). */
  readonly body: IndexTemplateBody;
  /** Replace a template of this name whose declaration differs (default false: report a mismatch). */
  readonly overwrite?: boolean;
}

export type IndexTemplateState = 'created' | 'present' | 'updated' | 'mismatch' | 'error';

export interface IndexTemplateReport {
  readonly spec: IndexTemplateSpec;
  readonly state: IndexTemplateState;
  readonly error?: string;
}

/** The key in `_meta` that holds the declaration's digest. */
export const DECLARATION_META_KEY = 'drover_declaration';

/** A stable digest of a template body: keys sorted at every level, sha256, hex. */
export function templateDigest(body: IndexTemplateBody): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value as Record<string, unknown>)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

/** The body sent: the declaration with its digest in `_meta` (other `_meta` keys kept). */
export function withDeclaration(body: IndexTemplateBody): IndexTemplateBody {
  return { ...body, _meta: { ...(body._meta ?? {}), [DECLARATION_META_KEY]: templateDigest(body) } };
}

/** Ensures each template, one after the other; an error on one is reported and the others go on. */
export async function ensureIndexTemplates(
  client: SearchClient,
  specs: readonly IndexTemplateSpec[],
): Promise<IndexTemplateReport[]> {
  const reports: IndexTemplateReport[] = [];
  for (const spec of specs) {
    try {
      const digest = templateDigest(spec.body);
      const existing = await client.getIndexTemplate(spec.name);
      if (existing === undefined) {
        await client.putIndexTemplate(spec.name, withDeclaration(spec.body));
        reports.push({ spec, state: 'created' });
      } else if (existing._meta?.[DECLARATION_META_KEY] === digest) {
        reports.push({ spec, state: 'present' });
      } else if (spec.overwrite === true) {
        await client.putIndexTemplate(spec.name, withDeclaration(spec.body));
        reports.push({ spec, state: 'updated' });
      } else {
        const found = existing._meta?.[DECLARATION_META_KEY];
        reports.push({
          spec,
          state: 'mismatch',
          error:
            found === undefined
              ? `index template ${spec.name} exists and was not made by Drover: left as it is (overwrite: true replaces it)`
              : `index template ${spec.name} exists with another declaration: left as it is (overwrite: true replaces it)`,
        });
      }
    } catch (err) {
      reports.push({ spec, state: 'error', error: err instanceof Error ? err.message : String(err) });
    }
  }
  return reports;
}
