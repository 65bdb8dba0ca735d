import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A 256-bit AES key and its id: the first 16 hex digits of its SHA-256, stored with what it seals. */
export interface SecretsKey {
  id: string;
  key: Buffer;
}

/** Where secrets' key comes from; each process that stores or reads secrets has one. */
export interface SecretsKeyring {
  /** The key to seal a new value with; without SECRETS_KEY, made and saved in DATA_DIR the first time. */
  forSealing(): Promise<SecretsKey>;
  /** The key to open stored values with; undefined when this process has none (no SECRETS_KEY, no key file). */
  forOpening(): Promise<SecretsKey | undefined>;
}

export const SECRETS_KEY_FILE = 'secrets-key';

const keyOf = (key: Buffer): SecretsKey => ({ id: createHash('sha256').update(key).digest('hex').slice(0, 16), key });

/** The key in a key file (base64 of 32 bytes), with the file made private to its owner if it was wider. */
async function readKeyFile(file: string): Promise<SecretsKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new Error(`${file} does not hold a secrets key (base64 of 32 bytes); restore it, or set SECRETS_KEY`);
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return keyOf(key);
}

/**
 * The key secrets are sealed with: SECRETS_KEY when set; else `<dataDir>/secrets-key`, made (mode 600) the first time
 * a value is stored. Every process that reads secrets (the worker) needs the same key as the one that stores them
 * (the API): one DATA_DIR shared by both, as with `npm start`, or the same SECRETS_KEY in each. A process only reads
 * the key file; it never makes one to read with, so a worker without the key says so instead of inventing another.
 */
export function secretsKeyring(source: { fromEnv?: Buffer; dataDir: string }): SecretsKeyring {
  const file = path.join(source.dataDir, SECRETS_KEY_FILE);
  let known: SecretsKey | undefined = source.fromEnv && keyOf(source.fromEnv);
  const opening = async () => (known ??= await readKeyFile(file));
  return {
    forOpening: opening,
    async forSealing() {
      const existing = await opening();
      if (existing) return existing;
      await mkdir(source.dataDir, { recursive: true });
      // Written aside and linked into place, so that no process can read a key file that is only half written.
      const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(draft, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      try {
        await link(draft, file);
      } catch (error) {
        // Another process made it first: use that one.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await unlink(draft);
      }
      const made = await readKeyFile(file);
      if (!made) throw new Error(`${file} vanished right after it was made`);
      known = made;
      return made;
    },
  };
}
