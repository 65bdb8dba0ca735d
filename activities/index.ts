import type { ActionActivityName } from '../src/domain';
import { createAuditActivities } from './audit';
import { createBackfillActivities } from './backfill';
import type { ActivityDeps, EnrollmentStarterDeps } from './deps';
import { createEmailActivities } from './email';
import { createEnrollmentActivities } from './enrollments';
import { createRecordActivities } from './records';
import { createTaskActivities } from './tasks';
import { createWebhookActivities } from './webhook';

export type { ActivityDeps, EnrollmentStarterDeps, WebhookPolicy } from './deps';
export type { ProgressInput } from './audit';
export type { BackfillCursor } from './backfill';
export type { CurrentAction, EnrollmentInput, NextStep } from './enrollments';

/** Builds every activity with its dependencies; the worker registers the result. */
export function createActivities(deps: ActivityDeps & EnrollmentStarterDeps) {
  const activities = {
    ...createEnrollmentActivities(deps),
    ...createBackfillActivities(deps),
    ...createAuditActivities(deps),
    ...createTaskActivities(deps),
    ...createRecordActivities(deps),
    ...createEmailActivities(deps),
    ...createWebhookActivities(deps),
  };
  // Every activity named in the action registry must exist here.
  return activities satisfies Record<ActionActivityName, unknown>;
}

export type Activities = ReturnType<typeof createActivities>;
