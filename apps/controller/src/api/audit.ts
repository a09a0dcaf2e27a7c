/**
 * The audit log's writer: an onSend hook of the mutating scope (channel-commands plugin) that
 * appends one entry per request, whatever its answer: done, refused (401, 403) or failed. It
 * runs before the answer leaves, so a `channelctl audit` right after sees the entry; a write that
 * takes longer than WRITE_WAIT_MS finishes in the background, and one that fails is logged with
 * the whole entry (the log is then the only record: nothing is dropped silently).
 *
 * Requests without a valid token (401) are recorded at most UNAUTHENTICATED_BURST at once, then
 * one a second: a flood of them cannot fill etcd. Those not recorded are counted and the next
 * recorded one says how many there were; every entry is also logged (debug for the uncounted).
 */
import { type AuditAction, type AuditEntry, apiErrorBodySchema, auditResult } from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from './auth.js';
import type { AuditLog } from './ports.js';

/** How long an answer waits for its audit entry to be written. */
export const WRITE_WAIT_MS = 2000;
/** Entries being written at once, at most; past it, entries are logged only. */
export const MAX_PENDING_WRITES = 1000;
export const UNAUTHENTICATED_BURST = 60;

export interface AuditWriterOptions {
  readonly log: AuditLog;
  /** This controller's id. */
  readonly controller: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every mutating route: what its audit entries call the request. */
    audit?: AuditAction;
  }
}

const notes = new WeakMap<FastifyRequest, string>();

/** What a handler adds to its request's entry (`message` of an entry that succeeded). */
export function noteForAudit(request: FastifyRequest, note: string): void {
  notes.set(request, note);
}

/** The route's action: `config: { audit: 'start' }` on each mutating route. */
function actionOf(request: FastifyRequest): AuditAction | undefined {
  return request.routeOptions.config.audit;
}

function errorOf(payload: unknown): { code: string; message: string } | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const parsed = apiErrorBodySchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

const clip = (text: string, max = 512) => (text.length > max ? `${text.slice(0, max)}...` : text);

/** A token bucket: `burst` at once, then `perSecond`. */
class Bucket {
  #tokens: number;
  #at: number;
  constructor(
    readonly burst: number,
    readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }
  take(now: number): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** The onSend hook writing an audit entry for each request of its scope. */
export function auditWriter(options: AuditWriterOptions) {
  const { log, logger } = options;
  const now = options.now ?? (() => new Date());
  const unauthenticated = new Bucket(UNAUTHENTICATED_BURST, 1, now().getTime());
  let unrecorded = 0;
  let pending = 0;

  const write = (entry: AuditEntry): Promise<void> => {
    if (pending >= MAX_PENDING_WRITES) {
      logger.error({ audit: entry, pending }, 'audit entry not written to etcd: too many writes pending');
      return Promise.resolve();
    }
    pending++;
    return log.append(entry).then(
      () => {
        pending--;
      },
      (err: unknown) => {
        pending--;
        logger.error({ err, audit: entry }, 'audit entry not written to etcd');
      },
    );
  };

  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const action = actionOf(request);
    if (action === undefined) return payload;
    const status = reply.statusCode;
    const principal = principalOf(request);
    const params = request.params as { tenant?: unknown; channel?: unknown } | undefined;
    const error = status >= 400 ? errorOf(payload) : undefined;
    const entry: AuditEntry = {
      time: now().toISOString(),
      controller: options.controller,
      token: principal?.token ?? null,
      role: principal?.role ?? null,
      via: principal?.via ?? null,
      source: request.ip,
      method: request.method,
      path: clip(request.url.split('?')[0] ?? ''),
      action,
      channel:
        typeof params?.tenant === 'string' && typeof params.channel === 'string'
          ? clip(`${params.tenant}/${params.channel}`, 200)
          : null,
      status,
      result: auditResult(status),
      code: error?.code ?? null,
      message: error === undefined ? (notes.get(request) ?? null) : clip(error.message),
    };
    if (status === 401) {
      if (!unauthenticated.take(now().getTime())) {
        unrecorded++;
        logger.debug({ audit: entry }, 'audit: request without a valid token, over the rate: counted only');
        return payload;
      }
      if (unrecorded > 0) {
        entry.message = `${entry.message ?? ''} (and ${unrecorded} earlier request(s) without a valid token, over ${UNAUTHENTICATED_BURST} at once, not recorded)`;
        logger.warn({ unrecorded }, 'audit: requests without a valid token were counted, not recorded');
        unrecorded = 0;
      }
    }
    logger.info({ audit: entry }, 'audit');
    const written = write(entry);
    // The answer waits for the entry (read-your-writes), but not for long: etcd may be down.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([written, new Promise((resolve) => (timer = setTimeout(resolve, WRITE_WAIT_MS)))]);
    clearTimeout(timer);
    return payload;
  };
}
