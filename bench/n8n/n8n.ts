import { spawn } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The last n8n line that runs on Node 20 (2.x needs Node 24). */
export const N8N_VERSION = '1.123.81';

/**
 * The cache folder's package.json. `overrides`: xlsx's own tarball host is unreachable, so take the registry's
 * 0.18.5; isolated-vm 6 does not compile on Node 20. `allowScripts`: npm 11 runs only the install scripts listed here.
 */
const INSTALL_MANIFEST = {
  name: 'pipewright-n8n-bench',
  private: true,
  dependencies: { n8n: N8N_VERSION },
  overrides: { xlsx: '0.18.5', 'isolated-vm': '5.0.4' },
  allowScripts: { sqlite3: true },
};

const INSTALLED_MARKER = '.pipewright-installed';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Where n8n is installed: N8N_CACHE_DIR, else ~/.cache/pipewright/n8n-<version>, outside the work tree. */
export function n8nCacheDir(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return process.env.N8N_CACHE_DIR ?? path.join(cacheRoot, 'pipewright', `n8n-${N8N_VERSION}`);
}

/**
 * Installs n8n into the cache folder on first use (about 8 minutes and 1.8 GB), printing progress through `say`;
 * instant once installed. Returns the path of the n8n executable.
 */
export async function ensureN8n(say: (line: string) => void): Promise<string> {
  const dir = n8nCacheDir();
  const bin = path.join(dir, 'node_modules', '.bin', 'n8n');
  const manifest = JSON.stringify(INSTALL_MANIFEST, null, 2) + '\n';
  const marker = path.join(dir, INSTALLED_MARKER);
  if ((await exists(bin)) && (await readFile(marker, 'utf8').catch(() => '')) === manifest) return bin;

  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), manifest);
  say(`Installing n8n ${N8N_VERSION} into ${dir} (first run only: about 8 minutes and 1.8 GB).`);
  const started = Date.now();
  const ticker = setInterval(
    () => say(`  still installing n8n… ${Math.round((Date.now() - started) / 1000)} s`),
    30_000,
  );
  try {
    await runNpmInstall(dir, say);
  } finally {
    clearInterval(ticker);
  }
  if (!(await exists(bin))) throw new Error(`npm install in ${dir} finished without ${bin}; delete ${dir} and retry.`);
  await writeFile(marker, manifest);
  say(`Installed n8n ${N8N_VERSION} in ${Math.round((Date.now() - started) / 1000)} s.`);
  return bin;
}

async function runNpmInstall(dir: string, say: (line: string) => void): Promise<void> {
  // Native bindings are built here from source against this Node's own headers: prebuilt binaries and node-gyp's
  // header tarball are downloaded from hosts that may be unreachable.
  const nodeDir = path.resolve(path.dirname(process.execPath), '..');
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_build_from_source: 'true' };
  if (await exists(path.join(nodeDir, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = nodeDir;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const onOutput = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-6000);
      for (const line of chunk.toString().split('\n')) if (line.trim()) say(`  npm: ${line.trimEnd()}`);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm install in ${dir} failed (exit ${code}):\n${tail}`)),
    );
  });
}
