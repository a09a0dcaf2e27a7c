/**
 * The API's token file (`api.token_file` of the platform file, `--token-file`): who may use a
 * controller's HTTP API. Each token has a name (what the audit log records) and a role:
 *
 *   tokens:
 *     - name: alice
 *       role: admin
 *       sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *     - name: night-shift
 *       role: operate
 *       token: 3f6c0c1e5b2d4a8e9f7a6b5c4d3e2f1a
 *
 * A token is given either as itself (`token`) or as its SHA-256 in hex (`sha256`, e.g.
 * `printf %s "$TOKEN" | sha256sum`), so the file on the controller hosts need not hold the secret.
 * Names and tokens are unique. Every problem is reported with file, line and column.
 *
 * Backward compatibility: a file holding a single word and nothing else (the single-token file
 * of before roles) is one token named `default` with role `admin`: it may still do everything.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Issue, ParseResult } from './issues.js';
import { issueAt, lineOf } from './source.js';
import { validateYaml } from './validate.js';

/**
 * The API's roles, each allowing everything the one before it does: `read` (every GET but the
 * audit log), `operate` (start, stop, reload; re-uploading a channel's unchanged files; the audit
 * log), `admin` (everything, uploading changed channel files included).
 */
export const API_ROLES = ['read', 'operate', 'admin'] as const;
export const apiRoleSchema = z.enum(API_ROLES);
export type ApiRole = z.infer<typeof apiRoleSchema>;

/** Whether `role` may do what needs `needed` (roles are ordered read < operate < admin). */
export function roleAllows(role: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(role) >= API_ROLES.indexOf(needed);
}

/** The name a single-token file's token gets (with role admin). */
export const LEGACY_TOKEN_NAME = 'default';

/** Token names: what the audit log shows. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** SHA-256 of a token, lowercase hex: how tokens are compared. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

// YAML reads `token: 123456` or a digest of digits as a number: the value must be quoted then.
const QUOTE = 'expected text: put the value in quotes';

const tokenEntrySchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        TOKEN_NAME,
        'a token name is 1 to 64 letters, digits, ".", "_", "@" or "-", not starting with a sign',
      ),
    role: apiRoleSchema,
    token: z.string(QUOTE).min(1, 'must not be empty').optional(),
    sha256: z
      .string(QUOTE)
      .regex(/^[0-9a-fA-F]{64}$/, "expected the token's SHA-256 as 64 hexadecimal digits")
      .optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.token !== undefined && entry.sha256 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'give either token or sha256, not both' });
    } else if (entry.token === undefined && entry.sha256 === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'the token is missing: give token or sha256' });
    }
  });

export const apiTokenFileSchema = z.strictObject({
  tokens: z.array(tokenEntrySchema).min(1, 'at least one token'),
});
type TokenFileInput = z.output<typeof apiTokenFileSchema>;

/** One token as the API compares it. */
export interface ApiToken {
  readonly name: string;
  readonly role: ApiRole;
  /** SHA-256 of the token, lowercase hex. */
  readonly sha256: string;
}

export interface ApiTokenFile {
  readonly tokens: readonly ApiToken[];
  /** The single-token format: one token, `default`, admin. */
  readonly legacy: boolean;
}

const digestOfEntry = (entry: TokenFileInput['tokens'][number]): string =>
  entry.sha256 !== undefined ? entry.sha256.toLowerCase() : tokenDigest(entry.token ?? '');

/** Parses and validates a token file's text (`file` names it in issues). */
export function parseApiTokenFile(
  text: string,
  options: { readonly file: string },
): ParseResult<ApiTokenFile> {
  const { file } = options;
  const word = text.trim();
  if (word === '') {
    return {
      ok: false,
      issues: [{ file, line: 1, column: 1, path: '', message: 'the token file is empty' }],
    };
  }
  // The format before roles: the token alone, one word (a YAML document has spaces, or starts
  // with a flow collection or a comment, or is a bare `tokens:`).
  if (/^\S+$/.test(word) && !/^[{[#]/.test(word) && !word.endsWith(':')) {
    return {
      ok: true,
      value: {
        tokens: [{ name: LEGACY_TOKEN_NAME, role: 'admin', sha256: tokenDigest(word) }],
        legacy: true,
      },
      issues: [],
    };
  }
  const parsed = validateYaml(text, file, apiTokenFileSchema, [
    (value, source) => {
      const issues: Issue[] = [];
      const names = new Map<string, number>();
      const digests = new Map<string, number>();
      value.tokens.forEach((entry, i) => {
        const sameName = names.get(entry.name);
        if (sameName !== undefined) {
          const line = lineOf(source, ['tokens', sameName, 'name']);
          issues.push(
            issueAt(
              source,
              ['tokens', i, 'name'],
              `duplicate token name "${entry.name}" (first at line ${line})`,
            ),
          );
        } else names.set(entry.name, i);
        const digest = digestOfEntry(entry);
        const sameToken = digests.get(digest);
        if (sameToken !== undefined) {
          const other = value.tokens[sameToken]?.name ?? '';
          const line = lineOf(source, ['tokens', sameToken]);
          issues.push(
            issueAt(
              source,
              ['tokens', i],
              `the same token as "${other}" (line ${line}): every token must be different`,
            ),
          );
        } else digests.set(digest, i);
      });
      return issues;
    },
  ]);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    value: {
      tokens: parsed.value.tokens.map((entry) => ({
        name: entry.name,
        role: entry.role,
        sha256: digestOfEntry(entry),
      })),
      legacy: false,
    },
    issues: [],
  };
}
