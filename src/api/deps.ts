import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool';
import type { Logger } from '../log';
import type { SecretsKeyring } from '../secrets-key';
import type { RateLimits } from './rate-limit';

/** The API's own settings (src/config.ts reads them from the environment). */
export interface ApiSettings {
  rateLimits: RateLimits;
  /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
  metricsToken?: string;
  /**
   * TRUST_PROXY: the proxies in front of the API (how many, or their addresses), so that a client's address (for
   * the failed-authentication limit and the logs) is read from X-Forwarded-For; none when unset.
   */
  trustProxy?: number | string;
  /** The built console's files, served at `/` (CONSOLE_DIR; `dist/console` by default). */
  consoleDir: string;
  /** The Temporal namespace and, when known (TEMPORAL_UI_URL, or the dev server's), the Temporal UI's address. */
  temporal: { namespace: string; uiUrl?: string };
}

/** What the HTTP API needs; built once by the process and passed to `createApp`. */
export interface ApiDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  newId: (prefix: string) => string;
  clock: () => Date;
  /** Seals the values `/api/secrets` stores. */
  secretsKey: SecretsKeyring;
  settings: ApiSettings;
}
