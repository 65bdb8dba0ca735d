import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { BUILT_CONSOLE_DIR } from './api/console';
import type { ApiSettings } from './api/deps';

const port = z.coerce.number().int().min(0).max(65_535);
const optionalUrl = (protocols: RegExp, hint: string) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((value) => {
      try {
        return protocols.test(new URL(value).protocol);
      } catch {
        return false;
      }
    }, hint)
    .optional();

/** Example values from the docs and compose files, which must never guard a real installation. */
const PLACEHOLDER_SECRET = /change[-_ ]?me|replace[-_ ]?me|placeholder/i;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: optionalUrl(/^postgres(ql)?:$/, 'use postgres://user:password@host:port/database'),
  EMBEDDED_PG_PORT: port.default(54329),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d+$/, 'use host:port, e.g. localhost:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('pipewright'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  SMTP_URL: optionalUrl(/^smtps?:$/, 'use smtp://host:port or smtps://user:password@host:port'),
  SMTP_SINK_PORT: port.default(2525),
  MAIL_FROM: z.string().min(3).default('Pipewright <automations@pipewright.local>'),
  ADMIN_TOKEN: z
    .string()
    .min(16, 'use at least 16 characters')
    .refine(
      (secret) => !PLACEHOLDER_SECRET.test(secret),
      'is a placeholder, not a secret; set a long random one, e.g. ADMIN_TOKEN=$(openssl rand -hex 32)',
    )
    .optional(),
  RELAY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    ),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false'], { error: 'use true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  SECRETS_KEY: z
    .string()
    .trim()
    .transform((text) => (/^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64')))
    .refine((key) => key.length === 32, 'use 32 random bytes as base64 or hex, e.g. from `openssl rand -base64 32`')
    .optional(),
  WORKER_METRICS_PORT: port.optional(),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  API_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(6_000),
  API_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(120),
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[0-9a-f.:/, ]+)$/i, 'use the number of proxies in front, or their addresses (comma-separated)')
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
    .optional(),
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  CONSOLE_DIR: z.string().min(1).optional(),
  TEMPORAL_UI_URL: optionalUrl(/^https?:$/, 'use the Temporal UI address, e.g. http://localhost:8080'),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(2).max(100_000).default(500),
});

/** Configuration of every Pipewright process, parsed once from the environment. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  dataDir: string;
  logLevel: string;
  databaseUrl?: string;
  /** PostgreSQL connections per process (API and worker each have their own pool). */
  databasePoolSize: number;
  embeddedPgPort: number;
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cliPath?: string;
    devPort: number;
    uiPort: number;
    /** TLS to TEMPORAL_ADDRESS, with a client certificate for mTLS (TEMPORAL_TLS_*); plain TCP when absent. */
    tls?: TLSConfig;
  };
  smtp: { url?: string; sinkPort: number; from: string };
  adminToken?: string;
  relayPollMs: number;
  /**
   * Where webhooks may go. Private and loopback targets are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true
   * (`npm start` turns it on: it serves one machine, on loopback) or the host is in WEBHOOK_ALLOWED_HOSTS.
   */
  webhook: { allowPrivateTargets: boolean; allowedHosts: string[]; timeoutMs: number };
  /** SECRETS_KEY: the key secrets are sealed with; without it, the key file in DATA_DIR (`src/secrets-key.ts`). */
  secretsKey?: Buffer;
  /** Port of the worker process's own `/metrics` (process memory, event loop); none when unset. */
  workerMetricsPort?: number;
  /** Interface the worker's `/metrics` listens on: loopback unless set. */
  workerMetricsHost: string;
  api: ApiSettings;
  /** A workflow bundle for the worker to run instead of the one `npm run build` made (absolute path). */
  workflowBundle?: string;
  /**
   * Workflows a worker keeps in memory between their tasks. One that is not cached is rebuilt from its history on
   * its next task (a replay); the SDK's own default, sized from the heap limit, kept ~2,300 here (about 0.4 MiB each).
   */
  maxCachedWorkflows: number;
}

/** A configuration value that is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An environment variable Pipewright reads. */
export type EnvName = keyof z.input<typeof EnvSchema>;

