import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool';
import type { Logger } from '../log';
import type { SecretsKeyring } from '../secrets-key';

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
}
