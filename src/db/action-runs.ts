import { inTransaction, type Pool, type PoolClient } from './pool';

/**
 * Runs an action's database effect at most once per key (`<enrollmentId>:<actionId>`): the ledger row, the
 * effect and its timeline line commit together. A retry after the commit finds the ledger row and returns the
 * stored result instead of acting again.
 */
export async function runOnce<T extends object>(
  pool: Pool,
  key: string,
  effect: (client: PoolClient) => Promise<T>,
): Promise<{ result: T; firstRun: boolean }> {
  return inTransaction(pool, async (client) => {
    const claimed = await client.query(
      `INSERT INTO action_runs (key, result) VALUES ($1, '{}') ON CONFLICT (key) DO NOTHING`,
      [key],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await client.query<{ result: T }>('SELECT result FROM action_runs WHERE key = $1', [key]);
      return { result: rows[0]!.result, firstRun: false };
    }
    const result = await effect(client);
    await client.query('UPDATE action_runs SET result = $2 WHERE key = $1', [key, JSON.stringify(result)]);
    return { result, firstRun: true };
  });
}