/**
 * Parses the environment over a process's own `defaults`; a variable set to the empty string counts as unset.
 * Throws a ConfigError naming each bad variable and why.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<Record<EnvName, string>> = {},
): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse({ ...defaults, ...set });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      tls: temporalTls(e),
    },
    smtp: { url: e.SMTP_URL, sinkPort: e.SMTP_SINK_PORT, from: e.MAIL_FROM },
    adminToken: e.ADMIN_TOKEN,
    relayPollMs: e.RELAY_POLL_MS,
    webhook: {
      allowPrivateTargets: e.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    workerMetricsPort: e.WORKER_METRICS_PORT,
    workerMetricsHost: e.WORKER_METRICS_HOST,
    api: {
      rateLimits: { perToken: e.API_RATE_LIMIT, authFailures: e.API_AUTH_FAILURE_LIMIT },
      metricsToken: e.METRICS_TOKEN,
      trustProxy: e.TRUST_PROXY,
      consoleDir: e.CONSOLE_DIR ? path.resolve(e.CONSOLE_DIR) : BUILT_CONSOLE_DIR,
      temporal: { namespace: e.TEMPORAL_NAMESPACE, uiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, '') },
    },
    workflowBundle: e.WORKFLOW_BUNDLE && path.resolve(e.WORKFLOW_BUNDLE),
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    secretsKey: e.SECRETS_KEY,
  };
}

/**
 * The line a process that runs webhooks prints at start-up when private targets are allowed, or undefined when
 * they are refused (the default).
 */
export function privateTargetsWarning(config: Pick<Config, 'webhook'>): string | undefined {
  if (!config.webhook.allowPrivateTargets) return undefined;
  return (
    'WARNING: webhooks may call loopback and private addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS=true), so anyone who ' +
    'can edit a workflow can reach the services of this machine and its network. npm start allows them because it ' +
    'serves this machine only, on loopback; set WEBHOOK_ALLOW_PRIVATE_TARGETS=false to refuse them, or list hosts ' +
    'in WEBHOOK_ALLOWED_HOSTS.'
  );
}

/** For the separate production processes: each listed service must be configured, not embedded. */
export function requireExternal(config: Config, needs: ('DATABASE_URL' | 'TEMPORAL_ADDRESS' | 'SMTP_URL')[]): void {
  const present = {
    DATABASE_URL: config.databaseUrl,
    TEMPORAL_ADDRESS: config.temporal.address,
    SMTP_URL: config.smtp.url,
  };
  const missing = needs.filter((name) => !present[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${missing.map((name) => `  ${name}: required when running this process on its own`).join('\n')}`,
    );
  }
}

type TemporalTlsEnv = Pick<
  z.infer<typeof EnvSchema>,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME'
>;

/**
 * The TLS options of the connections to TEMPORAL_ADDRESS, from PEM files: the client certificate and its key (both
 * or neither; Temporal's mTLS asks for them), the CA that signed the server's certificate (else the system's), and
 * the name to expect in it (else the host of TEMPORAL_ADDRESS). Undefined, plain TCP, when none is set.
 */
function temporalTls(e: TemporalTlsEnv): TLSConfig | undefined {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: name } = e;
  if (!cert && !key && !ca && !name) return undefined;
  const problems: string[] = [];
  if (!e.TEMPORAL_ADDRESS) {
    problems.push('TEMPORAL_TLS_*: only with TEMPORAL_ADDRESS (the embedded dev server has no TLS)');
  }
  if (!cert !== !key) {
    problems.push(
      `${cert ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'}: set the client certificate and its key together`,
    );
  }
  const read = (variable: string, file: string | undefined): Buffer | undefined => {
    if (!file) return undefined;
    try {
      const pem = readFileSync(path.resolve(file));
      if (!pem.includes('-----BEGIN ')) problems.push(`${variable}: ${file} is not a PEM file`);
      return pem;
    } catch (error) {
      problems.push(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
  };
  const crt = read('TEMPORAL_TLS_CERT', cert);
  const privateKey = read('TEMPORAL_TLS_KEY', key);
  const serverRootCACertificate = read('TEMPORAL_TLS_CA', ca);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
  }
  return {
    ...(crt && privateKey && { clientCertPair: { crt, key: privateKey } }),
    ...(serverRootCACertificate && { serverRootCACertificate }),
    ...(name && { serverNameOverride: name }),
  };
}
