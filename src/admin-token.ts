import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from './db/pool';
import { newTokenSecret, upsertToken } from './db/tokens';
import { Roles } from './domain';

const ADMIN_TOKEN_ID = 'admin';

/**
 * Makes sure a super_admin token exists and returns its secret: ADMIN_TOKEN when set, else the one saved in
 * `<dataDir>/admin-token`, else a new one, saved there (mode 600) so the next start keeps it.
 */
export async function ensureAdminToken(db: Queryable, options: { dataDir: string; fromEnv?: string }): Promise<string> {
  const file = path.join(options.dataDir, 'admin-token');
  let secret = options.fromEnv ?? (await readFile(file, 'utf8').catch(() => undefined))?.trim();
  if (!secret) secret = newTokenSecret();
  await mkdir(options.dataDir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await upsertToken(db, { id: ADMIN_TOKEN_ID, name: 'admin', role: Roles.superAdmin, secret });
  return secret;
}
