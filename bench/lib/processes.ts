import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitForExit } from '../../src/child-process';
import { writeWorkflowBundle } from '../../src/temporal/workflow-bundle';

const ROOT = path.resolve(__dirname, '../..');

/** A Node process of ours (API, worker) started from its TypeScript entry, its output in a log file. */
export interface NodeProcess {
  name: string;
  pid: number;
  /** SIGKILL, as a crash would; resolves when it has exited. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown); resolves when it has exited. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The environment of our API and worker processes in a harness stack: production mode against the stack's services,
 * one task queue, and the harness's workflow bundle.
 */
export async function productionEnv(stack: {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  smtpUrl: string;
  adminToken: string;
  dataDir: string;
}): Promise<NodeJS.ProcessEnv> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    SMTP_URL: stack.smtpUrl,
    ADMIN_TOKEN: stack.adminToken,
    DATA_DIR: stack.dataDir,
    WORKFLOW_BUNDLE: await workflowBundleForWorkers(),
    // One load generator sends far more than any one client would, and the bad-input run sends requests without a
    // valid token by the thousand: the rate limits would measure themselves (they are tested on their own).
    API_RATE_LIMIT: '0',
    API_AUTH_FAILURE_LIMIT: '0',
  };
}

let bundle: Promise<string> | undefined;

/**
 * The workflow bundle every worker of this harness run gets (WORKFLOW_BUNDLE), built once, as `npm run build` does
 * for production: workers then start without running webpack, however often the harness starts or restarts them.
 */
function workflowBundleForWorkers(): Promise<string> {
  bundle ??= (async () => {
    const file = path.join(os.tmpdir(), `pipewright-workflow-bundle-${process.pid}.js`);
    process.once('exit', () => rmSync(file, { force: true }));
    await writeWorkflowBundle(file);
    return file;
  })();
  return bundle;
}

/**
 * Runs `entry` (a .ts file under the repository) with tsx's loader, writing its output to `<logDir>/<name>.log`, and
 * resolves once a line of its output contains `readyText`.
 */
export async function startNodeProcess(options: {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  readyText: string;
  timeoutMs?: number;
}): Promise<NodeProcess> {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, options.entry)], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const log = createWriteStream(path.join(options.logDir, `${options.name}.log`), { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  await new Promise<void>((resolve, reject) => {
    let tail = '';
    const timer = setTimeout(
      () => reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 60_000} ms`)),
      options.timeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4096);
      if (!tail.includes(options.readyText)) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited during start-up (${signal ?? code}); see ${options.name}.log`));
    });
  });
  return {
    name: options.name,
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await waitForExit(child);
    },
  };
}
