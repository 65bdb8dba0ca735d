import type { RequestHandler } from 'express';
import { findTokenBySecret } from '../db/tokens';
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

/** Checks `Authorization: Bearer <token>` against the stored token hashes. */
export function authenticate(db: Queryable): RequestHandler {
  return async (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match?.[1]) {
      throw new HttpProblem(
        401,
        'Unauthorized',
        'Send Authorization: Bearer <token>. The admin token is in .data/admin-token.',
      );
    }
    const token = await findTokenBySecret(db, match[1]);
    if (!token) throw new HttpProblem(401, 'Unauthorized', 'The token is not valid. It may have been deleted.');
    req.caller = { tokenId: token.id, name: token.name, role: token.role };
    next();
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
