/**
 * The error table and its documentation stay in step (fastify's meta-test): every code has a
 * status of the API's set and a row in the README's "API errors" table, with that status; every
 * row names a code that exists.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiErrorCodes, apiErrorStatus } from '@drover/cluster-state';
import { describe, expect, it } from 'vitest';
import { toApiProblem } from './error-handler.js';
import { ApiProblem } from './errors.js';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'README.md'),
  'utf8',
);

/** `| `DRV_X` | 404 | ... |` rows of the README. */
function documented(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const m of readme.matchAll(/^\| `(DRV_[A-Z_]+)` \| (\d{3}) \|/gm))
    rows.set(m[1] as string, Number(m[2]));
  return rows;
}

describe('API errors', () => {
  it('are coded DRV_*, with statuses among 400 401 403 404 409 413 415 500 501 502 503 504', () => {
    for (const code of apiErrorCodes) {
      expect(code).toMatch(/^DRV_[A-Z_]+$/);
      expect([400, 401, 403, 404, 409, 413, 415, 500, 501, 502, 503, 504]).toContain(apiErrorStatus[code]);
    }
  });

  it('are each documented in the README with their status, and nothing else is', () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual([...apiErrorCodes].sort());
    for (const [code, status] of rows)
      expect(status).toBe(apiErrorStatus[code as keyof typeof apiErrorStatus]);
  });

  it('keep the cause of what they wrap, and a problem passes through unchanged', () => {
    const cause = new Error('boom');
    const wrapped = toApiProblem(cause);
    expect(wrapped.code).toBe('DRV_INTERNAL');
    expect(wrapped.cause).toBe(cause);
    const problem = new ApiProblem('DRV_CONFLICT', 'x');
    expect(toApiProblem(problem)).toBe(problem);
    expect(problem.statusCode).toBe(409);
  });
});
