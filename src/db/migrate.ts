import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inTransaction, type Pool } from './pool';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
/** Any constant will do; it serialises migrations across processes starting at once. */
const MIGRATION_LOCK = 7_311_021;

/**
 * Applies every `migrations/NNN_*.sql` not yet recorded in `schema_migrations`, in order, each in its own
 * transaction, under an advisory lock so that several processes can start together. Returns the names applied.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql')).sort();
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.name));
    const pending = files.filter((name) => !applied.has(name));
    for (const name of pending) {
      await client.query(await readFile(path.join(MIGRATIONS_DIR, name), 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
    }
    return pending;
  });
}
