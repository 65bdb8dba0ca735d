import { type Config, privateTargetsWarning, requireExternal } from './config';
import { createPool } from './db/pool';
import { createLogger } from './log';
import { createMailer } from './mail/mailer';
import { serveProcessMetrics } from './process-metrics';
import { startWorkerRuntime, workerSettings } from './runtime';
import { runMain } from './run-main';
import { onShutdownSignal, StopList } from './shutdown';

/** `npm run worker`: the Temporal worker alone, against TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL. */
async function main(config: Config): Promise<void> {
  requireExternal(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL']);
  const log = createLogger(config.logLevel, 'pipewright-worker');
  const stops = new StopList(log);
  const warning = privateTargetsWarning(config);
  if (warning) log.warn(warning);
  const pool = createPool(
    config.databaseUrl!,
    (error) => log.warn({ err: error }, 'an idle database connection failed'),
    config.databasePoolSize,
  );
  stops.add('postgres pool', () => pool.end());
  const mailer = createMailer(config.smtp.url!);
  stops.add('mailer', () => mailer.close());
  const worker = await startWorkerRuntime({
    ...workerSettings(config),
    address: config.temporal.address!,
    pool,
    mailer,
    log,
  });
  stops.add('worker', () => worker.stop());
  if (config.workerMetricsPort !== undefined) {
    const metrics = await serveProcessMetrics({ port: config.workerMetricsPort, host: config.workerMetricsHost });
    stops.add('metrics', () => metrics.stop());
  }
  onShutdownSignal(log, () => stops.stopAll());
  log.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address }, 'worker running');
  await worker.done;
}

if (require.main === module) {
  runMain(main);
}
