import type { RequestHandler } from 'express';
import { type ApiToken, findTokenByHash, hashToken } from '../db/tokens';
import type { Queryable } from '../db/pool';
import { type Permission, type Role, roleAllows } from '../domain';
import { HttpProblem } from './problem';

/** Who is calling; set by `authenticate` on every `/api` request. */
export interface Caller {
  tokenId: string;
  name: string;
  role: Role;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

/**
 * How long a token look-up (found or not) is trusted, so that a flood of requests costs one query per token and
 * not one each. A deleted token stops working at once in the process that deleted it, within this time in others.
 */
export const TOKEN_CACHE_MS = 5_000;
/** Look-ups kept at most; the oldest is dropped first, so random tokens cannot grow the cache. */
const TOKEN_CACHE_ENTRIES = 10_000;

export interface Authenticator {
  /** Checks `Authorization: Bearer <token>` against the stored token hashes; 401 without a valid one. */
  authenticate: RequestHandler;
  /** Forgets the cached look-ups of a token, so that its deletion takes effect at once in this process. */
  forget(tokenId: string): void;
}

export function createAuthenticator(db: Queryable, now: () => number = Date.now): Authenticator {
  const cache = new Map<string, { token: ApiToken | undefined; until: number }>();

  async function lookUp(secret: string): Promise<ApiToken | undefined> {
    const tokenHash = hashToken(secret);
    const cached = cache.get(tokenHash);
    if (cached && cached.until > now()) return cached.token;
    const token = await findTokenByHash(db, tokenHash);
    cache.delete(tokenHash);
    if (cache.size >= TOKEN_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(tokenHash, { token, until: now() + TOKEN_CACHE_MS });
    return token;
  }

  return {
    async authenticate(req, _res, next) {
      const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      if (!match?.[1]) {
        throw new HttpProblem(401, 'Unauthorized', 'Send Authorization: Bearer <token> with an API token.');
      }
      const token = await lookUp(match[1]);
      if (!token) throw new HttpProblem(401, 'Unauthorized', 'The token is not valid. It may have been deleted.');
      req.caller = { tokenId: token.id, name: token.name, role: token.role };
      next();
    },
    forget(tokenId) {
      for (const [tokenHash, entry] of cache) if (entry.token?.id === tokenId) cache.delete(tokenHash);
    },
  };
}

/** Lets the request through when the caller's role grants any of `permissions`; otherwise 403. */
export function allow(...permissions: Permission[]): RequestHandler {
  return (req, _res, next) => {
    const role = req.caller?.role;
    if (!role || !roleAllows(role, permissions)) {
      throw new HttpProblem(
        403,
        'Forbidden',
        `This needs a token with ${permissions.join(' or ')} permission; yours is ${role ?? 'unknown'}.`,
      );
    }
    next();
  };
}

/** The caller's name for revisions and audit lines. */
export const callerName = (caller: Caller | undefined): string => caller?.name ?? 'unknown';
