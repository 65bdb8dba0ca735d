import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../domain';
import { bySeq, type Page, type PageRequest, toPage } from './page';
import type { Queryable } from './pool';

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** A new token secret: `pw_` and 32 random URL-safe characters. */
export function newTokenSecret(): string {
  return `pw_${randomBytes(24).toString('base64url')}`;
}

/** Tokens are stored as SHA-256 hashes; the secret itself is shown once and never kept. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Creates or replaces the token with this id. */
export async function upsertToken(
  db: Queryable,
  token: { id: string; name: string; role: Role; secret: string },
): Promise<void> {
  await db.query(
    `INSERT INTO api_tokens (id, name, role, token_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, token_hash = excluded.token_hash`,
    [token.id, token.name, token.role, hashToken(token.secret)],
  );
}

/** The token whose secret hashes to `tokenHash` (`hashToken`). */
export async function findTokenByHash(db: Queryable, tokenHash: string): Promise<ApiToken | undefined> {
  const { rows } = await db.query<{ id: string; name: string; role: Role; created_at: Date }>(
    'SELECT id, name, role, created_at FROM api_tokens WHERE token_hash = $1',
    [tokenHash],
  );
  const row = rows[0];
  return row && { id: row.id, name: row.name, role: row.role, createdAt: row.created_at.toISOString() };
}

export async function listTokens(db: Queryable, page: PageRequest): Promise<Page<ApiToken>> {
  const { rows } = await db.query<{ id: string; name: string; role: Role; created_at: Date; seq: string }>(
    'SELECT id, name, role, created_at, seq FROM api_tokens WHERE ($1::bigint IS NULL OR seq > $1) ORDER BY seq LIMIT $2',
    [page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page, bySeq, (row) => ({
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
  }));
}

/** Deletes a token; returns false when there was none with this id. */
export async function deleteToken(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM api_tokens WHERE id = $1', [id]);
  return rowCount === 1;
}
