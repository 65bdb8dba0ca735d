import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPool, type Pool } from '../../src/db/pool';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { type SmtpSink, startSmtpSink } from '../../src/mail/sink';
import { freePort } from '../../src/net';
import { resolveTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { sleep } from '../lib/load';
import { type NodeProcess, productionEnv, startNodeProcess } from '../lib/processes';
import { startTemporalServer, type TemporalServer } from './temporal-server';
import { startWebhookReceiver, type WebhookReceiver } from './webhook';

/**
 * `embedded`: what `npm start` runs (the dev server on a SQLite file), one API and one worker process.
 * `production`: the Temporal server 1.29.1 on PostgreSQL, two API and two worker processes.
 */
export type Topology = 'embedded' | 'production';
export const TOPOLOGIES: readonly Topology[] = ['embedded', 'production'];

/** One fault: a part is killed and, after the time a supervisor would take, started again on the same data. */
export interface Fault {
  name: string;
  /** Kills the part and starts it again; resolves once it is back. */
  inject(): Promise<void>;
}

export interface ChaosStack {
  topology: Topology;
  dir: string;
  /** The harness's own connection to Pipewright's database, for set-up checks and the final verdict. */
  pool: Pool;
  apiUrls: string[];
  adminToken: string;
  sink: SmtpSink;
  webhook: WebhookReceiver;
  /** Every fault of this topology, in the order they are injected. */
  faults: Fault[];
  stop(): Promise<void>;
}

/** How long each part stays down before it is started again (a supervisor's restart delay). */
const DOWNTIME_MS = { worker: 1_000, api: 2_000, temporal: 3_000, postgres: 3_000 };

/** A Node process that can be killed and started again in the same slot (same port, same name). */
interface Slot {
  name: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

function slot(spec: Parameters<typeof startNodeProcess>[0]): Slot {
  let current: NodeProcess | undefined;
  return {
    name: spec.name,
    async start() {
      current = await startNodeProcess(spec);
    },
    async kill() {
      await current?.kill();
      current = undefined;
    },
    async stop() {
      await current?.stop();
      current = undefined;
    },
  };
}

const crashAndRestart =
  (kill: () => Promise<void>, downtimeMs: number, start: () => Promise<void>): Fault['inject'] =>
  async () => {
    await kill();
    await sleep(downtimeMs);
    await start();
  };

/**
 * Starts every part as its own process — PostgreSQL, Temporal, API(s), worker(s) — with the SMTP sink and a loopback
 * webhook receiver in this process (they are the outside world, which does not crash with us).
 */
export async function startChaosStack(options: {
  topology: Topology;
  say: (line: string) => void;
  /** Fewer faults (one worker kill, one API kill) for the CI-sized run. */
  smoke?: boolean;
  keep?: boolean;
}): Promise<ChaosStack> {
  const { topology, say } = options;
  const dir = await mkdtemp(path.join(os.tmpdir(), `pipewright-chaos-${topology}-`));
  await chmod(dir, 0o755); // PostgreSQL runs as its own user when we are root
  const database = await startEmbeddedPostgres({ dir: path.join(dir, 'postgres'), port: await freePort() });
  const [sink, webhook] = await Promise.all([startSmtpSink({ port: await freePort() }), startWebhookReceiver()]);

  let temporal: Pick<TemporalServer, 'address' | 'kill' | 'restart' | 'stop'>;
  if (topology === 'production') {
    temporal = await startTemporalServer({ databaseUrl: database.url, dir: path.join(dir, 'temporal'), say });
  } else {
    const cliPath = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, say });
    const devServerOptions = { cliPath, port: await freePort(), dbFile: path.join(dir, 'temporal.db') };
    let devServer = await startDevServer(devServerOptions);
    temporal = {
      address: devServer.address,
      kill: () => devServer.kill(),
      restart: async () => {
        devServer = await startDevServer(devServerOptions);
      },
      stop: () => devServer.stop(),
    };
  }

  const adminToken = randomBytes(24).toString('hex');
  const env = {
    ...(await productionEnv({
      databaseUrl: database.url,
      temporalAddress: temporal.address,
      taskQueue: 'pipewright',
      smtpUrl: sink.url,
      adminToken,
      dataDir: dir,
    })),
    // The webhook receiver is on loopback, which production refuses unless listed.
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  };
  const processCount = topology === 'production' ? 2 : 1;
  const apiPorts = await Promise.all(Array.from({ length: processCount }, () => freePort()));
  const apis = apiPorts.map((port, index) =>
    slot({
      name: `api-${index + 1}`,
      entry: 'src/server.ts',
      env: { ...env, PORT: String(port) },
      logDir: dir,
      readyText: 'api listening',
    }),
  );
  const workers = Array.from({ length: processCount }, (_, index) =>
    slot({
      name: `worker-${index + 1}`,
      entry: 'src/worker.ts',
      env,
      logDir: dir,
      readyText: 'worker running',
      timeoutMs: 120_000,
    }),
  );
  // One API first: it applies the migrations, which two at once would race.
  await apis[0]!.start();
  await Promise.all([...apis.slice(1), ...workers].map((part) => part.start()));

  const faultOf = (part: Slot, downtimeMs: number): Fault => ({
    name: `${part.name} SIGKILL`,
    inject: crashAndRestart(
      () => part.kill(),
      downtimeMs,
      () => part.start(),
    ),
  });
  const temporalFault: Fault = {
    name: 'Temporal SIGKILL',
    inject: crashAndRestart(
      () => temporal.kill(),
      DOWNTIME_MS.temporal,
      () => temporal.restart(),
    ),
  };
  const postgresFault: Fault = {
    name: 'PostgreSQL immediate shutdown',
    inject: crashAndRestart(
      () => database.crash(),
      DOWNTIME_MS.postgres,
      () => database.restart(),
    ),
  };
  const faults: Fault[] = options.smoke
    ? [faultOf(workers[0]!, DOWNTIME_MS.worker), faultOf(apis[0]!, DOWNTIME_MS.api)]
    : topology === 'production'
      ? [
          ...workers.map((worker) => faultOf(worker, DOWNTIME_MS.worker)),
          ...apis.map((api) => faultOf(api, DOWNTIME_MS.api)),
          temporalFault,
          postgresFault,
        ]
      : [
          faultOf(workers[0]!, DOWNTIME_MS.worker),
          { ...faultOf(workers[0]!, DOWNTIME_MS.worker), name: 'worker-1 SIGKILL (again)' },
          faultOf(apis[0]!, DOWNTIME_MS.api),
          temporalFault,
          postgresFault,
        ];

  const pool = createPool(database.url, () => undefined);
  say(`${topology} stack up in ${dir}: Temporal ${temporal.address}, APIs ${apiPorts.join(', ')}`);
  return {
    topology,
    dir,
    pool,
    apiUrls: apiPorts.map((port) => `http://127.0.0.1:${port}`),
    adminToken,
    sink,
    webhook,
    faults,
    async stop() {
      await Promise.all([...apis, ...workers].map((part) => part.stop()));
      await pool.end();
      await temporal.stop();
      await Promise.all([sink.stop(), webhook.stop()]);
      await database.stop();
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    },
  };
}
