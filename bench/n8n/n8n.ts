import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForExit } from '../../src/child-process';
import { portInUse } from '../../src/net';
import { pipewrightCacheDir } from '../../src/temporal/cli';
import benchWorkflow from './workflow.json';

/** The last n8n line that runs on Node 20 (2.x needs Node 24). */
export const N8N_VERSION = '1.123.81';

/**
 * The cache folder's package.json. `overrides`: xlsx's own tarball host is unreachable, so take the registry's
 * 0.18.5; isolated-vm 6 does not compile on Node 20. `allowScripts` names every dependency with an install script:
 * n8n needs the native bindings of sqlite3 (its database) and isolated-vm (its default `vm` expression engine); the
 * rest are optional speed-ups, hot reload, a telemetry ping (@scarf/scarf) or version notices, so they stay off.
 */
const INSTALL_MANIFEST = {
  name: 'pipewright-n8n-bench',
  private: true,
  dependencies: { n8n: N8N_VERSION },
  overrides: { xlsx: '0.18.5', 'isolated-vm': '5.0.4' },
  allowScripts: {
    sqlite3: true,
    'isolated-vm': true,
    '@parcel/watcher': false,
    '@scarf/scarf': false,
    '@sentry-internal/node-native-stacktrace': false,
    'cpu-features': false,
    'msgpackr-extract': false,
    oracledb: false,
    protobufjs: false,
    ssh2: false,
  },
};

const INSTALLED_MARKER = '.pipewright-installed';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Where n8n is installed: N8N_CACHE_DIR, else ~/.cache/pipewright/n8n-<version>, outside the work tree. */
export function n8nCacheDir(): string {
  return process.env.N8N_CACHE_DIR ?? path.join(pipewrightCacheDir(), `n8n-${N8N_VERSION}`);
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
      // npm's warnings (peer-dependency conflicts inside n8n, unknown config keys) are hundreds of lines of noise;
      // the install-scripts ones say that a dependency gained a script that INSTALL_MANIFEST does not rule on.
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() && !/^npm warn (?!install-scripts)/.test(line)) say(`  npm: ${line.trimEnd()}`);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm install in ${dir} failed (exit ${code}):\n${tail}`)),
    );
  });
}

/** A running n8n serving the bench workflow. */
export interface N8nProcess {
  /** URL to POST one event to: JSON body {"eventId": string, "recordId": string} */
  webhookUrl: string;
  pid: number;
  /** SIGKILL, and resolve once the process has exited (as a crash would). */
  kill(): Promise<void>;
  /** Start n8n again on the same data dir; resolves once the webhook answers again. */
  restart(): Promise<void>;
  /** SIGTERM, wait for exit. */
  stop(): Promise<void>;
}

/** The Webhook node's path in workflow.json. */
const WEBHOOK_PATH = 'pipewright-bench';
/** The credential id that workflow.json's Postgres nodes refer to. */
const CREDENTIAL_ID = 'pipewrightPg0001';
/** n8n encrypts stored credentials with this key; a fixed one lets every command of one run read them. */
const ENCRYPTION_KEY = 'pipewright-bench-fixed-key';
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * Imports workflow.json and a Postgres credential for `databaseUrl` into a fresh n8n user folder under `dataDir`,
 * activates the workflow, starts `n8n start` on 127.0.0.1:`port` with its embedded SQLite in WAL mode, and resolves
 * once the webhook answers. n8n's output goes to `<dataDir>/n8n.log`.
 *
 * The Webhook node keeps n8n's default response mode, "Immediately" (onReceived): the 200 goes out before the
 * execution is even saved, so under load n8n holds acknowledged events in memory only, and a crash loses them (on
 * restart it re-runs just the executions it had saved as enqueued). "When Last Node Finishes" (lastNode) would
 * answer only after both queries ran, so a crash would lose only events that were never acknowledged, at the cost
 * of holding every request open for the whole execution.
 */
export async function startN8n(options: {
  bin: string;
  databaseUrl: string;
  port: number;
  dataDir: string;
  say: (line: string) => void;
}): Promise<N8nProcess> {
  const { bin, port, dataDir, say } = options;
  const userFolder = path.join(dataDir, 'n8n-user');
  await rm(userFolder, { recursive: true, force: true });
  await mkdir(path.join(userFolder, 'tmp'), { recursive: true });
  const env = n8nEnvironment(userFolder, port);
  const logPath = path.join(dataDir, 'n8n.log');

  const workflowFile = path.join(dataDir, 'n8n-workflow.json');
  const credentialsFile = path.join(dataDir, 'n8n-credentials.json');
  await writeFile(workflowFile, JSON.stringify(benchWorkflow, null, 2));
  await writeFile(credentialsFile, JSON.stringify([postgresCredential(options.databaseUrl)], null, 2));
  say('n8n: importing the workflow and the Postgres credential…');
  const setupStarted = Date.now();
  await runN8nCommand(bin, ['import:credentials', `--input=${credentialsFile}`], env, logPath);
  await runN8nCommand(bin, ['import:workflow', `--input=${workflowFile}`], env, logPath);
  await runN8nCommand(bin, ['update:workflow', `--id=${benchWorkflow.id}`, '--active=true'], env, logPath);
  say(`n8n: imported and activated in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s.`);

  const webhookUrl = `http://127.0.0.1:${port}/webhook/${WEBHOOK_PATH}`;
  /** The newest n8n process, also while it is starting. */
  let latest: ChildProcess | undefined;
  // A harness that exits without stop() must not leave n8n serving on the port.
  const killOnExit = () => {
    if (latest) signalGroup(latest, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  const launch = async (): Promise<ChildProcess> => {
    const started = Date.now();
    if (await portInUse(port)) throw new Error(`Port ${port} is already in use; n8n could not listen on it.`);
    say(`n8n: starting on 127.0.0.1:${port}…`);
    // Its own process group, so that kill() takes n8n's task runner down with it, as a crash of the host would.
    const child = await spawnLogged(bin, ['start'], env, logPath, { detached: true });
    latest = child;
    try {
      await waitUntilWebhookAnswers(webhookUrl, child, logPath);
    } catch (error) {
      await killGroup(child, 'SIGKILL');
      throw error;
    }
    say(`n8n: webhook live after ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid}).`);
    return child;
  };
  let running = await launch().catch((error: unknown) => {
    process.removeListener('exit', killOnExit);
    throw error;
  });

  return {
    webhookUrl,
    get pid() {
      return running.pid ?? -1;
    },
    async kill() {
      await killGroup(running, 'SIGKILL');
    },
    async restart() {
      if (isRunning(running)) throw new Error('n8n is still running: kill() or stop() it before restart().');
      running = await launch();
    },
    async stop() {
      const exited = waitForExit(running);
      signalGroup(running, 'SIGTERM', false);
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_TIMEOUT_MS).then(() => true)]);
      if (timedOut) say(`n8n: still running ${STOP_TIMEOUT_MS / 1000} s after SIGTERM; killing it.`);
      // Whatever n8n left running in its group (the task runner) goes too.
      await killGroup(running, 'SIGKILL');
      process.removeListener('exit', killOnExit);
    },
  };
}

