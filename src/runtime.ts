import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Client } from '@temporalio/client';
import { SdkComponent } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, type TLSConfig, Worker } from '@temporalio/worker';
import { createActivities, type WebhookPolicy } from '../activities';
import { createApp } from './api/app';
import type { ApiSettings } from './api/deps';
import type { Config } from './config';
import type { Pool } from './db/pool';
import { newId } from './domain';
import type { Logger } from './log';
import type { Mailer } from './mail/mailer';
import { type SecretsKeyring, secretsKeyring } from './secrets-key';
import { createRelay, type Relay } from './temporal/relay';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { workflowCode } from './temporal/workflow-bundle';

/** Server-side ids: a readable prefix and a random UUID. */
export const makeId = (prefix: string): string => newId(prefix, randomUUID());

export interface WorkerRuntime {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
const USER_CODE: readonly string[] = [SdkComponent.workflow, SdkComponent.activity];

/**
 * Sends the Temporal SDK's log lines to the process's pino logger, as JSON like every other line: warnings and
 * errors from everywhere, lower levels only from workflow and activity code (the SDK logs its own lifecycle, and
 * the whole webpack report when it bundles workflows, at info). Once per process: the runtime is global.
 */
function installTemporalRuntime(log: Logger): void {
  if (runtimeInstalled) return;
  const sdkLog = log.child({ component: 'temporal' });
  Runtime.install({
    logger: new DefaultLogger('TRACE', ({ level, message, meta }) => {
      const fromUserCode = USER_CODE.includes(String(meta?.sdkComponent));
      if (!fromUserCode && level !== 'WARN' && level !== 'ERROR') return;
      sdkLog[PINO_LEVELS[level]](meta ?? {}, message);
    }),
  });
  runtimeInstalled = true;
}

/**
 * The worker's options that come from configuration, one list for `npm start` and `npm run worker`, so a setting
 * cannot reach one and not the other.
 */
export function workerSettings(config: Config) {
  return {
    namespace: config.temporal.namespace,
    tls: config.temporal.tls,
    taskQueue: config.temporal.taskQueue,
    mailFrom: config.smtp.from,
    webhookPolicy: config.webhook,
    secretsKey: secretsKeyring({ fromEnv: config.secretsKey, dataDir: config.dataDir }),
    workflowBundlePath: config.workflowBundle,
    maxCachedWorkflows: config.maxCachedWorkflows,
  };
}

/** Creates and runs the Temporal worker with every workflow and activity. */
export async function startWorkerRuntime(options: {
  address: string;
  namespace: string;
  /** TLS to Temporal (TEMPORAL_TLS_*); plain TCP when absent. */
  tls?: TLSConfig;
  taskQueue: string;
  pool: Pool;
  mailer: Mailer;
  mailFrom: string;
  log: Logger;
  webhookPolicy: WebhookPolicy;
  secretsKey: SecretsKeyring;
  /** A workflow bundle to run (WORKFLOW_BUNDLE; tests build one once); see `workflowCode` for the default. */
  workflowBundlePath?: string;
  /** WORKER_MAX_CACHED_WORKFLOWS; the SDK's default when absent. */
  maxCachedWorkflows?: number;
  /** Replaces or wraps activities; tests use it to inject faults around the real ones. */
  wrapActivities?: (activities: ReturnType<typeof createActivities>) => object;
}): Promise<WorkerRuntime> {
  installTemporalRuntime(options.log);
  const connection = await NativeConnection.connect({ address: options.address, tls: options.tls });
  // The activity that starts enrollments is a Temporal client on the worker's own connection, so that a start can
  // hand its first workflow task straight to this worker (eager start).
  const temporal = new Client({ connection, namespace: options.namespace });
  await ensureSearchAttributes(temporal, options.namespace);
  const activities = createActivities({
    pool: options.pool,
    mailer: options.mailer,
    mailFrom: options.mailFrom,
    clock: () => new Date(),
    log: options.log,
    newId: makeId,
    webhookPolicy: options.webhookPolicy,
    secretsKey: options.secretsKey,
    temporal,
    taskQueue: options.taskQueue,
  });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowCode(options.workflowBundlePath),
    maxCachedWorkflows: options.maxCachedWorkflows,
    activities: options.wrapActivities?.(activities) ?? activities,
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

export interface ApiRuntime {
  server: http.Server;
  url: string;
  relay: Relay;
  stop(): Promise<void>;
}

/**
 * How long a client may take: to send its headers, to send the whole request, and to send the next request on a
 * kept-alive connection; a slow or idle client cannot hold a connection open longer. Node checks them every
 * `checkEveryMs`.
 */
export const SERVER_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000, checkEveryMs: 1_000 };

/** Starts the HTTP API and the outbox relay on `port` (0 picks a free one). */
export async function startApiRuntime(options: {
  port: number;
  host?: string;
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  relayPollMs: number;
  secretsKey: SecretsKeyring;
  settings: ApiSettings;
  /** Overrides `SERVER_TIMEOUTS`; tests use short ones. */
  timeouts?: Partial<typeof SERVER_TIMEOUTS>;
}): Promise<ApiRuntime> {
  const app = createApp({
    pool: options.pool,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    log: options.log,
    newId: makeId,
    clock: () => new Date(),
    secretsKey: options.secretsKey,
    settings: options.settings,
  });
  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
    },
    app,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const relay = createRelay({
    pool: options.pool,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    log: options.log.child({ component: 'relay' }),
    pollMs: options.relayPollMs,
  });
  await relay.start();
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    relay,
    async stop() {
      await relay.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
