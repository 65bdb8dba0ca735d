import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SECRETS_KEY_FILE, secretsKeyring } from '../../src/secrets-key';

describe('secretsKeyring', () => {
  const dataDir = () => mkdtemp(path.join(os.tmpdir(), 'pipewright-secrets-key-'));

  it('uses SECRETS_KEY when given and writes no file', async () => {
    const dir = await dataDir();
    const key = randomBytes(32);
    const keyring = secretsKeyring({ fromEnv: key, dataDir: dir });
    expect((await keyring.forSealing()).key).toEqual(key);
    expect((await keyring.forOpening())?.key).toEqual(key);
    await expect(stat(path.join(dir, SECRETS_KEY_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makes a key file readable by its owner only on the first seal, and every process of the DATA_DIR shares it', async () => {
    const dir = await dataDir();
    const reader = secretsKeyring({ dataDir: dir });
    expect(await reader.forOpening()).toBeUndefined();

    const [first, second] = await Promise.all([
      secretsKeyring({ dataDir: dir }).forSealing(),
      secretsKeyring({ dataDir: dir }).forSealing(),
    ]);
    expect(first).toEqual(second);
    const file = path.join(dir, SECRETS_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toEqual(first.key);
    expect(await reader.forOpening()).toEqual(first);
    expect(first.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('narrows a key file others may read, and refuses one that holds no key', async () => {
    const dir = await dataDir();
    const file = path.join(dir, SECRETS_KEY_FILE);
    await writeFile(file, `${randomBytes(32).toString('base64')}\n`);
    await chmod(file, 0o644);
    await secretsKeyring({ dataDir: dir }).forOpening();
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await writeFile(file, 'not a key\n');
    await expect(secretsKeyring({ dataDir: dir }).forOpening()).rejects.toThrow(/does not hold a secrets key/);
  });
});
