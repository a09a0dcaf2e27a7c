import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bucketPath, eventTime, fileId, safeSegment } from './file-name.js';
import { gzipMember, wholeMembersLength } from './gzip-members.js';

describe('archive file names', () => {
  const fields: Record<string, unknown> = {
    device_type: 'apache',
    es_index: 'reftenant-apache-2026.11.23',
    nested: { x: 'a/b' },
  };
  const get = (p: string) =>
    p.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], fields);

  it('fills fields, UTC dates and leaves {_file_id} for the writer', () => {
    const t = new Date(Date.UTC(2026, 10, 3, 4, 5));
    expect(bucketPath('archive/{device_type}/%Y/%m/%d/%H%M%%-{_file_id}.log.gz', get, t)).toBe(
      'archive/apache/2026/11/03/0405%-{_file_id}.log.gz',
    );
    expect(bucketPath('{nested.x}/{missing}/{_file_id}', get, t)).toBe('a_b/_missing/{_file_id}');
  });

  it('makes field values one safe path segment', () => {
    expect(safeSegment('../../etc')).toBe('.._.._etc');
    expect(safeSegment('..')).toBe('_');
    expect(safeSegment('')).toBe('_missing');
  });

  it('names files by writer, opening time and number', () => {
    expect(fileId('processor-0', new Date(Date.UTC(2026, 10, 23, 5, 6, 7, 89)), 3)).toBe(
      'processor-0-20261123T050607089-3',
    );
  });

  it('reads event times as epoch ms or RFC 3339 only', () => {
    expect(eventTime(0)?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(eventTime('2026-11-23T05:00:00+01:00')?.toISOString()).toBe('2026-11-23T04:00:00.000Z');
    expect(eventTime('Nov 23 05:00:00')).toBeUndefined();
  });
});

describe('gzip members', () => {
  const a = gzipMember(Buffer.from('line 1\nline 2\n'), 6);
  const b = gzipMember(Buffer.from('line 3\n'), 6);

  it('concatenate into one gzip file that gunzip reads whole', () => {
    expect(gunzipSync(Buffer.concat([a, b])).toString()).toBe('line 1\nline 2\nline 3\n');
  });

  it('tell where the whole members end when the tail is torn or corrupt', () => {
    expect(wholeMembersLength(Buffer.concat([a, b]))).toBe(a.length + b.length);
    for (let cut = 1; cut < b.length; cut++) {
      expect(wholeMembersLength(Buffer.concat([a, b.subarray(0, cut)]))).toBe(a.length);
    }
    const corrupt = Buffer.concat([a, b]);
    corrupt[a.length + 22] = (corrupt[a.length + 22] ?? 0) ^ 0xff;
    expect(wholeMembersLength(corrupt)).toBe(a.length);
    expect(wholeMembersLength(Buffer.alloc(0))).toBe(0);
  });
});
