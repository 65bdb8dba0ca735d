import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/net';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { resolveTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { writeWorkflowBundle } from '../../src/temporal/workflow-bundle';
import { buildConsole } from '../../scripts/build-console';
import { TEMPLATE_DATABASE, TestEnv } from './env';

/**
 * One Temporal dev server, one embedded PostgreSQL, one workflow bundle and one console build for the whole suite.
 * Each test file then makes its own database from a migrated template, and its own task queue.
 */
export default async function globalSetup(): Promise<void> {
  const say = (line: string) => process.stdout.write(`[test setup] ${line}\n`);
  const started = Date.now();
  const cliPath = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, say });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'pipewright-test-'));
  await chmod(workDir, 0o755); // PostgreSQL runs as its own user when we are root

  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  const consoleDir = path.join(workDir, 'console');
  const [temporal, database] = await Promise.all([
    startDevServer({ cliPath, port: await freePort() }),
    startEmbeddedPostgres({ dir: path.join(workDir, 'postgres'), port: await freePort() }),
    writeWorkflowBundle(bundlePath),
    buildConsole(consoleDir),
  ]);

  const adminUrl = database.url;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const template = createPool(adminUrl.replace(/\/[^/]+$/, `/${TEMPLATE_DATABASE}`), (error) => say(String(error)));
  await migrate(template);
  await template.end();

  process.env[TestEnv.cliPath] = cliPath;
  process.env[TestEnv.temporalAddress] = temporal.address;
  process.env[TestEnv.adminUrl] = adminUrl;
  process.env[TestEnv.workflowBundle] = bundlePath;
  process.env[TestEnv.consoleDir] = consoleDir;
  (globalThis as Record<string, unknown>).__pipewrightTeardown = async () => {
    await temporal.stop();
    await database.stop();
  };
  say(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Temporal ${temporal.address}, PostgreSQL ${adminUrl})`,
  );
}
