import { inTransaction, type Pool, type PoolClient, type Queryable } from './pool';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** How long a stored answer is given again; after that the key is forgotten and acts as a new one. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Expired answers each request that stores one deletes on its way, so the table holds about a day of answers. */
const PURGE_BATCH = 100;

const EXPIRED = `created_at <= now() - interval '${IDEMPOTENCY_KEY_TTL_HOURS} hours'`;

/** An `Idempotency-Key` with the token that sent it and the request it came with. */
export interface IdempotentRequest {
  /** The caller's token id: keys sent by different tokens never meet. */
  tokenId: string;
  key: string;
  /** SHA-256 (hex) of the request (method, route, body); the same key with another request is refused. */
  requestHash: string;
}

/** The token sent this key, within the last 24 hours, with another request. */
export class IdempotencyKeyReusedError extends Error {
  override name = 'IdempotencyKeyReusedError';
}

async function findResponse(db: Queryable, request: IdempotentRequest): Promise<StoredResponse | undefined> {
  const { rows } = await db.query<StoredResponse & { request_hash: string }>(
    `SELECT status, body, request_hash FROM idempotent_responses WHERE token_id = $1 AND key = $2 AND NOT (${EXPIRED})`,
    [request.tokenId, request.key],
  );
  const first = rows[0];
  if (!first) return undefined;
  if (first.request_hash !== request.requestHash) {
    throw new IdempotencyKeyReusedError(`Idempotency-Key "${request.key}" was used for another request`);
  }
  return { status: first.status, body: first.body };
}

/** Deletes a few expired answers, skipping any another transaction holds, so no request waits on the purge. */
async function purgeExpired(db: PoolClient): Promise<void> {
  await db.query(
    `DELETE FROM idempotent_responses WHERE (token_id, key) IN (
       SELECT token_id, key FROM idempotent_responses WHERE ${EXPIRED}
       ORDER BY created_at LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)`,
  );
}

/**
 * Runs `work` in one transaction and, when the request carried an Idempotency-Key, stores its answer in the same
 * transaction: a repeat from the same token with the same request (even one racing the first) gets the first answer
 * instead of acting again, for 24 hours. The same key with another request throws `IdempotencyKeyReusedError` and
 * runs nothing. Without a key it is a plain transaction.
 */
export async function withIdempotency(
  pool: Pool,
  request: IdempotentRequest | undefined,
  work: (db: PoolClient) => Promise<StoredResponse>,
): Promise<StoredResponse> {
  if (!request) return inTransaction(pool, work);
  try {
    return await inTransaction(pool, async (db) => {
      // An expired answer is forgotten, so the key acts as new. A repeat racing this request waits on this row lock.
      await db.query(`DELETE FROM idempotent_responses WHERE token_id = $1 AND key = $2 AND ${EXPIRED}`, [
        request.tokenId,
        request.key,
      ]);
      const first = await findResponse(db, request);
      if (first) return first;
      const response = await work(db);
      await db.query(
        `INSERT INTO idempotent_responses (token_id, key, request_hash, status, body) VALUES ($1, $2, $3, $4, $5)`,
        [request.tokenId, request.key, request.requestHash, response.status, JSON.stringify(response.body)],
      );
      await purgeExpired(db);
      return response;
    });
  } catch (error) {
    if (error instanceof IdempotencyKeyReusedError) throw error;
    // A request with the same key committed first while this one ran: this one's work was rolled back (its answer
    // could not be stored, or its work collided with the first's, e.g. on a record id); answer like the first.
    const first = await findResponse(pool, request);
    if (!first) throw error;
    return first;
  }
}
