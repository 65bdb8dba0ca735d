import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client as TemporalClient } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import supertest from 'supertest';
import type { createActivities } from '../../activities';
import { ensureAdminToken } from '../../src/admin-token';
import type { ApiSettings } from '../../src/api/deps';
import { loadConfig } from '../../src/config';
import { createPool, type Pool } from '../../src/db/pool';
import { createLogger, type Logger } from '../../src/log';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { type SmtpSink, startSmtpSink } from '../../src/mail/sink';
import { freePort } from '../../src/net';
import { type ApiRuntime, startApiRuntime, startWorkerRuntime, type WorkerRuntime } from '../../src/runtime';
import { type SecretsKeyring, secretsKeyring } from '../../src/secrets-key';
import { connectTemporal } from '../../src/temporal/client';
import { type DevServer, type DevServerOptions, startDevServer } from '../../src/temporal/dev-server';
import { ADMIN_TOKEN, readTestEnv, TEMPLATE_DATABASE, TestEnv } from './env';

/** The API's settings as an unconfigured environment gives them (the defaults), serving the suite's console build. */
export const DEFAULT_API_SETTINGS = loadConfig({ CONSOLE_DIR: process.env[TestEnv.consoleDir] }).api;

/** A secrets keyring with a fresh random key (as SECRETS_KEY gives one), for a test's API, worker or activities. */
export const newSecretsKey = (): SecretsKeyring => secretsKeyring({ fromEnv: randomBytes(32), dataDir: os.tmpdir() });

/** A unique suffix so that ids never collide across tests and runs. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Creates a fresh, migrated database for one test file (a copy of the template made in global setup). */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = readTestEnv(TestEnv.adminUrl);
  const name = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  return adminUrl.replace(/\/[^/]+$/, `/${name}`);
}

/**
 * A fresh database with only the migrations that come before `next` (e.g. `'010'`) applied and recorded, as a database
 * left at an older version would be; for the tests of migration `next`. The caller ends the pool.
 */
