import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from './db/pool';
import { newTokenSecret, upsertToken } from './db/tokens';
import { Roles } from './domain';

const ADMIN_TOKEN_ID = 'admin';
const FILE_MODE = 0o600;

/** Where the admin token came from at this start, for the start-up banner and log. */
export type AdminToken =
  /** `ADMIN_TOKEN`: the admin token has this secret; it is not written anywhere. */
  | { source: 'env'; secret: string }
  /** `<dataDir>/admin-token`, read or newly made (mode 600). */
  | { source: 'file'; secret: string; file: string }
  /** Deleted over the API while other super_admin tokens exist: it stays deleted. */
  | { source: 'deleted' };

async function superAdminTokens(db: Queryable): Promise<{ admin: boolean; others: boolean }> {
  const { rows } = await db.query<{ admin: boolean; others: boolean }>(
    `SELECT coalesce(bool_or(id = $1), false) AS admin, coalesce(bool_or(id <> $1), false) AS others
     FROM api_tokens WHERE role = $2`,
    [ADMIN_TOKEN_ID, Roles.superAdmin],
  );
  return rows[0]!;
}

async function removeFile(file: string, why: string, warn: (message: string) => void): Promise<void> {
  const existed = await stat(file).then(
    () => true,
    () => false,
  );
  if (!existed) return;
  await rm(file, { force: true });
  warn(`Removed ${file}: ${why}.`);
}

/** The secret in the token file, or undefined when there is none; a file others could read is made mode 600 first. */
async function readTokenFile(file: string, warn: (message: string) => void): Promise<string | undefined> {
  const mode = await stat(file).then(
    (info) => info.mode & 0o777,
    () => undefined,
  );
  if (mode === undefined) return undefined;
  if ((mode & 0o077) !== 0) {
    await chmod(file, FILE_MODE);
    warn(`${file} could be read by other users (mode ${mode.toString(8)}); it is now mode 600.`);
  }
  return (await readFile(file, 'utf8')).trim() || undefined;
}

/**
 * Makes sure the `admin` super_admin token is what the operator configured, at every start:
 * - When it was deleted over the API and another super_admin token exists, it stays deleted (and a token file left
 *   from it is removed). When no super_admin token exists at all (the first start, or the last one was deleted),
 *   it is made, so that an installation can always be administered.
 * - `ADMIN_TOKEN` (`fromEnv`) sets its secret, and is not written to disk; a token file from an earlier start is
 *   removed, since it no longer holds the token.
 * - Otherwise the secret in `<dataDir>/admin-token` is kept (the file made mode 600 if others could read it), or a
 *   new one is made and saved there, mode 600.
 */
export async function ensureAdminToken(
  db: Queryable,
  options: { dataDir: string; fromEnv?: string; warn?: (message: string) => void },
): Promise<AdminToken> {
  const warn = options.warn ?? (() => undefined);
  const file = path.join(options.dataDir, 'admin-token');
  const existing = await superAdminTokens(db);
  if (!existing.admin && existing.others) {
    await removeFile(file, 'the admin token it held was deleted', warn);
    if (options.fromEnv) {
      warn(
        'ADMIN_TOKEN is set, but the admin token was deleted over the API and stays deleted; ' +
          'use a super_admin token you made, and unset ADMIN_TOKEN.',
      );
    }
    return { source: 'deleted' };
  }
  if (options.fromEnv) {
    await removeFile(file, 'ADMIN_TOKEN holds the admin token now', warn);
    await upsertToken(db, { id: ADMIN_TOKEN_ID, name: 'admin', role: Roles.superAdmin, secret: options.fromEnv });
    return { source: 'env', secret: options.fromEnv };
  }
  let secret = await readTokenFile(file, warn);
  if (!secret) {
    secret = newTokenSecret();
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, `${secret}\n`, { mode: FILE_MODE });
    await chmod(file, FILE_MODE);
  }
  await upsertToken(db, { id: ADMIN_TOKEN_ID, name: 'admin', role: Roles.superAdmin, secret });
  return { source: 'file', secret, file };
}
