import { createHash } from 'node:crypto';
import type { Request } from 'express';
import {
  IDEMPOTENCY_KEY_TTL_HOURS,
  IdempotencyKeyReusedError,
  type StoredResponse,
  withIdempotency,
} from '../db/idempotency';
import type { Pool, PoolClient } from '../db/pool';
import { HttpProblem, unprocessable } from './problem';

const KEY_PATH = 'headers.idempotency-key';
const VALID_KEY = /^[\x21-\x7e]{1,200}$/;

/** The request's `Idempotency-Key`, if any; a 400 naming the header unless it is 1–200 visible ASCII characters. */
function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !VALID_KEY.test(key)) {
    throw new HttpProblem(400, 'Invalid Idempotency-Key', 'Idempotency-Key must be 1–200 visible ASCII characters.', [
      { path: KEY_PATH, message: 'use 1–200 visible ASCII characters (no spaces), e.g. a UUID' },
    ]);
  }
  return key;
}

/** JSON with every object's keys sorted, so that the same body sent with its keys in another order is the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) =>
    node !== null && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );
}

/** SHA-256 of what makes a request what it is: its method and route, its `If-Match`, and its body. */
function requestHash(route: string, req: Request): string {
  const request = canonicalJson({ route, ifMatch: req.get('if-match') ?? null, body: (req.body as unknown) ?? null });
  return createHash('sha256').update(request).digest('hex');
}

/**
 * Runs a write route's `work` in one transaction, once per `Idempotency-Key` of the caller's token: a repeat of the
 * same request (`route` is its method and path, e.g. `PATCH /api/records/r-1`) within 24 hours gets the first
 * answer; the same key with another request is a 422 naming the header, and runs nothing. Without a key it is a
 * plain transaction.
 */
export async function answerOnce(
  pool: Pool,
  req: Request,
  route: string,
  work: (db: PoolClient) => Promise<StoredResponse>,
): Promise<StoredResponse> {
  const key = idempotencyKey(req);
  if (key === undefined) return withIdempotency(pool, undefined, work);
  if (!req.caller) throw new Error(`${route}: an Idempotency-Key is scoped to its token, and this request has none`);
  try {
    return await withIdempotency(
      pool,
      { tokenId: req.caller.tokenId, key, requestHash: requestHash(route, req) },
      work,
    );
  } catch (error) {
    if (!(error instanceof IdempotencyKeyReusedError)) throw error;
    throw unprocessable(
      `This Idempotency-Key was sent in the last ${IDEMPOTENCY_KEY_TTL_HOURS} hours with another request. Use a new key for a new request; send the first request unchanged to get its answer again.`,
      [{ path: KEY_PATH, message: 'was used by this token for another method, path or body' }],
    );
  }
}