/**
 * The environment of every n8n command of one run: one user folder (SQLite database, settings), one encryption
 * key, loopback only, and nothing that calls n8n's servers (telemetry, version notices, templates, banners,
 * community packages, license renewal).
 */
function n8nEnvironment(userFolder: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    N8N_USER_FOLDER: userFolder,
    // n8n makes folders in the temp dir at start (n8nDataTableUploads); keep them in the run's own folder.
    TMPDIR: path.join(userFolder, 'tmp'),
    N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
    DB_TYPE: 'sqlite',
    // A pool size above 0 switches n8n's SQLite to WAL mode: a webhook → Set workflow ran at 13 executions/s here
    // instead of 8.
    DB_SQLITE_POOL_SIZE: '4',
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PORT: String(port),
    N8N_PROTOCOL: 'http',
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_SECURE_COOKIE: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_DYNAMIC_BANNERS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'false',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
  };
}

/** n8n's import format for one Postgres credential; `data` in plain text is encrypted by the import. */
function postgresCredential(databaseUrl: string) {
  const url = new URL(databaseUrl);
  return {
    id: CREDENTIAL_ID,
    name: 'Pipewright PostgreSQL',
    type: 'postgres',
    data: {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: 'disable',
    },
  };
}

/**
 * Starts an n8n command with its output appended straight to the log file (no pipe through this process), so n8n
 * never stalls on a busy harness and its last words survive a crash of either side.
 */
async function spawnLogged(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logPath: string,
  options: { detached?: boolean } = {},
): Promise<ChildProcess> {
  const log = await open(logPath, 'a');
  try {
    return spawn(bin, args, { env, detached: options.detached ?? false, stdio: ['ignore', log.fd, log.fd] });
  } finally {
    await log.close();
  }
}

async function runN8nCommand(bin: string, args: string[], env: NodeJS.ProcessEnv, logPath: string): Promise<void> {
  const child = await spawnLogged(bin, args, env, logPath);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    const tail = (await readFile(logPath, 'utf8')).slice(-3000);
    throw new Error(`n8n ${args[0]} failed (exit ${code}); the end of ${logPath}:\n${tail}`);
  }
}

/**
 * Polls with a CORS preflight (OPTIONS), which n8n answers 204 only once the workflow's webhook is registered,
 * without running the workflow.
 */
async function waitUntilWebhookAnswers(webhookUrl: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(`n8n exited (${child.exitCode ?? child.signalCode}) before its webhook answered; see ${logPath}`);
    }
    const status = await fetch(webhookUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1', 'access-control-request-method': 'POST' },
      signal: AbortSignal.timeout(2000),
    }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 204) return;
    await sleep(250);
  }
  throw new Error(`n8n's webhook did not answer within ${READY_TIMEOUT_MS / 1000} s; see ${logPath}`);
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Signals the child's whole process group (or the child alone); a group that is already gone is fine. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals, wholeGroup = true): void {
  if (child.pid === undefined) return;
  try {
    process.kill(wholeGroup ? -child.pid : child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = waitForExit(child);
  signalGroup(child, signal);
  await exited;
}
