/**
 * elasticsearch_output in the engine against the real dev OpenSearch node: daily indices per
 * device type, a dead node among the hosts, gzip, mapping conflicts to _ppf_errors with the
 * engine's reason, and a replay that leaves every document in the index exactly once.
 */
import { elasticsearchOutputSettings } from '@drover/channel-model';
import { connectSearch } from '@drover/search';
import { describe, expect, it } from 'vitest';
import { countDocuments, deadNodeUrl, searchRequest } from '../../../test/support/search.js';
import { droverServices } from '../../../test/support/services.js';
import { ElasticsearchOutput } from '../src/nodes/elasticsearch-output.js';
import type { Fields } from '../src/types.js';
import { inputToNode, quiet, TestInput, TestOutput } from './support/nodes.js';

describe('elasticsearch_output (real OpenSearch)', () => {
  it('indexes daily per device type, exactly once across a replay, conflicts to _ppf_errors', async () => {
    const node = droverServices('search').search.nodes[0] as string;
    const prefix = `it-${Date.now().toString(36)}`;
    const template = await searchRequest(node, 'PUT', `/_index_template/${prefix}`, {
      index_patterns: [`${prefix}-*`],
      template: { settings: { number_of_replicas: 0 }, mappings: { properties: { n: { type: 'long' } } } },
    });
    expect(template.status).toBe(200);
    const settings = elasticsearchOutputSettings.parse({
      hosts: [await deadNodeUrl(), node],
      index: `${prefix}-{device_type}-%Y.%m.%d`,
      compression: 'gzip',
      batch_size: 250,
      linger_ms: 20,
    });
    const client = connectSearch({ nodes: settings.hosts, compression: true, requestTimeoutMs: 10_000 });
    const output = new ElasticsearchOutput(settings, client, quiet);
    const input = new TestInput();
    const errors = new TestOutput();
    const engine = inputToNode(
      {
        input,
        fields: ['log', 'device_type', 'n', '_ppf_id', '_ppf_timestamp'],
        node: output,
        nodeName: 'es',
        errors,
      },
      { maxPending: 5000, messageTimeoutMs: 60_000 },
    );
    await engine.start();
    const day1 = Date.UTC(2026, 10, 28, 12);
    const day2 = Date.UTC(2026, 10, 29, 12);
    const events = () =>
      Array.from({ length: 2000 }, (_, i) => ({
        log: `line ${i}`,
        device_type: i % 2 === 0 ? 'linux' : 'apache',
        // Every 100th event has a value the mapping (long) refuses.
        n: i % 100 === 7 ? `not a number ${i}` : i,
        _ppf_id: `ev-${i}`,
        _ppf_timestamp: i < 1000 ? day1 : day2,
      }));
    for (let round = 0; round < 2; round++) {
      const outcomes = await Promise.all(events().map((e) => input.send(e)));
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    }
    await engine.drain(5000);

    expect(await countDocuments(node, `${prefix}-*`)).toBe(1980);
    expect(await countDocuments(node, `${prefix}-linux-2026.11.28`)).toBe(500);
    expect(await countDocuments(node, `${prefix}-apache-2026.11.29`)).toBe(490);
    // Each refused event, once per round, with the engine's reason and the whole event.
    expect(errors.fields()).toHaveLength(40);
    const first = errors.fields().find((e) => e._ppf_id === 'ev-7') as Fields;
    expect(first._ppf_error_message).toMatch(
      /^elasticsearch_output: 400 mapper_parsing_exception: failed to parse field \[n\] of type \[long\]/,
    );
    expect(JSON.parse(first._ppf_error_document as string)).toMatchObject({
      n: 'not a number 7',
      log: 'line 7',
    });
    expect(output.stats.stored).toBe(3960);
  });

  it('ensures its index template before the first documents, so the first daily index takes its mappings', async () => {
    const node = droverServices('search').search.nodes[0] as string;
    const prefix = `tpl-out-${Date.now().toString(36)}`;
    const body = {
      index_patterns: [`${prefix}-*`],
      template: { mappings: { properties: { device_type: { type: 'keyword' }, n: { type: 'long' } } } },
    };
    const settings = elasticsearchOutputSettings.parse({
      hosts: [node],
      index: `${prefix}-{device_type}-%Y.%m.%d`,
      template: { name: prefix, file: 'unused-here.json' },
      linger_ms: 5,
    });
    const output = new ElasticsearchOutput(settings, connectSearch({ nodes: [node] }), quiet, body);
    const input = new TestInput();
    const errors = new TestOutput();
    const engine = inputToNode(
      {
        input,
        fields: ['device_type', 'n', '_ppf_id', '_ppf_timestamp'],
        node: output,
        nodeName: 'es',
        errors,
      },
      { maxPending: 100, messageTimeoutMs: 30_000 },
    );
    await engine.start();
    const at = Date.UTC(2026, 10, 29, 12);
    const outcomes = await Promise.all([
      input.send({ device_type: 'linux', n: 1, _ppf_timestamp: at }),
      input.send({ device_type: 'linux', n: 'text', _ppf_timestamp: at }),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await engine.drain(5000);
    // The template was there before the index: n is a long, so the text was refused.
    expect(errors.fields()).toHaveLength(1);
    expect(await countDocuments(node, `${prefix}-linux-2026.11.29`)).toBe(1);
    const mapping = await searchRequest(node, 'GET', `/${prefix}-linux-2026.11.29/_mapping`);
    expect(JSON.stringify(mapping.body)).toContain('"device_type":{"type":"keyword"}');
  });
});
