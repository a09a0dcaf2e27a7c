/**
 * elasticsearch_output in the engine, against a scripted SearchClient: batching, per-item
 * outcomes, retries and their limit, rejected events in `_ppf_errors`. (Against the real engine:
 * test/elasticsearch-output.test.ts.)
 */
import { elasticsearchOutputSettings } from '@drover/channel-model';
import { type SearchClient, SearchRequestError } from '@drover/search';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inputToNode, quiet, TestInput, TestOutput } from '../../test/support/nodes.js';
import type { Fields } from '../types.js';
import { ElasticsearchOutput } from './elasticsearch-output.js';

type Answer = (ops: { index: string; id: string; doc: Fields }[]) => unknown;

/** A SearchClient that parses each bulk body and answers with what `answer` says (or throws it). */
class ScriptedClient implements SearchClient {
  readonly requests: { index: string; id: string; doc: Fields }[][] = [];
  readonly params: unknown[] = [];
  closed = false;
  constructor(public answer: Answer) {}
  async bulk(body: string, params?: unknown) {
    const lines = body.trimEnd().split('\n');
    const ops: { index: string; id: string; doc: Fields }[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const meta = (JSON.parse(lines[i] as string) as { index: { _index: string; _id: string } }).index;
      ops.push({ index: meta._index, id: meta._id, doc: JSON.parse(lines[i + 1] as string) as Fields });
    }
    this.requests.push(ops);
    this.params.push(params);
    const answer = this.answer(ops);
    if (answer instanceof Error) throw answer;
    return answer;
  }
  async getIndexTemplate() {
    return undefined;
  }
  async putIndexTemplate() {}
  async count() {
    return 0;
  }
  async close() {
    this.closed = true;
  }
}

const allStored: Answer = (ops) => ({ errors: false, items: ops.map(() => ({ index: { status: 201 } })) });

