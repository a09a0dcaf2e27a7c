/** Index template resources against the real dev node: created, present, mismatch, updated. */
import { afterAll, describe, expect, it } from 'vitest';
import { countDocuments, searchRequest } from '../../../test/support/search.js';
import { droverServices } from '../../../test/support/services.js';
import { bulkOutcomes, encodeBulkItem } from '../src/bulk.js';
import { connectSearch } from '../src/client.js';
import { DECLARATION_META_KEY, ensureIndexTemplates, templateDigest } from '../src/templates.js';

const node = () => droverServices('search').search.nodes[0] as string;

describe('ensureIndexTemplates (real OpenSearch)', () => {
  const client = connectSearch({ nodes: [node()] });
  afterAll(() => client.close());

  it('creates a template, finds it present, reports a changed one, and replaces it only when asked', async () => {
    const name = `drover-tpl-${Date.now().toString(36)}`;
    const body = {
      index_patterns: [`${name}-*`],
      priority: 200,
      template: {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { properties: { device_type: { type: 'keyword' }, n: { type: 'long' } } },
      },
    };
    expect((await ensureIndexTemplates(client, [{ name, body }]))[0]?.state).toBe('created');
    // The engine stores it normalised (settings as strings...): the digest in _meta is what compares.
    const stored = await client.getIndexTemplate(name);
    expect(stored?._meta?.[DECLARATION_META_KEY]).toBe(templateDigest(body));
    expect((await ensureIndexTemplates(client, [{ name, body }]))[0]?.state).toBe('present');

    const changed = { ...body, priority: 201 };
    const mismatch = (await ensureIndexTemplates(client, [{ name, body: changed }]))[0];
    expect(mismatch?.state).toBe('mismatch');
    expect(mismatch?.error).toMatch(/another declaration: left as it is/);
    expect((await client.getIndexTemplate(name))?.priority).toBe(200);
    expect((await ensureIndexTemplates(client, [{ name, body: changed, overwrite: true }]))[0]?.state).toBe(
      'updated',
    );
    expect((await client.getIndexTemplate(name))?.priority).toBe(201);

    // A daily index made by a bulk write gets the template's mapping: a string for n is refused.
    const index = `${name}-linux-2026.11.29`;
    const outcomes = bulkOutcomes(
      await client.bulk(
        encodeBulkItem({ op: 'index', index, id: '1' }, { n: 1 }) +
          encodeBulkItem({ op: 'index', index, id: '2' }, { n: 'x' }),
      ),
      ['index', 'index'],
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'rejected']);
    expect(await countDocuments(node(), index)).toBe(1);
    const mapping = await searchRequest(node(), 'GET', `/${index}/_mapping`);
    expect(JSON.stringify(mapping.body)).toContain('"device_type":{"type":"keyword"}');
  });

  it('reports a template it did not make as a mismatch, and an engine error as an error', async () => {
    const name = `foreign-tpl-${Date.now().toString(36)}`;
    await client.putIndexTemplate(name, { index_patterns: [`${name}-*`] });
    const [foreign, broken] = await ensureIndexTemplates(client, [
      { name, body: { index_patterns: [`${name}-*`] } },
      {
        name: `${name}-bad`,
        body: { index_patterns: [`${name}-bad-*`], template: { settings: { nonsense: 1 } } },
      },
    ]);
    expect(foreign?.state).toBe('mismatch');
    expect(foreign?.error).toMatch(/not made by Drover/);
    expect(broken?.state).toBe('error');
    expect(broken?.error).toMatch(/put index template .*settings_exception|illegal_argument|unknown setting/);
  });
});
