import { Pool, type PoolClient } from 'pg';

export type { Pool, PoolClient };

/**
 * Creates the PostgreSQL pool used by the API, the relay and the activities. A connection that breaks (PostgreSQL
 * restarted) is reported through `onError` and dropped; the next query opens a new one. That holds for a connection
 * in use too: its query fails (and the request or activity with it), but the 'error' event its client then emits
 * must not go unheard, or Node ends the process — a PostgreSQL restart took the API down with it.
 */
export function createPool(connectionString: string, onError: (error: Error) => void, max = 10): Pool {
  const pool = new Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}

/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<Pool, 'query'>;

/** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