function pipeline(client: ScriptedClient, settings: Record<string, unknown>) {
  const input = new TestInput();
  const errors = new TestOutput();
  const output = new ElasticsearchOutput(
    elasticsearchOutputSettings.parse({
      hosts: ['http://127.0.0.1:9200'],
      index: 'logs-{kind}',
      ...settings,
    }),
    client,
    quiet,
  );
  const engine = inputToNode(
    {
      input,
      fields: ['msg', 'kind', 'n', '_ppf_id', '_ppf_timestamp'],
      node: output,
      nodeName: 'es',
      errors,
    },
    { maxPending: 10_000, messageTimeoutMs: 60_000 },
  );
  return { input, errors, output, engine };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('elasticsearch_output', () => {
  it('confirms each event once its bulk item is stored, ids from _ppf_id, in batches of batch_size', async () => {
    const client = new ScriptedClient(allStored);
    const { input, engine, output } = pipeline(client, { batch_size: 4, linger_ms: 5, pipeline: 'p1' });
    await engine.start();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => input.send({ msg: `m${i}`, kind: 'linux', _ppf_id: `id-${i}` })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(client.requests.map((r) => r.length)).toEqual([4, 4, 2]);
    expect(client.requests.flat().map((o) => o.id)).toEqual(Array.from({ length: 10 }, (_, i) => `id-${i}`));
    expect(client.requests[0]?.[0]).toMatchObject({ index: 'logs-linux', doc: { msg: 'm0', kind: 'linux' } });
    expect(client.params[0]).toEqual({ pipeline: 'p1' });
    await engine.drain(1000);
    expect(client.closed).toBe(true);
    expect(output.stats).toMatchObject({ bulks: 3, stored: 10, rejected: 0 });
  });

  it('cuts a batch before it would pass batch_bytes, and flushes a small one after linger_ms', async () => {
    vi.useFakeTimers();
    const client = new ScriptedClient(allStored);
    const { input, engine } = pipeline(client, { batch_size: 1000, batch_bytes: 400, linger_ms: 100 });
    await engine.start();
    const sent = Array.from({ length: 5 }, (_, i) =>
      input.send({ msg: 'x'.repeat(60), kind: 'k', _ppf_id: `${i}` }),
    );
    // ~165 bytes each: two fit under 400, the third would pass it.
    await vi.advanceTimersByTimeAsync(0);
    expect(client.requests.map((r) => r.length)).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(99);
    expect(client.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(client.requests.map((r) => r.length)).toEqual([2, 2, 1]);
    expect((await Promise.all(sent)).every((o) => o.ok)).toBe(true);
  });

  it('sends a refused document to _ppf_errors with the engine reason and the whole event, and retries 429s', async () => {
    vi.useFakeTimers();
    let round = 0;
    const client = new ScriptedClient((ops) => {
      round++;
      return {
        errors: true,
        items: ops.map((op) =>
          typeof op.doc.n === 'string'
            ? {
                index: {
                  status: 400,
                  error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [n]' },
                },
              }
            : op.id === 'busy' && round === 1
              ? {
                  index: {
                    status: 429,
                    error: { type: 'es_rejected_execution_exception', reason: 'queue full' },
                  },
                }
              : { index: { status: 201 } },
        ),
      };
    });
    const { input, engine, errors, output } = pipeline(client, { linger_ms: 1 });
    await engine.start();
    const sent = [
      input.send({ msg: 'ok', kind: 'a', n: 1, _ppf_id: 'good' }),
      input.send({ msg: 'bad', kind: 'a', n: 'NaN', _ppf_id: 'bad', extra: 'kept' }),
      input.send({ msg: 'later', kind: 'a', n: 2, _ppf_id: 'busy' }),
    ];
    await vi.advanceTimersByTimeAsync(1);
    expect(client.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200); // the backoff (100-200 ms for the first retry)
    expect(client.requests.map((r) => r.map((o) => o.id))).toEqual([['good', 'bad', 'busy'], ['busy']]);
    expect((await Promise.all(sent)).map((o) => o.ok)).toEqual([true, true, true]);
    expect(errors.fields()).toHaveLength(1);
    const error = errors.fields()[0] as Fields;
    expect(error._ppf_id).toBe('bad');
    expect(error._ppf_error_message).toBe(
      'elasticsearch_output: 400 mapper_parsing_exception: failed to parse field [n]',
    );
    // The whole event as its input produced it, undeclared fields included.
    expect(JSON.parse(error._ppf_error_document as string)).toMatchObject({
      msg: 'bad',
      n: 'NaN',
      extra: 'kept',
    });
    expect(output.stats).toMatchObject({ stored: 2, rejected: 1, retried: 1 });
  });

  it('retries a failed request with a growing backoff, then fails the events back to their input', async () => {
    vi.useFakeTimers();
    const client = new ScriptedClient(
      () => new SearchRequestError('CONNECTION', 'bulk: connect ECONNREFUSED'),
    );
    const { input, engine, output } = pipeline(client, {
      linger_ms: 1,
      max_retries: 3,
      retry_initial_ms: 100,
    });
    await engine.start();
    const sent = input.send({ msg: 'x', kind: 'a', _ppf_id: 'lost?' });
    await vi.advanceTimersByTimeAsync(1);
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = client.requests.length;
      while (client.requests.length === before) await vi.advanceTimersByTimeAsync(10);
      at.push(Date.now());
    }
    const outcome = await sent;
    expect(client.requests).toHaveLength(4);
    expect(outcome).toEqual({
      ok: false,
      reason: 'es: elasticsearch_output: not stored after 4 attempts: bulk: connect ECONNREFUSED',
    });
    expect(output.stats.failed).toBe(1);
    // Delays within [ceiling/2, ceiling] of 100, 200, 400 ms.
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
  });

  it('splits a batch the engine finds too large, and rejects a single document that still is', async () => {
    const client = new ScriptedClient((ops) =>
      ops.length > 1 || ops[0]?.id === 'huge'
        ? new SearchRequestError('RESPONSE', 'bulk: status 413', 413)
        : allStored(ops),
    );
    const { input, engine, errors } = pipeline(client, { batch_size: 4, linger_ms: 1 });
    await engine.start();
    const outcomes = await Promise.all(
      ['a', 'b', 'huge', 'c'].map((id) => input.send({ msg: id, kind: 'k', _ppf_id: id })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(errors.fields().map((e) => e._ppf_id)).toEqual(['huge']);
    expect(String(errors.fields()[0]?._ppf_error_message)).toMatch(/document too large/);
  });

  it('rejects at once an event it cannot name an index for, and reads the index from index_field first', async () => {
    const client = new ScriptedClient(allStored);
    const { input, engine, errors } = pipeline(client, { index_field: 'es_index', linger_ms: 1 });
    await engine.start();
    const outcomes = await Promise.all([
      input.send({ msg: 'no kind', _ppf_id: '1' }),
      input.send({ msg: 'kind', kind: 'apache', _ppf_id: '2' }),
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(errors.fields()[0]?._ppf_error_message).toMatch(/the event has no kind/);
    expect(client.requests.flat().map((o) => o.index)).toEqual(['logs-apache']);
  });

  it('fails what waits for a retry back to the inputs when closed', async () => {
    vi.useFakeTimers();
    const client = new ScriptedClient(() => new SearchRequestError('TIMEOUT', 'bulk: timeout'));
    const { input, engine } = pipeline(client, { linger_ms: 1, retry_initial_ms: 60_000 });
    await engine.start();
    const sent = input.send({ msg: 'x', kind: 'a', _ppf_id: '1' });
    await vi.advanceTimersByTimeAsync(5);
    const drained = engine.drain(10);
    await vi.advanceTimersByTimeAsync(20);
    await drained;
    expect((await sent).ok).toBe(false);
    expect(client.closed).toBe(true);
  });
});
