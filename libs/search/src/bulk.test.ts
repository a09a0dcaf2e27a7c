import { describe, expect, it } from 'vitest';
import { BulkResponseError, bulkOutcomes, encodeBulkItem, errorReason, itemOutcome } from './bulk.js';

describe('encodeBulkItem', () => {
  it('writes the action and the document as two NDJSON lines', () => {
    expect(encodeBulkItem({ op: 'index', index: 'logs', id: 'a1', routing: 'r' }, { msg: 'hi' })).toBe(
      '{"index":{"_index":"logs","_id":"a1","routing":"r"}}\n{"msg":"hi"}\n',
    );
    expect(encodeBulkItem({ op: 'create', index: 'logs' }, '{"n":1}')).toBe(
      '{"create":{"_index":"logs"}}\n{"n":1}\n',
    );
  });

  it('puts a pretty-printed JSON document back on one line', () => {
    expect(encodeBulkItem({ op: 'index', index: 'i' }, '{\n  "a": 1\n}')).toBe(
      '{"index":{"_index":"i"}}\n{"a":1}\n',
    );
  });
});

describe('bulk outcomes', () => {
  it('stores 2xx, and a 409 on create (the document is already there)', () => {
    expect(itemOutcome('index', 201, undefined).kind).toBe('stored');
    expect(itemOutcome('create', 409, { type: 'version_conflict_engine_exception' }).kind).toBe('stored');
    expect(itemOutcome('index', 409, { type: 'version_conflict_engine_exception' }).kind).toBe('rejected');
  });

  it('retries 429 and 5xx, rejects other 4xx with the engine reason and its causes', () => {
    expect(
      itemOutcome('index', 429, { type: 'es_rejected_execution_exception', reason: 'queue full' }),
    ).toEqual({
      kind: 'retry',
      status: 429,
      reason: 'es_rejected_execution_exception: queue full',
    });
    expect(itemOutcome('index', 503, undefined)).toEqual({
      kind: 'retry',
      status: 503,
      reason: 'status 503',
    });
    const error = {
      type: 'mapper_parsing_exception',
      reason: 'failed to parse field [n] of type [long]',
      caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "abc"' },
    };
    expect(itemOutcome('index', 400, error)).toEqual({
      kind: 'rejected',
      status: 400,
      reason:
        'mapper_parsing_exception: failed to parse field [n] of type [long] (caused by illegal_argument_exception: For input string: "abc")',
    });
    expect(errorReason('plain')).toBe('plain');
  });

  it('maps a filtered response to one outcome per action, in order', () => {
    const response = {
      errors: true,
      items: [
        { index: { status: 201 } },
        { index: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } },
        { index: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } } },
      ],
    };
    expect(bulkOutcomes(response, ['index', 'index', 'index']).map((o) => o.kind)).toEqual([
      'stored',
      'rejected',
      'retry',
    ]);
    expect(bulkOutcomes({ errors: false, items: [{ index: { status: 201 } }] }, ['index'])).toEqual([
      { kind: 'stored' },
    ]);
  });

  it('trusts nothing in a response whose items do not match the request', () => {
    expect(() => bulkOutcomes({ errors: false, items: [] }, ['index'])).toThrow(BulkResponseError);
    expect(() => bulkOutcomes({ errors: true, items: [{ create: { status: 201 } }] }, ['index'])).toThrow(
      /no index status/,
    );
    expect(() => bulkOutcomes('nope', ['index'])).toThrow(BulkResponseError);
  });
});
