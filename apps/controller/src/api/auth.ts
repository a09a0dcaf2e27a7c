/**
 * Who may do what: the one place that decides. Each plugin registers `requireRole(auth, role)`
 * as an onRequest hook of its scope (fastify encapsulation does the rest):
 *
 * | routes                                          | role needed | without a token            |
 * |-------------------------------------------------|-------------|----------------------------|
 * | /healthz, /readyz                               | none        | always (probes: no hook)   |
 * | every other GET (runners, channels, logs, meta) | read        | from loopback only         |
 * | GET /v1/audit                                   | operate     | never                      |
 * | POST /v1/channels/:t/:c/start, stop, reload     | operate     | never                      |
 * | PUT /v1/channels/:t/:c (upload)                 | operate; files that differ from the uploaded ones need admin (channel-commands plugin) |
 * | the console's page and session routes           | none (console plugin: no hook) |
 *
 * Tokens come from the token file (@drover/channel-model api-tokens.ts), each with a name and a
 * role (read < operate < admin); they are compared by SHA-256 in constant time. No token file: the
 * API is open, everyone is admin (bind it to loopback, the default). Refusals: 401
 * DRV_UNAUTHORIZED without a valid token, 403 DRV_FORBIDDEN naming the token, its role and the
 * role needed. The principal of a request (`principalOf`) is what the audit log records.
 *
 * The web console's session cookie (console/session.ts) stands for the token it was opened with,
 * role included, when no bearer token is given: on reads, and on mutations that also carry the
 * console's header (another site cannot add it: no CORS).
 */
import { timingSafeEqual } from 'node:crypto';
import { API_ROLES, type ApiRole, type ApiToken, roleAllows, tokenDigest } from '@drover/channel-model';
import type { FastifyRequest } from 'fastify';
import { CONSOLE_HEADER, sessionToken } from '../console/session.js';
import { ApiProblem } from './errors.js';

/** Who a request acts as. */
export interface Principal {
  /** The token's name; null: no token (a loopback read, or an open API). */
  readonly token: string | null;
  readonly role: ApiRole;
  /** How: a bearer token, a console session, a loopback read without a token, an open API. */
  readonly via: 'token' | 'session' | 'loopback' | 'open';
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** `operate or admin`: the roles that allow what needs `role`. */
export function rolesAllowing(role: ApiRole): string {
  return API_ROLES.slice(API_ROLES.indexOf(role)).join(' or ');
}

export function forbidden(principal: Principal, what: string, needed: ApiRole): ApiProblem {
  const who = principal.token === null ? 'a request without a token' : `token "${principal.token}"`;
  return new ApiProblem(
    'DRV_FORBIDDEN',
    `${who} has role ${principal.role}: ${what} needs role ${rolesAllowing(needed)}`,
  );
}

/** The API's tokens; `undefined` tokens: an open API. */
export class ApiAuth {
  readonly #tokens: readonly { readonly token: ApiToken; readonly digest: Buffer }[] | undefined;

  constructor(tokens: readonly ApiToken[] | undefined) {
    this.#tokens = tokens?.map((token) => ({ token, digest: Buffer.from(token.sha256, 'hex') }));
  }

  get open(): boolean {
    return this.#tokens === undefined;
  }

  /** The token whose console session the request carries, if any. */
  sessionOf(request: FastifyRequest): ApiToken | undefined {
    return this.#tokens === undefined
      ? undefined
      : sessionToken(
          request,
          this.#tokens.map((e) => e.token),
        );
  }

  /** The token a secret is, by its SHA-256 (every entry compared, in constant time). */
  tokenOf(secret: string): ApiToken | undefined {
    const digest = Buffer.from(tokenDigest(secret), 'hex');
    let found: ApiToken | undefined;
    for (const entry of this.#tokens ?? []) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.token;
    }
    return found;
  }

  /**
   * The principal of a request: from its bearer token when it gives one (401 when not a valid
   * one), else its console session (a mutation needs the console's header too), else a loopback
   * read's anonymous `read` when `loopbackReads` allows it, else 401.
   */
  principal(request: FastifyRequest, loopbackReads: boolean, needed: ApiRole): Principal {
    if (this.#tokens === undefined) return { token: null, role: 'admin', via: 'open' };
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      const session = this.sessionOf(request);
      if (session !== undefined) {
        const read = request.method === 'GET' || request.method === 'HEAD';
        if (!read && request.headers[CONSOLE_HEADER] === undefined) {
          throw new ApiProblem(
            'DRV_UNAUTHORIZED',
            `a console session needs the ${CONSOLE_HEADER} header on mutations`,
          );
        }
        return { token: session.name, role: session.role, via: 'session' };
      }
      if (loopbackReads && isLoopback(request.socket.remoteAddress)) {
        return { token: null, role: 'read', via: 'loopback' };
      }
      throw new ApiProblem(
        'DRV_UNAUTHORIZED',
        needed === 'read'
          ? 'missing bearer token'
          : `missing bearer token: this needs a token of role ${rolesAllowing(needed)}`,
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1] === undefined ? undefined : this.tokenOf(match[1]);
    if (token === undefined) throw new ApiProblem('DRV_UNAUTHORIZED', 'invalid bearer token');
    return { token: token.name, role: token.role, via: 'token' };
  }
}

const principals = new WeakMap<FastifyRequest, Principal>();

/** Who the request acts as, once its scope's `requireRole` hook has run (else undefined). */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/** Records who a request acts as where no `requireRole` hook runs (the console's session route). */
export function actAs(request: FastifyRequest, principal: Principal): void {
  principals.set(request, principal);
}

/**
 * onRequest hook: the request needs `role`. `loopbackReads`: a request from loopback without a
 * token acts as an anonymous `read` (DESIGN.md: reads need no token on loopback).
 */
export function requireRole(
  auth: ApiAuth,
  role: ApiRole,
  options: { readonly loopbackReads?: boolean } = {},
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const principal = auth.principal(request, options.loopbackReads === true, role);
    principals.set(request, principal);
    if (!roleAllows(principal.role, role)) {
      throw forbidden(principal, `${request.method} ${request.url.split('?')[0]}`, role);
    }
  };
}
