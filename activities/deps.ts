import { ApplicationFailure } from '@temporalio/activity';
import type { Pool, PoolClient } from '../src/db/pool';
import { getRecord } from '../src/db/records';
import type { CrmRecord } from '../src/domain';
import type { Logger } from '../src/log';
import type { Mailer } from '../src/mail/mailer';

/** Everything activities touch, injected by the worker (and by tests, with real parts). */
export interface ActivityDeps {
  pool: Pool;
  mailer: Mailer;
  mailFrom: string;
  clock: () => Date;
  log: Logger;
  newId: (prefix: string) => string;
}

/** Business-final failure types: Temporal does not retry these. */
export const NonRetryableErrors = {
  recordNotFound: 'RecordNotFound',
  invalidAction: 'InvalidAction',
} as const;

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
