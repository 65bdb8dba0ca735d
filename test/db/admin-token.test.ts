import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureAdminToken } from '../../src/admin-token';
import { createPool, type Pool } from '../../src/db/pool';
import { hashToken, newTokenSecret, upsertToken } from '../../src/db/tokens';
import { createTestDatabase, unique } from '../support/stack';

const ROOT = path.resolve(__dirname, '../..');
const ENV_SECRET = 'env-admin-secret-0123456789abcdef';

/** The admin token's lifecycle at start-up (docs/operations.md, "The admin token"), on a real database and disk. */
describe('the admin token at start-up', () => {
  let pool: Pool;
  let dataDir: string;
  let warnings: string[];
  const start = (fromEnv?: string) =>
    ensureAdminToken(pool, { dataDir, fromEnv, warn: (message) => warnings.push(message) });
  const file = () => path.join(dataDir, 'admin-token');
  const fileExists = () =>
    stat(file()).then(
      () => true,
      () => false,
    );
  const adminHash = async (): Promise<string | undefined> => {
    const { rows } = await pool.query<{ token_hash: string }>(`SELECT token_hash FROM api_tokens WHERE id = 'admin'`);
    return rows[0]?.token_hash;
  };
  const deleteAdmin = () => pool.query(`DELETE FROM api_tokens WHERE id = 'admin'`);
  const addSuperAdmin = () =>
    upsertToken(pool, { id: unique('ops'), name: 'ops', role: 'super_admin', secret: newTokenSecret() });

  beforeAll(async () => {
    pool = createPool(await createTestDatabase(), () => undefined);
  });
  beforeEach(async () => {
    await pool.query('DELETE FROM api_tokens');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-admin-token-'));
    warnings = [];
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('makes a token on the first start, saves it mode 600, and keeps it on the next start', async () => {
    const first = await start();
    expect(first).toEqual({ source: 'file', secret: expect.stringMatching(/^pw_/), file: file() });
    if (first.source !== 'file') throw new Error('unreachable');
    expect((await readFile(file(), 'utf8')).trim()).toBe(first.secret);
    expect((await stat(file())).mode & 0o777).toBe(0o600);
    expect(await adminHash()).toBe(hashToken(first.secret));

    expect(await start()).toEqual(first);
    expect(await adminHash()).toBe(hashToken(first.secret));
    expect(warnings).toEqual([]);
  });

  it('keeps a deleted admin token deleted while another super_admin token exists, and removes its file', async () => {
    await start();
    await addSuperAdmin();
    await deleteAdmin();

    const outcome = await start();
    expect(await adminHash()).toBeUndefined();
    expect(await fileExists()).toBe(false);
    expect(outcome).toEqual({ source: 'deleted' });

    const withEnv = await start(ENV_SECRET);
    expect(await adminHash()).toBeUndefined();
    expect(withEnv).toEqual({ source: 'deleted' });
    expect(warnings.join('\n')).toMatch(/ADMIN_TOKEN is set, but the admin token was deleted/);
  });

  it('makes the admin token again when no super_admin token is left, so the installation can be administered', async () => {
    await start();
    await deleteAdmin();
    const again = await start();
    const saved = (await readFile(file(), 'utf8')).trim();
    expect(await adminHash()).toBe(hashToken(saved));
    expect(again).toEqual({ source: 'file', secret: saved, file: file() });
  });

  it('sets the secret from ADMIN_TOKEN without writing it to disk, and removes a token file left from before', async () => {
    await start();
    expect(await fileExists()).toBe(true);

    const outcome = await start(ENV_SECRET);
    expect(await fileExists()).toBe(false);
    expect(await adminHash()).toBe(hashToken(ENV_SECRET));
    expect(outcome).toEqual({ source: 'env', secret: ENV_SECRET });
    expect(warnings).toEqual([`Removed ${file()}: ADMIN_TOKEN holds the admin token now.`]);

    await start(ENV_SECRET);
    expect(await fileExists()).toBe(false);
  });

  it('makes a token file other users could read mode 600, keeping its secret, and says so', async () => {
    const secret = newTokenSecret();
    await writeFile(file(), `${secret}\n`);
    await chmod(file(), 0o644);

    const outcome = await start();
    expect((await stat(file())).mode & 0o777).toBe(0o600);
    expect(await adminHash()).toBe(hashToken(secret));
    expect(outcome).toEqual({ source: 'file', secret, file: file() });
    expect(warnings).toEqual([`${file()} could be read by other users (mode 644); it is now mode 600.`]);
  });

  it('refuses to start an API process with the placeholder ADMIN_TOKEN, naming the variable', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        ADMIN_TOKEN: 'change-me-to-a-long-random-secret',
        DATABASE_URL: 'postgres://pipewright:pipewright@127.0.0.1:1/pipewright',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      },
    });
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/ADMIN_TOKEN: is a placeholder, not a secret/),
    });
  });
});
