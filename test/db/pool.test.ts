import { createPool, inTransaction, type Pool } from '../../src/db/pool';
import { createTestDatabase } from '../support/stack';

/**
 * A PostgreSQL restart breaks every connection, including those in use. Node ends a process whose client emits an
 * 'error' nobody listens to, which is how a PostgreSQL restart once took the API down with it.
 */
describe('the pool, when PostgreSQL drops a connection in use', () => {
  let pool: Pool;
  let admin: Pool;
  const reported: Error[] = [];

  beforeAll(async () => {
    const url = await createTestDatabase();
    pool = createPool(url, (error) => reported.push(error));
    admin = createPool(url, () => undefined);
  });
  afterAll(async () => {
    await Promise.all([pool.end(), admin.end()]);
  });

  it('fails the work in hand, reports the broken connection, and serves the next query on a new one', async () => {
    const work = inTransaction(pool, async (db) => {
      const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await db.query('SELECT pg_sleep(0.2)');
    });

    await expect(work).rejects.toThrow();
    expect(reported.length).toBeGreaterThan(0);
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});
