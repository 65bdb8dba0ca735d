import { inTransaction, type Pool, type PoolClient, type Queryable } from './pool';

/** The stored outcome of an action that already ran under this key, if any. */
export async function findActionRun<T extends object>(db: Queryable, key: string): Promise<T | undefined> {
  const { rows } = await db.query<{ result: T }>('SELECT result FROM action_runs WHERE key = $1', [key]);
  return rows[0]?.result;
}

/**
 * Runs an action's database effect at most once per key (`<enrollmentId>:<actionId>`): the ledger row, the
 * effect and its timeline line commit together. A retry after the commit finds the ledger row and returns the
 * stored result instead of acting again.
 */
export async function runOnce<T extends object>(
  pool: Pool,
  key: string,
  effect: (client: PoolClient) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (client) => {
    const claimed = await client.query(
      `INSERT INTO action_runs (key, result) VALUES ($1, '{}') ON CONFLICT (key) DO NOTHING`,
      [key],
    );
    if (claimed.rowCount === 0) return (await findActionRun<T>(client, key))!;
    const result = await effect(client);
    await client.query('UPDATE action_runs SET result = $2 WHERE key = $1', [key, JSON.stringify(result)]);
    return result;
  });
}
