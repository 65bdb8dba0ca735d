import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createPool, type Pool } from '../../src/db/pool';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { startSmtpSink } from '../../src/mail/sink';
import { freePort } from '../../src/net';
import { resolveTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { JsonClient } from './http';
import { type NodeProcess, productionEnv, startNodeProcess } from './processes';

export const TASK_QUEUE = 'pipewright';

export interface WorkerMemory {
  rssMiB: number;
  heapUsedMiB: number;
}

/**
 * The embedded stack as `npm start` runs it — embedded PostgreSQL, the Temporal dev server on a SQLite file with
 * the flags in docs/architecture.md, an SMTP sink — with the API (and relay) and each worker as their own processes, so the
 * load generator does not share their event loop and worker memory can be read per process.
 */
export interface BenchStack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  pool: Pool;
  /** JSON client for the API, with the admin token. */
  api: JsonClient;
  temporal: Client;
  workers: readonly NodeProcess[];
  /** Starts or stops worker processes until `count` run. */
  scaleWorkers(count: number): Promise<void>;
  /** Kills the first worker process with SIGKILL, as a crash would, and starts a new one in its place. */
  crashWorker(): Promise<void>;
  workerMemory(): Promise<WorkerMemory[]>;
  /** An extra Node process (the bare worker) that stops with the stack; started once per name. */
  startProcess(options: {
    name: string;
    entry: string;
    env: NodeJS.ProcessEnv;
    readyText: string;
  }): Promise<NodeProcess>;
  stop(): Promise<void>;
}

export async function startBenchStack(options: { say: (line: string) => void; keep?: boolean }): Promise<BenchStack> {
  const { say } = options;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-bench-'));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  const cliPath = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, say });
  const [database, temporalServer, sink] = await Promise.all([
    startEmbeddedPostgres({ dir: path.join(dir, 'postgres'), port: await freePort() }),
    startDevServer({ cliPath, port: await freePort(), dbFile: path.join(dir, 'temporal.db') }),
    startSmtpSink({ port: await freePort() }),
  ]);
  const token = randomBytes(24).toString('hex');
  const apiPort = await freePort();
  const env = await productionEnv({
    databaseUrl: database.url,
    temporalAddress: temporalServer.address,
    taskQueue: TASK_QUEUE,
    smtpUrl: sink.url,
    adminToken: token,
    dataDir: dir,
  });
  const extra = new Map<string, NodeProcess>();
  const startProcess: BenchStack['startProcess'] = async (spec) => {
    const running = extra.get(spec.name);
    if (running) return running;
    const child = await startNodeProcess({ ...spec, env: { ...env, ...spec.env }, logDir: dir });
    extra.set(spec.name, child);
    return child;
  };
  const apiProcess = await startNodeProcess({
    name: 'api',
    entry: 'src/server.ts',
    env: { ...env, PORT: String(apiPort) },
    logDir: dir,
    readyText: 'api listening',
  });

  const workers: { process: NodeProcess; metricsPort: number }[] = [];
  const scaleWorkers = async (count: number) => {
    while (workers.length > count) await workers.pop()!.process.stop();
    while (workers.length < count) {
      const metricsPort = await freePort();
      const process = await startNodeProcess({
        name: `worker-${workers.length + 1}`,
        entry: 'src/worker.ts',
        env: { ...env, WORKER_METRICS_PORT: String(metricsPort) },
        logDir: dir,
        readyText: 'worker running',
        timeoutMs: 120_000,
      });
      workers.push({ process, metricsPort });
    }
  };
  await scaleWorkers(1);
  const crashWorker = async () => {
    await workers.shift()?.process.kill();
    await scaleWorkers(workers.length + 1);
  };

  const pool = createPool(database.url, (error) => say(`database: ${String(error)}`));
  const connection = await Connection.connect({ address: temporalServer.address });
  say(`stack up in ${dir}: PostgreSQL ${database.url}, Temporal ${temporalServer.address}, API :${apiPort}`);

  return {
    dir,
    databaseUrl: database.url,
    temporalAddress: temporalServer.address,
    pool,
    api: new JsonClient(`http://127.0.0.1:${apiPort}`, { Authorization: `Bearer ${token}` }),
    temporal: new Client({ connection }),
    get workers() {
      return workers.map((worker) => worker.process);
    },
    scaleWorkers,
    crashWorker,
    workerMemory: () => Promise.all(workers.map((worker) => readWorkerMemory(worker.metricsPort))),
    startProcess,
    async stop() {
      for (const child of [...extra.values(), ...workers.map((worker) => worker.process), apiProcess])
        await child.stop();
      await connection.close();
      await pool.end();
      await Promise.all([temporalServer.stop(), sink.stop()]);
      await database.stop();
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads resident memory and used heap from a worker's `/metrics`. */
async function readWorkerMemory(port: number): Promise<WorkerMemory> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const gauge = (name: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    if (!line) throw new Error(`the worker's /metrics has no ${name}`);
    return Number(line.split(' ')[1]) / 2 ** 20;
  };
  return { rssMiB: gauge('process_resident_memory_bytes'), heapUsedMiB: gauge('nodejs_heap_size_used_bytes') };
}
