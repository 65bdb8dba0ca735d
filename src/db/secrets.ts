import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MAX_SECRETS } from '../domain/secrets';
import type { SecretsKey, SecretsKeyring } from '../secrets-key';
import type { Queryable } from './pool';

/** A stored secret as lists show it: never its value. */
export interface SecretSummary {
  name: string;
  updatedAt: string;
}

/** A stored value that cannot be opened here: no key, another key, or a value changed in the database. */
export class SecretUnreadableError extends Error {
  override name = 'SecretUnreadableError';
}

interface SealedRow {
  name: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** AES-256-GCM with a fresh 96-bit nonce; the name is authenticated with the value. */
function seal(name: string, value: string, { id, key }: SecretsKey): Omit<SealedRow, 'name'> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { key_id: id, iv, ciphertext, tag: cipher.getAuthTag() };
}

function open(row: SealedRow, secretsKey: SecretsKey | undefined): string {
  if (!secretsKey) {
    throw new SecretUnreadableError(
      `secret "${row.name}" cannot be read: this process has no secrets key; set SECRETS_KEY (or share DATA_DIR) to the key the API stores secrets with`,
    );
  }
  if (row.key_id !== secretsKey.id) {
    throw new SecretUnreadableError(
      `secret "${row.name}" was stored with the key ${row.key_id}, and this process has the key ${secretsKey.id}; give it the same SECRETS_KEY as the API, or store the secret again`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', secretsKey.key, row.iv);
    decipher.setAAD(Buffer.from(row.name, 'utf8'));
    decipher.setAuthTag(row.tag);
    return Buffer.concat([decipher.update(row.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadableError(
      `secret "${row.name}" does not open with its key: it was changed in the database; store it again`,
    );
  }
}

/**
 * Stores (or replaces) a secret, sealed. Returns false when it is new and `MAX_SECRETS` are stored already. Two
 * creates racing past the count may leave one more; the cap bounds growth, it is not an exact quota.
 */
export async function putSecret(db: Queryable, name: string, value: string, secretsKey: SecretsKey): Promise<boolean> {
  const sealed = seal(name, value, secretsKey);
  const { rowCount } = await db.query(
    `INSERT INTO secrets (name, key_id, iv, ciphertext, tag)
     SELECT $1, $2, $3, $4, $5
     WHERE EXISTS (SELECT 1 FROM secrets WHERE name = $1) OR (SELECT count(*) FROM secrets) < $6
     ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext,
       tag = excluded.tag, updated_at = now()`,
    [name, sealed.key_id, sealed.iv, sealed.ciphertext, sealed.tag, MAX_SECRETS],
  );
  return rowCount === 1;
}

/** Every secret's name and when it last changed, by name. */
export async function listSecrets(db: Queryable): Promise<SecretSummary[]> {
  const { rows } = await db.query<{ name: string; updated_at: Date }>(
    'SELECT name, updated_at FROM secrets ORDER BY name',
  );
  return rows.map((row) => ({ name: row.name, updatedAt: row.updated_at.toISOString() }));
}

/** Deletes a secret; returns false when there was none by this name. */
export async function deleteSecret(db: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM secrets WHERE name = $1', [name]);
  return rowCount === 1;
}

/**
 * The values of the named secrets, opened with the keyring's key, and the names that are not stored. Throws a
 * SecretUnreadableError naming the secret (never its value) when one cannot be opened.
 */
export async function readSecretValues(
  db: Queryable,
  names: readonly string[],
  keyring: SecretsKeyring,
): Promise<{ values: Map<string, string>; missing: string[] }> {
  if (names.length === 0) return { values: new Map(), missing: [] };
  const { rows } = await db.query<SealedRow>(
    'SELECT name, key_id, iv, ciphertext, tag FROM secrets WHERE name = ANY($1::text[])',
    [names],
  );
  const secretsKey = rows.length > 0 ? await keyring.forOpening() : undefined;
  const values = new Map(rows.map((row) => [row.name, open(row, secretsKey)]));
  return { values, missing: names.filter((name) => !values.has(name)) };
}
