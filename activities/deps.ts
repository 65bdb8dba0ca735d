import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { LookupAddress } from 'node:dns';
import type { Pool, PoolClient } from '../src/db/pool';
import { getRecord } from '../src/db/records';
import type { CrmRecord } from '../src/domain';
import { NonRetryableErrors } from '../src/domain/errors';
import type { Logger } from '../src/log';
import type { Mailer } from '../src/mail/mailer';
import type { SecretsKeyring } from '../src/secrets-key';

/** Everything activities touch, injected by the worker (and by tests, with real parts). */
export interface ActivityDeps {
  pool: Pool;
  mailer: Mailer;
  mailFrom: string;
  clock: () => Date;
  log: Logger;
  newId: (prefix: string) => string;
  webhookPolicy: WebhookPolicy;
  /** Opens the secrets webhooks name (`{{secrets.<name>}}`); the same key as the API's. */
  secretsKey: SecretsKeyring;
}

/** What the activity that starts enrollments needs besides: a Temporal client and the task queue to start them on. */
export interface EnrollmentStarterDeps {
  temporal: Client;
  taskQueue: string;
}

/** Where webhooks may go and how long one request may take; built from config by the worker. */
export interface WebhookPolicy {
  /**
   * Allow targets that are or resolve to loopback, private or other non-public addresses. Off unless
   * WEBHOOK_ALLOW_PRIVATE_TARGETS=true; `npm start`, which serves one machine on loopback, turns it on.
   */
  allowPrivateTargets: boolean;
  /** Host names allowed even though they resolve to private addresses (`WEBHOOK_ALLOWED_HOSTS`). */
  allowedHosts: string[];
  /** How long one attempt waits for the response headers before it counts as unreachable. */
  timeoutMs: number;
  /**
   * Resolves a host name to every address it has, once for each connection; `dns.lookup` unless given. Tests give
   * one that answers for names of their own, as a DNS server an attacker runs would.
   */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

export { NonRetryableErrors } from '../src/domain/errors';

/** Reads the record an action works on; a record that is gone is a final failure, not a retry. */
export async function requireRecord(db: PoolClient, recordId: string, forUpdate = false): Promise<CrmRecord> {
  const record = await getRecord(db, recordId, forUpdate);
  if (!record) {
    throw ApplicationFailure.create({
      type: NonRetryableErrors.recordNotFound,
      nonRetryable: true,
      message: `record "${recordId}" does not exist`,
    });
  }
  return record;
}
