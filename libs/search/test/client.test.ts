/** The OpenSearch adapter against the real dev node (deploy/dev/services up search). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../../test/support/certs.js';
import {
  countDocuments,
  createIndex,
  deadNodeUrl,
  searchRequest,
  startTlsFront,
  type TlsFront,
} from '../../../test/support/search.js';
import { droverServices } from '../../../test/support/services.js';
import { bulkOutcomes, encodeBulkItem } from '../src/bulk.js';
import { connectSearch, type SearchClient, SearchRequestError } from '../src/client.js';

const node = () => droverServices('search').search.nodes[0] as string;
const suffix = Date.now().toString(36);

describe('connectSearch (real OpenSearch)', () => {
  const clients: SearchClient[] = [];
  const open = (...args: Parameters<typeof connectSearch>) => {
    const client = connectSearch(...args);
    clients.push(client);
    return client;
  };
  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  it('indexes NDJSON, gzip or not, and reports a mapping conflict per item with the engine reason', async () => {
    const index = `t-bulk-${suffix}`;
    await createIndex(node(), index, { properties: { n: { type: 'long' } } });
    for (const compression of [false, true]) {
      const client = open({ nodes: [node()], compression });
      const body = [
        encodeBulkItem({ op: 'index', index, id: `${compression}-1` }, { n: 1 }),
        encodeBulkItem({ op: 'index', index, id: `${compression}-2` }, { n: 'not a number' }),
        encodeBulkItem({ op: 'index', index, id: `${compression}-3` }, { n: 3 }),
      ].join('');
      const outcomes = bulkOutcomes(await client.bulk(body), ['index', 'index', 'index']);
      expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'rejected', 'stored']);
      expect(outcomes[1]).toMatchObject({ status: 400 });
      expect(outcomes[1]?.kind === 'rejected' && outcomes[1].reason).toMatch(
        /^mapper_parsing_exception: failed to parse field \[n\] of type \[long\]/,
      );
    }
    expect(await countDocuments(node(), index)).toBe(4);
  });

  it('replays: index overwrites by _id, create answers 409 (stored) for a document already there', async () => {
    const index = `t-replay-${suffix}`;
    const client = open({ nodes: [node()] });
    for (let round = 0; round < 2; round++) {
      const body =
        encodeBulkItem({ op: 'index', index, id: 'same' }, { round }) +
        encodeBulkItem({ op: 'create', index, id: 'made' }, { round });
      const outcomes = bulkOutcomes(await client.bulk(body), ['index', 'create']);
      expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'stored']);
    }
    expect(await countDocuments(node(), index)).toBe(2);
    const doc = await searchRequest(node(), 'GET', `/${index}/_doc/same`);
    expect(doc.body._source).toEqual({ round: 1 });
  });

  it('sends documents through an ingest pipeline when asked', async () => {
    const index = `t-pipe-${suffix}`;
    const pipeline = `p-${suffix}`;
    const put = await searchRequest(node(), 'PUT', `/_ingest/pipeline/${pipeline}`, {
      processors: [{ set: { field: 'via', value: 'ingest' } }],
    });
    expect(put.status).toBe(200);
    const client = open({ nodes: [node()] });
    const outcomes = bulkOutcomes(
      await client.bulk(encodeBulkItem({ op: 'index', index, id: 'p1' }, { msg: 'x' }), { pipeline }),
      ['index'],
    );
    expect(outcomes[0]?.kind).toBe('stored');
    expect((await searchRequest(node(), 'GET', `/${index}/_doc/p1`)).body._source).toEqual({
      msg: 'x',
      via: 'ingest',
    });
  });

  it('skips a dead node: every request succeeds on the live one', async () => {
    const index = `t-dead-${suffix}`;
    const client = open({ nodes: [await deadNodeUrl(), node()], requestTimeoutMs: 5_000 });
    for (let i = 0; i < 6; i++) {
      const outcomes = bulkOutcomes(
        await client.bulk(encodeBulkItem({ op: 'index', index, id: `d${i}` }, { i })),
        ['index'],
      );
      expect(outcomes[0]?.kind).toBe('stored');
    }
    expect(await countDocuments(node(), index)).toBe(6);
  });

  it('fails with a transient CONNECTION error when no node answers', async () => {
    const client = open({ nodes: [await deadNodeUrl()], requestTimeoutMs: 2_000 });
    const err = await client.bulk(encodeBulkItem({ op: 'index', index: 'x' }, {})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SearchRequestError);
    expect((err as SearchRequestError).code).toBe('CONNECTION');
    expect((err as SearchRequestError).transient).toBe(true);
  });

  it('puts and reads back composable index templates', async () => {
    const client = open({ nodes: [node()] });
    const name = `tpl-${suffix}`;
    expect(await client.getIndexTemplate(name)).toBeUndefined();
    await client.putIndexTemplate(name, {
      index_patterns: [`tpl-${suffix}-*`],
      priority: 10,
      template: { mappings: { properties: { device_type: { type: 'keyword' } } } },
    });
    const got = await client.getIndexTemplate(name);
    expect(got?.index_patterns).toEqual([`tpl-${suffix}-*`]);
    expect(got?.template?.mappings).toEqual({ properties: { device_type: { type: 'keyword' } } });
  });
});

describe('connectSearch over TLS with basic auth', () => {
  const pki = createTestPki();
  let front: TlsFront;
  beforeAll(async () => {
    front = await startTlsFront({
      target: node(),
      cert: pki.server.cert,
      key: pki.server.key,
      username: 'drover',
      password: 's3cret',
    });
  });
  afterAll(() => front.close());

  it('verifies the node against the CA and authenticates', async () => {
    const index = `t-tls-${suffix}`;
    const client = connectSearch({
      nodes: [front.url],
      tls: { ca: pki.ca.cert },
      auth: { username: 'drover', password: 's3cret' },
      compression: true,
    });
    try {
      const outcomes = bulkOutcomes(
        await client.bulk(encodeBulkItem({ op: 'index', index, id: 't' }, { a: 1 })),
        ['index'],
      );
      expect(outcomes[0]?.kind).toBe('stored');
      expect(await countDocuments(node(), index)).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('refuses a node signed by another CA, and reports a wrong password as a non-transient 401', async () => {
    const rogue = connectSearch({
      nodes: [front.url],
      tls: { ca: pki.rogueCa.cert },
      requestTimeoutMs: 3_000,
    });
    const wrong = connectSearch({
      nodes: [front.url],
      tls: { ca: pki.ca.cert },
      auth: { username: 'drover', password: 'nope' },
    });
    try {
      const e1 = (await rogue
        .bulk(encodeBulkItem({ op: 'index', index: 'x' }, {}))
        .catch((e: unknown) => e)) as SearchRequestError;
      expect(e1.code).toBe('CONNECTION');
      expect(e1.message).toMatch(/certificate/i);
      const e2 = (await wrong
        .bulk(encodeBulkItem({ op: 'index', index: 'x' }, {}))
        .catch((e: unknown) => e)) as SearchRequestError;
      expect(e2).toMatchObject({ code: 'RESPONSE', status: 401 });
      expect(e2.transient).toBe(false);
      expect(e2.message).toMatch(/security_exception/);
    } finally {
      await rogue.close();
      await wrong.close();
    }
  });
});
