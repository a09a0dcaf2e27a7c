/**
 * The index template ensurer against a fake search client behind libs/search's SearchClient
 * interface: what it sends, the states it reports, and the reasons it gives. The real engine is
 * in test/e2e/index-templates.test.ts.
 */
import { type IndexTemplateResource, resourceKeyName } from '@drover/channel-model';
import { createLogger } from '@drover/platform';
import {
  DECLARATION_META_KEY,
  type IndexTemplateBody,
  type SearchClient,
  type SearchClientOptions,
  SearchRequestError,
  templateDigest,
} from '@drover/search';
import { describe, expect, it } from 'vitest';
import { searchEnsurer } from './index-templates.js';
import type { ResourceWork } from './plan.js';

const logger = createLogger('test', { level: 'silent', pretty: false });

/** Templates in memory; `refuse` makes a put fail as the engine would answer. */
class FakeSearch implements SearchClient {
  readonly templates = new Map<string, IndexTemplateBody>();
  readonly puts: string[] = [];
  refuse: SearchRequestError | undefined;
  closed = false;
  async bulk(): Promise<unknown> {
    throw new Error('not used');
  }
  async getIndexTemplate(name: string) {
    return this.templates.get(name);
  }
  async putIndexTemplate(name: string, body: IndexTemplateBody) {
    if (this.refuse !== undefined) throw this.refuse;
    this.puts.push(name);
    this.templates.set(name, body);
  }
  async count(): Promise<number> {
    return 0;
  }
  async close() {
    this.closed = true;
  }
}

const resource = (over: Partial<IndexTemplateResource> = {}): IndexTemplateResource => ({
  type: 'elasticsearch_index_template',
  cluster: 'search_front',
  name: 'logs',
  file: 'templates/logs.json',
  overwrite: false,
  ...over,
});

const work = (r: IndexTemplateResource, file: string | undefined): ResourceWork => ({
  key: `/drover/resources/t/c/${resourceKeyName(r)}`,
  tenant: 't',
  channel: 'c',
  resource: r,
  file,
  declaration: 'd',
  current: undefined,
});

const V1 = '{"index_patterns": ["logs-*"], "template": {"settings": {"number_of_shards": 1}}}';
const V2 = '{"index_patterns": ["logs-*"], "priority": 7}';

function setup() {
  const fake = new FakeSearch();
  const connected: SearchClientOptions[] = [];
  const ensurer = searchEnsurer(
    { search_front: { nodes: ['https://s1:9200'], auth: { username: 'drover', password: 'pw' } } },
    logger,
    (options) => {
      connected.push(options);
      return fake;
    },
  );
  return { fake, connected, ensurer };
}

describe('searchEnsurer', () => {
  it('creates a missing template from the shipped file, with its digest in _meta, then finds it present', async () => {
    const { fake, connected, ensurer } = setup();
    expect(await ensurer.ensure('search_front', [work(resource(), V1)])).toEqual([
      { state: 'created', error: undefined },
    ]);
    const body = JSON.parse(V1) as IndexTemplateBody;
    expect(fake.templates.get('logs')).toEqual({
      ...body,
      _meta: { [DECLARATION_META_KEY]: templateDigest(body) },
    });
    expect(await ensurer.ensure('search_front', [work(resource(), V1)])).toEqual([
      { state: 'present', error: undefined },
    ]);
    // One client per cluster, with the cluster's nodes and credentials.
    expect(connected).toEqual([
      expect.objectContaining({ nodes: ['https://s1:9200'], auth: { username: 'drover', password: 'pw' } }),
    ]);
    await ensurer.close?.();
    expect(fake.closed).toBe(true);
  });

  it('reports a changed file as a mismatch and leaves the template, or replaces it with overwrite', async () => {
    const { fake, ensurer } = setup();
    await ensurer.ensure('search_front', [work(resource(), V1)]);
    const [mismatch] = await ensurer.ensure('search_front', [work(resource(), V2)]);
    expect(mismatch?.state).toBe('mismatch');
    expect(mismatch?.error).toBe(
      'index template logs exists with another declaration: left as it is (overwrite: true replaces it)',
    );
    expect(fake.templates.get('logs')?.priority).toBeUndefined();
    expect(await ensurer.ensure('search_front', [work(resource({ overwrite: true }), V2)])).toEqual([
      { state: 'updated', error: undefined },
    ]);
    expect(fake.templates.get('logs')?.priority).toBe(7);
  });

  it('reports a template it did not make as a mismatch', async () => {
    const { fake, ensurer } = setup();
    fake.templates.set('logs', { index_patterns: ['logs-*'] });
    const [outcome] = await ensurer.ensure('search_front', [work(resource(), V1)]);
    expect(outcome).toEqual({
      state: 'mismatch',
      error:
        'index template logs exists and was not made by Drover: left as it is (overwrite: true replaces it)',
    });
  });

  it("gives the engine's refusal as the error, and goes on with the other templates", async () => {
    const { fake, ensurer } = setup();
    const other = resource({ name: 'metrics', file: 'templates/metrics.json' });
    fake.templates.set('metrics', { index_patterns: ['metrics-*'] });
    fake.refuse = new SearchRequestError(
      'RESPONSE',
      'put index template logs: illegal_argument_exception: unknown setting [index.nonsense]',
      400,
    );
    const outcomes = await ensurer.ensure('search_front', [work(resource(), V1), work(other, V1)]);
    expect(outcomes).toEqual([
      {
        state: 'error',
        error: 'put index template logs: illegal_argument_exception: unknown setting [index.nonsense]',
      },
      { state: 'mismatch', error: expect.stringMatching(/not made by Drover/) },
    ]);
  });

  it('says which file is missing or unreadable, without asking the engine', async () => {
    const { fake, ensurer } = setup();
    const outcomes = await ensurer.ensure('search_front', [
      work(resource(), undefined),
      work(resource({ name: 'broken' }), '{"index_patterns": '),
    ]);
    expect(outcomes[0]).toEqual({
      state: 'error',
      error: 'index template file "templates/logs.json" is not among the channel\'s files',
    });
    expect(outcomes[1]?.state).toBe('error');
    expect(outcomes[1]?.error).toMatch(/^templates\/logs\.json:1:\d+: not valid JSON/);
    expect(fake.puts).toEqual([]);
  });

  it('refuses a cluster the platform does not name, saying how to declare it', async () => {
    const { ensurer } = setup();
    await expect(
      ensurer.ensure('search_back', [work(resource({ cluster: 'search_back' }), V1)]),
    ).rejects.toThrow(
      'unknown search cluster "search_back": declare it with --search-cluster search_back=URL or under search.clusters in the platform file',
    );
  });
});
