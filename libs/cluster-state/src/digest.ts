import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal values always serialise (and hash) the same. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** A short content digest (sha256, first 16 hex digits) of any JSON value. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

/**
 * The digest of a channel upload (its text and binary files): the `specDigest` of channel views,
 * so a client can tell whether its files are the ones uploaded.
 */
export function uploadDigest(
  files: Readonly<Record<string, string>>,
  binaryFiles: Readonly<Record<string, string>>,
): string {
  return Object.keys(binaryFiles).length === 0 ? digestOf(files) : digestOf({ files, binaryFiles });
}
