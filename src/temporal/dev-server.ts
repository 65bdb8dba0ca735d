import { type ChildProcess, spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { waitForExit } from '../child-process';
import { portInUse } from '../net';
import { DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS } from './search-attributes';

/**
 * Dev-server flags measured on a 2-core machine (see docs/architecture.md): WAL and relaxed fsync on the SQLite file,
 * and one task-queue partition, took the bare baseline from 22 to 50 workflows/s.
 */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** SQLite file that keeps workflows and timers across restarts; in memory when absent. */
  dbFile?: string;
  /** Port of the Web UI; no UI when absent. */
  uiPort?: number;
  namespace?: string;
  startTimeoutMs?: number;
  /** Dynamic config values on top of the tuning (tests lower limits with them). */
  dynamicConfig?: Record<string, string | number>;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** Stops the server with SIGTERM (SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/** Starts `temporal server start-dev` and resolves once it answers gRPC requests. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (await portInUse(options.port)) {
    throw new Error(
      `Port ${options.port} is already in use, so the Temporal dev server cannot start. ` +
        `Is another Pipewright running? Stop it, or set TEMPORAL_DEV_PORT (or TEMPORAL_ADDRESS to use that server).`,
    );
  }
  const address = `127.0.0.1:${options.port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'error',
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...DEV_SERVER_TUNING,
    ...DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS,
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${value}`,
    ]),
  ];
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // Never leave an orphaned server behind when this process exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stopWith = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = waitForExit(child);
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, child, () => stderr, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stopWith('SIGKILL');
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}

async function waitUntilServing(
  address: string,
  child: ChildProcess,
  stderr: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`The Temporal dev server exited during start-up:\n${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`The Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s:\n${stderr()}`);
}