export async function databaseBefore(next: string): Promise<Pool> {
  const adminUrl = readTestEnv(TestEnv.adminUrl);
  const name = `migration_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const pool = createPool(adminUrl.replace(/\/[^/]+$/, `/${name}`), () => undefined);
  await pool.query(
    'CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const migrations = path.join(__dirname, '../../src/db/migrations');
  for (const file of (await readdir(migrations)).filter((file) => file < next).sort()) {
    await pool.query(await readFile(path.join(migrations, file), 'utf8'));
    await pool.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
  }
  return pool;
}

export interface TestStack {
  pool: Pool;
  sink: SmtpSink;
  mailer: Mailer;
  temporal: TemporalClient;
  taskQueue: string;
  log: Logger;
  /** The key the stack's API and worker share for secrets. */
  secretsKey: SecretsKeyring;
  api: ApiRuntime;
  worker?: WorkerRuntime;
  /** supertest bound to the running API, with the admin token on every request. */
  http: ReturnType<typeof authorizedAgent>;
  startWorker(wrapActivities?: (activities: ReturnType<typeof createActivities>) => object): Promise<WorkerRuntime>;
  stop(): Promise<void>;
}

function authorizedAgent(url: string, token: string) {
  const agent = supertest(url);
  const auth = <T extends { set(name: string, value: string): T }>(request: T) =>
    request.set('Authorization', `Bearer ${token}`);
  return {
    get: (path: string) => auth(agent.get(path)),
    post: (path: string) => auth(agent.post(path)),
    patch: (path: string) => auth(agent.patch(path)),
    put: (path: string) => auth(agent.put(path)),
    delete: (path: string) => auth(agent.delete(path)),
  };
}

export interface TestStackOptions {
  worker?: boolean;
  temporalAddress?: string;
  log?: Logger;
  apiSettings?: ApiSettings;
}

/**
 * The whole stack in this process, on real parts: a fresh PostgreSQL database, the suite's Temporal dev server,
 * a real SMTP sink, the worker (own task queue) and the HTTP API with its relay.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const log = options.log ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const pool = createPool(await createTestDatabase(), (error) => log.warn({ err: error }, 'idle connection failed'));
  await ensureAdminToken(pool, { dataDir: `/tmp/pipewright-test-token-${process.pid}`, fromEnv: ADMIN_TOKEN });
  const sink = await startSmtpSink({ port: 0 });
  const mailer = createMailer(sink.url);
  const address = options.temporalAddress ?? readTestEnv(TestEnv.temporalAddress);
  const temporal = await connectTemporal({ address, namespace: 'default' });
  const taskQueue = unique('test');
  const secretsKey = newSecretsKey();
  const api = await startApiRuntime({
    port: 0,
    pool,
    temporal,
    taskQueue,
    log,
    relayPollMs: 200,
    secretsKey,
    settings: options.apiSettings ?? DEFAULT_API_SETTINGS,
  });

  const stack: TestStack = {
    pool,
    sink,
    mailer,
    temporal,
    taskQueue,
    log,
    secretsKey,
    api,
    http: authorizedAgent(api.url, ADMIN_TOKEN),
    async startWorker(wrapActivities) {
      stack.worker = await startWorkerRuntime({
        address,
        namespace: 'default',
        taskQueue,
        pool,
        mailer,
        mailFrom: 'Pipewright Test <automations@test.local>',
        // The tests' receivers listen on loopback: this stack opts in to private targets, as npm start does.
        webhookPolicy: { allowPrivateTargets: true, allowedHosts: [], timeoutMs: 5_000 },
        secretsKey,
        log,
        workflowBundlePath: readTestEnv(TestEnv.workflowBundle),
        wrapActivities,
      });
      return stack.worker;
    },
    async stop() {
      await api.stop();
      await stack.worker?.stop();
      await temporal.connection.close();
      mailer.close();
      await sink.stop();
      await pool.end();
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

/** A test stack on a Temporal dev server of its own, which the test may kill and start again. */
export interface OwnServerTestStack extends TestStack {
  /** The stack's dev server as it runs now; `restartServer` replaces it. */
  server: DevServer;
  /** Starts the dev server again on the same port (and file), after `server.kill()`, as after a crash. */
  restartServer(): Promise<DevServer>;
  /** Stops the stack, then its dev server. */
  stop(): Promise<void>;
}

/**
 * `startTestStack` on a Temporal dev server started for it alone, for the tests that need the server configured
 * otherwise than the suite's (`dynamicConfig`) or that kill it. `persistent` keeps the server's workflows and timers
 * in a SQLite file, so that they outlive `restartServer`.
 */
export async function startTestStackOnOwnServer(
  options: Omit<TestStackOptions, 'temporalAddress'> &
    Pick<DevServerOptions, 'dynamicConfig'> & { persistent?: boolean } = {},
): Promise<OwnServerTestStack> {
  const { dynamicConfig, persistent, ...stackOptions } = options;
  const port = await freePort();
  const dbFile = persistent
    ? path.join(await mkdtemp(path.join(os.tmpdir(), 'pipewright-own-server-')), 'temporal.db')
    : undefined;
  const startServer = () =>
    startDevServer({
      cliPath: readTestEnv(TestEnv.cliPath),
      port,
      ...(dbFile && { dbFile }),
      ...(dynamicConfig && { dynamicConfig }),
    });
  const server = await startServer();
  let stack: TestStack;
  try {
    stack = await startTestStack({ ...stackOptions, temporalAddress: server.address });
  } catch (error) {
    await server.stop();
    throw error;
  }
  // The same object, not a copy: `startWorker` sets `worker` on it.
  const stopStack = stack.stop.bind(stack);
  const own: OwnServerTestStack = Object.assign(stack, {
    server,
    async restartServer() {
      own.server = await startServer();
      return own.server;
    },
    async stop() {
      try {
        await stopStack();
      } finally {
        await own.server.stop();
      }
    },
  });
  return own;
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
