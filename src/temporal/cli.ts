import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The Temporal CLI version built from source; later tags cannot be `go install`ed. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

/**
 * Where Pipewright caches the tools it builds (`$XDG_CACHE_HOME/pipewright`, else `~/.cache/pipewright`), outside
 * the work tree, so that a second run is instant.
 */
export function pipewrightCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'pipewright');
}

/** Where the built CLI is cached. */
export function cachedCliPath(): string {
  return path.join(pipewrightCacheDir(), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/** True when `file` exists and may be executed. */
export async function isExecutable(file: string): Promise<boolean> {
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
  await goInstallIntoCache({
    what: `the Temporal CLI v${TEMPORAL_CLI_VERSION}`,
    packages: [`${MODULE}@v${TEMPORAL_CLI_VERSION}`],
    targetDir: path.dirname(cached),
    expectedDuration: '4–12 minutes',
    withoutGo: 'put a `temporal` binary on PATH, or set TEMPORAL_CLI_PATH',
    say: options.say,
  });
  return cached;
}

/**
 * Builds Go commands with `go install <package>@<version>` into `targetDir`, where each binary is named after the
 * last element of its package path. Prints what it does and a line every 20 s through `say`, because a cold build
 * takes minutes and would otherwise look like a hang.
 */
export async function goInstallIntoCache(options: {
  /** What is built, for the progress lines: "the Temporal CLI v1.5.1". */
  what: string;
  /** `module/path/to/command@vX.Y.Z`, all from the same module version so one `go install` builds them. */
  packages: string[];
  targetDir: string;
  /** How long a cold build takes on 2 cores, for the first progress line: "4–12 minutes". */
  expectedDuration: string;
  /** What the user can do instead when Go is missing, for the error message. */
  withoutGo: string;
  say: (line: string) => void;
}): Promise<void> {
  const { what, say, targetDir } = options;
  const go = await findOnPath('go');
  if (!go) {
    throw new Error(
      `Cannot build ${what}: Go is not on PATH. Install Go (https://go.dev/dl) so it can be built, ` +
        `or ${options.withoutGo}.`,
    );
  }
  await mkdir(targetDir, { recursive: true });
  // Build into a private folder and move the binaries into place, so concurrent first runs never see half a file.
  const buildDir = await mkdtemp(path.join(targetDir, 'build-'));
  say(`Building ${what} with \`go install\` (first run only).`);
  say(
    `This takes ${options.expectedDuration} on 2 cores with an empty Go cache; the result is cached in ${targetDir}.`,
  );
  const started = Date.now();
  const ticker = setInterval(
    () => say(`  still building ${what}… ${Math.round((Date.now() - started) / 1000)} s`),
    20_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', ...options.packages], {
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
    for (const pkg of options.packages) {
      const binary = path.basename(pkg.split('@')[0]!);
      await rename(path.join(buildDir, binary), path.join(targetDir, binary));
    }
    say(`Built ${what} in ${Math.round((Date.now() - started) / 1000)} s.`);
  } finally {
    clearInterval(ticker);
    await rm(buildDir, { recursive: true, force: true });
  }
}
