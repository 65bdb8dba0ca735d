import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The Temporal CLI version built from source; later tags cannot be `go install`ed. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** Where the built CLI is cached, outside the work tree, so that a second run is instant. */
export function cachedCliPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'pipewright', `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds the Temporal CLI: `explicitPath` (TEMPORAL_CLI_PATH), then `temporal` on PATH, then the cached build,
 * then builds it with `go install` into the cache, printing progress through `say` because a cold build takes
 * minutes.
 */
export async function resolveTemporalCli(options: {
  explicitPath?: string;
  say: (line: string) => void;
}): Promise<string> {
  if (options.explicitPath) {
    if (await isExecutable(options.explicitPath)) return options.explicitPath;
    throw new Error(`TEMPORAL_CLI_PATH: ${options.explicitPath} is not an executable file`);
  }
  const onPath = await findOnPath('temporal');
  if (onPath) return onPath;
  const cached = cachedCliPath();
  if (await isExecutable(cached)) return cached;
  await buildTemporalCli(cached, options.say);
  return cached;
}

async function buildTemporalCli(target: string, say: (line: string) => void): Promise<void> {
  const go = await findOnPath('go');
  if (!go) {
    throw new Error(
      `The Temporal CLI is needed and was not found. Install Go (https://go.dev/dl) so it can be built, ` +
        `put a \`temporal\` binary on PATH, or set TEMPORAL_CLI_PATH.`,
    );
  }
  await mkdir(path.dirname(target), { recursive: true });
  // Build into a private folder and move the binary into place, so concurrent first runs never see half a file.
  const buildDir = await mkdtemp(path.join(path.dirname(target), 'build-'));
  say(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with \`go install\` (first run only).`);
  say(`This takes 4–12 minutes on 2 cores with an empty Go cache; the result is cached in ${path.dirname(target)}.`);
  const started = Date.now();
  const ticker = setInterval(
    () => say(`  still building the Temporal CLI… ${Math.round((Date.now() - started) / 1000)} s`),
    20_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', `${MODULE}@v${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, GOBIN: buildDir },
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000);
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install failed (exit ${code}):\n${stderr}`)),
      );
    });
    await rename(path.join(buildDir, 'temporal'), target);
    say(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
  } finally {
    clearInterval(ticker);
    await rm(buildDir, { recursive: true, force: true });
  }
}
