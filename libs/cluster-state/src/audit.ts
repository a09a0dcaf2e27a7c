/**
 * The audit log: one entry per API mutation, refused ones included, kept in etcd under
 * `audit/<time>-<random>` (libs/store keys.ts) so entries sort by time. Written by the controller
 * that answered the request, purged by the leader past the retention (platform file `audit`).
 * `GET /v1/audit` and `channelctl audit` show them.
 *
 *   {"time": "2026-11-23T03:12:45.120Z", "controller": "ctl1:7070", "token": "alice",
 *    "role": "operate", "via": "token", "source": "10.0.0.7", "method": "POST",
 *    "path": "/v1/channels/reftenant/receiver/stop", "action": "stop",
 *    "channel": "reftenant/receiver", "status": 200, "result": "ok", "code": null, "message": null}
 */
import { apiRoleSchema, parseDuration } from '@drover/channel-model';
import { z } from 'zod';

/** What a mutation does, by route (`login`: a console session opened with a token). */
export const AUDIT_ACTIONS = ['upload', 'start', 'stop', 'reload', 'login'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `ok` (2xx), `refused` (401: no valid token; 403: the role does not allow it), `failed` (any other error). */
export const auditResultSchema = z.enum(['ok', 'refused', 'failed']);
export type AuditResult = z.infer<typeof auditResultSchema>;

export const auditEntrySchema = z.object({
  /** When the controller answered (ISO 8601, UTC). */
  time: z.string().min(1),
  /** The controller that answered (its `--id`). */
  controller: z.string(),
  /** The token's name; null: none given, not a valid one, or no token file (open API). */
  token: z.string().nullable(),
  /** The token's role; `admin` for everyone on an open API; null when no valid token was given. */
  role: apiRoleSchema.nullable(),
  /** How it was authenticated: a bearer `token`, the web console's `session`, an `open` API; null: not. */
  via: z.enum(['token', 'session', 'loopback', 'open']).nullable(),
  /** The client's address as the controller saw it (no proxy header is trusted). */
  source: z.string(),
  method: z.string(),
  /** The request path, without the query. */
  path: z.string(),
  /** One of AUDIT_ACTIONS (a string, so entries of a newer controller still read). */
  action: z.string(),
  /** `tenant/channel`, as given in the path. */
  channel: z.string().nullable(),
  /** The HTTP status answered. */
  status: z.number().int(),
  result: auditResultSchema,
  /** The API error code of a refusal or failure (api-errors.ts). */
  code: z.string().nullable(),
  /** The error message; for an upload, what it did (`changed` or `unchanged`, and the digest). */
  message: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** `GET /v1/audit`: the entries since `since`, oldest first; `truncated` when only the newest `limit` are given. */
export const auditListSchema = z.object({
  since: z.string(),
  truncated: z.boolean(),
  entries: z.array(auditEntrySchema),
});
export type AuditList = z.infer<typeof auditListSchema>;

/** The result of an answered status. */
export function auditResult(status: number): AuditResult {
  if (status === 401 || status === 403) return 'refused';
  return status < 400 ? 'ok' : 'failed';
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * `--since` and `?since=`: a duration back from `now` (`90m`, `24h`, `7d`), or a time in ISO 8601
 * (`2026-11-23`, `2026-11-23T03:00`, `2026-11-23T03:00:00Z`; without a zone, local time of the
 * process that parses it; a date alone is midnight UTC, as JavaScript reads it).
 */
export function parseSince(text: string, now: Date): { time: Date } | { error: string } {
  const value = text.trim();
  const duration = parseDuration(value);
  if ('ms' in duration) return { time: new Date(now.getTime() - duration.ms) };
  const ms = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    return {
      error: `invalid time "${value}": expected a duration back from now (90m, 24h, 7d) or an ISO 8601 time (2026-11-23T03:00:00Z)`,
    };
  }
  return { time: new Date(ms) };
}
