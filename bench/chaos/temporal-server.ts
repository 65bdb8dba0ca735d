import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { status as GrpcStatus } from '@grpc/grpc-js';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { waitForExit } from '../../src/child-process';
import { goInstallIntoCache, isExecutable, pipewrightCacheDir } from '../../src/temporal/cli';

/** The Temporal server of the production topology: the version the dev server reports (docs/architecture.md). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const SERVER_PACKAGE = 'go.temporal.io/server/cmd/server';
const SQL_TOOL_PACKAGE = 'go.temporal.io/server/cmd/tools/sql';
/** Schemas embedded in the `sql` tool; `update-schema` applies their versioned steps up to the newest. */
const EMBEDDED_SCHEMAS = { temporal: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;
/** The `--env` of the server, so its config is `<dir>/config/pipewright.yaml`. */
const CONFIG_ENV = 'pipewright';
/** gRPC's ALREADY_EXISTS, written out because @grpc/grpc-js is only the Temporal client's dependency. */
const GRPC_ALREADY_EXISTS = 6 as GrpcStatus.ALREADY_EXISTS;
const PROBE_TASK_QUEUE = 'pipewright-readiness-probe';

export interface TemporalServerBinaries {
  /** `go.temporal.io/server/cmd/server`: all four services in one process. */
  server: string;
  /** `go.temporal.io/server/cmd/tools/sql` (temporal-sql-tool): creates databases and applies schemas. */
  sql: string;
}

/** Where the two binaries are cached: `<cache>/pipewright/temporal-server-1.29.1/{server,sql}`. */
export function cachedTemporalServerDir(): string {
  return path.join(pipewrightCacheDir(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/**
 * Finds the Temporal server and its SQL tool in the cache, or builds both with one `go install` into it (a fresh CI
 * machine has Go and the module proxy, not the binaries), printing progress through `say`.
 */
export async function resolveTemporalServer(options: { say: (line: string) => void }): Promise<TemporalServerBinaries> {
  const dir = cachedTemporalServerDir();
  const binaries = { server: path.join(dir, 'server'), sql: path.join(dir, 'sql') };
  if ((await isExecutable(binaries.server)) && (await isExecutable(binaries.sql))) return binaries;
  await goInstallIntoCache({
    what: `the Temporal server v${TEMPORAL_SERVER_VERSION} and its SQL tool`,
    packages: [`${SERVER_PACKAGE}@v${TEMPORAL_SERVER_VERSION}`, `${SQL_TOOL_PACKAGE}@v${TEMPORAL_SERVER_VERSION}`],
    targetDir: dir,
    expectedDuration: '5–10 minutes',
    withoutGo: `build ${SERVER_PACKAGE} and ${SQL_TOOL_PACKAGE} v${TEMPORAL_SERVER_VERSION} elsewhere and copy them into ${dir} as \`server\` and \`sql\``,
    say: options.say,
  });
  return binaries;
}

/** A Temporal server process of the production topology, on PostgreSQL, that can crash and come back. */
export interface TemporalServer {
  /** `127.0.0.1:<port>` of the frontend; the same after `restart()`. */
  address: string;
  namespace: string;
  /** The server's output, appended to across restarts. */
  logFile: string;
  /** Kills the server with SIGKILL, as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same databases, config and ports (stopping it first if it runs) and resolves
   * once the namespace accepts workflow starts again.
   */
  restart(): Promise<void>;
  /** Stops the server with SIGTERM (SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  /** A PostgreSQL server URL with a user that may create databases; its own database name is not used. */
  databaseUrl: string;
  /** Databases the server keeps its state in, created when missing; default `temporal` and `temporal_visibility`. */
  databases?: { temporal: string; visibility: string };
  /** For the rendered config, the dynamic config and the logs. */
  dir: string;
  say: (line: string) => void;
  /** Registered when missing; default `default`. */
  namespace?: string;
  /** How long a start (or restart) may take until the namespace accepts workflow starts; default 120 s. */
  startTimeoutMs?: number;
}

/**
 * Starts the production-topology Temporal server (`go.temporal.io/server/cmd/server`, not the dev server) on
 * PostgreSQL: creates its two databases if missing and brings their schemas up to date with the `sql` tool, renders
 * a config with free loopback ports for every service, starts the server and resolves once `namespace` exists and
 * accepts workflow starts. A second start on the same databases reuses them.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const { say, dir } = options;
  const namespace = options.namespace ?? 'default';
  const databases = options.databases ?? { temporal: 'temporal', visibility: 'temporal_visibility' };
  const timeoutMs = options.startTimeoutMs ?? 120_000;
  const binaries = await resolveTemporalServer({ say });
  await mkdir(path.join(dir, 'config'), { recursive: true });
  const postgres = parsePostgresUrl(options.databaseUrl);

  let started = Date.now();
  await applySchemas({ sql: binaries.sql, postgres, databases, logFile: path.join(dir, 'temporal-schema.log') });
  say(`Temporal schemas up to date in ${databases.temporal} and ${databases.visibility} (${secondsSince(started)} s)`);

  const ports = await allocatePorts();
  const dynamicConfigFile = path.join(dir, 'config', 'dynamicconfig.yaml');
  await writeFile(dynamicConfigFile, DYNAMIC_CONFIG);
  await writeFile(
    path.join(dir, 'config', `${CONFIG_ENV}.yaml`),
    renderServerConfig({ ports, postgres, databases, dynamicConfigFile }),
  );
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const logFile = path.join(dir, 'temporal-server.log');

  let child: ChildProcess | undefined;
  // Never leave an orphaned server behind when this process exits.
  const killOnExit = () => child?.kill('SIGKILL');
  const stopWith = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = waitForExit(running);
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const launch = async () => {
    const log = await open(logFile, 'a');
    await log.write(`\n--- ${new Date().toISOString()} starting the Temporal server ---\n`);
    try {
      child = spawn(
        binaries.server,
        ['--root', dir, '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start'],
        { stdio: ['ignore', log.fd, log.fd] },
      );
    } finally {
      await log.close();
    }
    process.once('exit', killOnExit);
    try {
      await waitUntilReady({ address, namespace, child, logFile, timeoutMs });
    } catch (error) {
      await stopWith('SIGKILL');
      throw error;
    }
  };

  started = Date.now();
  await launch();
  say(
    `Temporal server ${TEMPORAL_SERVER_VERSION} on ${address}, namespace ${namespace} ready (${secondsSince(started)} s)`,
  );
  return {
    address,
    namespace,
    logFile,
    kill: () => stopWith('SIGKILL'),
    stop: () => stopWith('SIGTERM'),
    async restart() {
      await stopWith('SIGTERM');
      const restarted = Date.now();
      await launch();
      say(`Temporal server restarted on ${address} (${secondsSince(restarted)} s)`);
    },
  };
}

interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

function parsePostgresUrl(url: string): PostgresServer {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/**
 * For each database: `create-database` (a no-op when it exists), `setup-schema -v 0.0` (only the version tables; a
 * no-op on a versioned database), then `update-schema` to the newest version of the schema embedded in the tool —
 * the sequence Temporal's own setup scripts use, idempotent, so every start may run it.
 */
async function applySchemas(options: {
  sql: string;
  postgres: PostgresServer;
  databases: { temporal: string; visibility: string };
  logFile: string;
}): Promise<void> {
  const { postgres } = options;
  const connectArgs = [
    '--plugin',
    'postgres12',
    '--ep',
    postgres.host,
    '-p',
    String(postgres.port),
    '-u',
    postgres.user,
  ];
  for (const [database, schema] of [
    [options.databases.temporal, EMBEDDED_SCHEMAS.temporal],
    [options.databases.visibility, EMBEDDED_SCHEMAS.visibility],
  ] as const) {
    for (const command of [
      ['create-database'],
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', schema],
    ]) {
      await runSqlTool(options.sql, [...connectArgs, '--db', database, ...command], postgres.password, options.logFile);
    }
  }
}

async function runSqlTool(sql: string, args: string[], password: string, logFile: string): Promise<void> {
  const log = await open(logFile, 'a');
  let exited: Promise<number | null>;
  try {
    await log.write(`\n--- sql ${args.join(' ')}\n`);
    // The password goes through the environment, not the command line that `ps` shows.
    const child = spawn(sql, args, {
      env: { ...process.env, SQL_PASSWORD: password },
      stdio: ['ignore', log.fd, log.fd],
    });
    exited = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
  } finally {
    await log.close();
  }
  const code = await exited;
  if (code !== 0) {
    throw new Error(`temporal-sql-tool ${args.join(' ')} failed (exit ${code}):\n${await tail(logFile)}`);
  }
}

interface ServicePorts {
  grpc: number;
  membership: number;
}

interface ServerPorts {
  frontend: ServicePorts & { http: number };
  history: ServicePorts;
  matching: ServicePorts;
  worker: ServicePorts;
}

/**
 * Nine distinct free loopback ports: gRPC and membership for each service, and the frontend's HTTP API. They are
 * drawn from below Linux's ephemeral range (32768–60999), not asked of the OS, for two reasons: the schema stores a
 * membership port in a SMALLINT (`cluster_membership.rpc_port`), so the server dies on one above 32767; and after a
 * kill no outgoing connection of the stack can have taken a port the restarted server needs.
 */
async function allocatePorts(): Promise<ServerPorts> {
  const ports = new Set<number>();
  while (ports.size < 9) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_768);
    if (!ports.has(candidate) && (await canListenOn(candidate))) ports.add(candidate);
  }
  const [frontendGrpc, frontendMembership, frontendHttp, ...rest] = [...ports] as [number, number, number, ...number[]];
  const service = (index: number): ServicePorts => ({ grpc: rest[index * 2]!, membership: rest[index * 2 + 1]! });
  return {
    frontend: { grpc: frontendGrpc, membership: frontendMembership, http: frontendHttp },
    history: service(0),
    matching: service(1),
    worker: service(2),
  };
}

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * One task-queue partition: on 2 cores the default four only add matching work (measured with the dev server,
 * docs/architecture.md). Namespace changes reach the caches within `system.namespaceCacheRefreshInterval` (2 s by default).
 */
const DYNAMIC_CONFIG = `# Rendered by bench/chaos/temporal-server.ts.
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
`;

/**
 * Based on the module's config/development-postgres12.yaml: 4 history shards, every service on loopback on its own
 * free port, no pprof, no metrics listener and no archival, so that several servers can run side by side.
 */
function renderServerConfig(options: {
  ports: ServerPorts;
  postgres: PostgresServer;
  databases: { temporal: string; visibility: string };
  dynamicConfigFile: string;
}): string {
  const { ports, postgres } = options;
  // JSON strings are valid YAML scalars, so user, password and paths need no escaping rules of their own.
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${JSON.stringify(database)}
        connectAddr: ${JSON.stringify(`${postgres.host}:${postgres.port}`)}
        connectProtocol: tcp
        user: ${JSON.stringify(postgres.user)}
        password: ${JSON.stringify(postgres.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (name: string, service: ServicePorts & { http?: number }) => `  ${name}:
    rpc:
      grpcPort: ${service.grpc}
      membershipPort: ${service.membership}
      bindOnIP: 127.0.0.1${service.http ? `\n      httpPort: ${service.http}` : ''}`;
  return `# Rendered by bench/chaos/temporal-server.ts.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${datastore(options.databases.temporal, 20)}
    postgres-visibility:
${datastore(options.databases.visibility, 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  pprof:
    port: 0

services:
${service('frontend', ports.frontend)}
${service('history', ports.history)}
${service('matching', ports.matching)}
${service('worker', ports.worker)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${ports.frontend.grpc}
      httpAddress: 127.0.0.1:${ports.frontend.http}

dcRedirectionPolicy:
  policy: noop

dynamicConfigClient:
  filepath: ${JSON.stringify(options.dynamicConfigFile)}
  pollInterval: 60s
`;
}

/**
 * Resolves once the frontend answers, `namespace` is registered (an existing one is kept) and a workflow start in
 * it is accepted. A probe start is the one check that covers both a namespace the services' caches do not hold yet
 * and, after a restart, history shards not yet acquired again; it runs on a task queue no worker polls and is
 * terminated at once.
 */
async function waitUntilReady(options: {
  address: string;
  namespace: string;
  child: ChildProcess;
  logFile: string;
  timeoutMs: number;
}): Promise<void> {
  const { address, namespace, child } = options;
  const deadline = Date.now() + options.timeoutMs;
  const retry = async <T>(step: string, attempt: () => Promise<T>): Promise<T> => {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`The Temporal server exited during start-up (${step}):\n${await tail(options.logFile)}`);
      }
      try {
        return await attempt();
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `The Temporal server on ${address} did not get past "${step}" within ${options.timeoutMs / 1000} s ` +
              `(${String(error)}); its log ends:\n${await tail(options.logFile)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  const connection = await retry('the frontend answers', async () => {
    const candidate = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await candidate.workflowService.getSystemInfo({});
      return candidate;
    } catch (error) {
      await candidate.close();
      throw error;
    }
  });
  try {
    await retry(`namespace ${namespace} is registered`, async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs('1 day'),
        });
      } catch (error) {
        if (!(isGrpcServiceError(error) && error.code === GRPC_ALREADY_EXISTS)) throw error;
      }
    });
    const client = new Client({ connection, namespace });
    await retry(`namespace ${namespace} accepts workflow starts`, async () => {
      const probe = await client.workflow.start('pipewright-readiness-probe', {
        taskQueue: PROBE_TASK_QUEUE,
        workflowId: `readiness-probe/${randomUUID()}`,
      });
      await probe.terminate('readiness probe of bench/chaos/temporal-server.ts');
    });
  } finally {
    await connection.close();
  }
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).slice(-4000);
}

function secondsSince(start: number): string {
  return ((Date.now() - start) / 1000).toFixed(1);
}
