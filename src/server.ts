import { ensureAdminToken } from './admin-token';
import { type Config, requireExternal } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { createLogger } from './log';
import { runMain } from './run-main';
import { secretsKeyring } from './secrets-key';
import { startApiRuntime } from './runtime';
import { onShutdownSignal, StopList } from './shutdown';
import { lazyTemporalClient } from './temporal/client';

/**
 * `npm run api`: the HTTP API and the outbox relay, against DATABASE_URL and TEMPORAL_ADDRESS. It applies
 * migrations at start and accepts events even while Temporal is unreachable (the relay delivers them later).
 */
async function main(config: Config): Promise<void> {
  requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS']);
  const log = createLogger(config.logLevel, 'pipewright-api');
  const stops = new StopList(log);
  const pool = createPool(
    config.databaseUrl!,
    (error) => log.warn({ err: error }, 'an idle database connection failed'),
    config.databasePoolSize,
  );
  stops.add('postgres pool', () => pool.end());
  const applied = await migrate(pool);
  if (applied.length > 0) log.info({ applied }, 'applied database migrations');
  const adminToken = await ensureAdminToken(pool, {
    dataDir: config.dataDir,
    fromEnv: config.adminToken,
    warn: (message) => log.warn(message),
  });
  log.info({ adminToken: adminToken.source === 'file' ? adminToken.file : adminToken.source }, 'admin token');
  const temporal = lazyTemporalClient({
    address: config.temporal.address!,
    namespace: config.temporal.namespace,
    tls: config.temporal.tls,
  });
  stops.add('temporal client', () => temporal.connection.close());
  const api = await startApiRuntime({
    port: config.port,
    host: '0.0.0.0',
    pool,
    temporal,
    taskQueue: config.temporal.taskQueue,
    log,
    relayPollMs: config.relayPollMs,
    secretsKey: secretsKeyring({ fromEnv: config.secretsKey, dataDir: config.dataDir }),
    settings: config.api,
  });
  stops.add('api', () => api.stop());
  onShutdownSignal(log, () => stops.stopAll());
  log.info({ port: config.port }, 'api listening');
}

if (require.main === module) runMain(main);
