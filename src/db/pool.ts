import { Pool, type PoolClient } from 'pg';

export type { Pool, PoolClient };

/**
 * Creates the PostgreSQL pool used by the API, the relay and the activities. An idle connection that breaks
 * (PostgreSQL restarted) is dropped and reported through `onIdleError`; the next query opens a new one.
 */
export function createPool(connectionString: string, onIdleError: (error: Error) => void, max = 10): Pool {
  const pool = new Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  pool.on('error', onIdleError);
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
