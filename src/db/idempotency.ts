import { DatabaseError } from 'pg';
import { inTransaction, type Pool, type PoolClient } from './pool';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const UNIQUE_VIOLATION = '23505';

async function findResponse(db: PoolClient, scope: string, key: string): Promise<StoredResponse | undefined> {
  const { rows } = await db.query<StoredResponse>(
    'SELECT status, body FROM idempotent_responses WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  return rows[0];
}

/**
 * Runs `work` in one transaction and, when the request carried an Idempotency-Key, stores its answer in the same
 * transaction: a repeat (even one racing the first) gets the first answer instead of acting again. Without a key
 * it is a plain transaction.
 */
export async function withIdempotency(
  pool: Pool,
  scope: string,
  key: string | undefined,
  work: (db: PoolClient) => Promise<StoredResponse>,
): Promise<StoredResponse> {
  if (!key) return inTransaction(pool, work);
  try {
    return await inTransaction(pool, async (db) => {
      const first = await findResponse(db, scope, key);
      if (first) return first;
      const response = await work(db);
      await db.query('INSERT INTO idempotent_responses (scope, key, status, body) VALUES ($1, $2, $3, $4)', [
        scope,
        key,
        response.status,
        JSON.stringify(response.body),
      ]);
      return response;
    });
  } catch (error) {
    // The same key committed first in a concurrent request: this one's work was rolled back; answer like the first.
    if (!(
      error instanceof DatabaseError &&
      error.code === UNIQUE_VIOLATION &&
      error.constraint === 'idempotent_responses_pkey'
    )) {
      throw error;
    }
    return inTransaction(pool, async (db) => (await findResponse(db, scope, key))!);
  }
}
