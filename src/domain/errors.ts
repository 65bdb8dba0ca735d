/**
 * Failure types of activities, shared by the activities that throw them and the workflow that lists the final ones
 * as non-retryable. Workflow code imports this module, so it must stay free of zod, directly and through its
 * imports: the workflow bundle runs its module code again for every workflow instance.
 */

/** Failure types of activities that no retry can fix. */
export const NonRetryableErrors = {
  recordNotFound: 'RecordNotFound',
  invalidAction: 'InvalidAction',
  /** The change would take the record past its limits (`limits.ts`). */
  recordLimit: 'RecordLimit',
} as const;

/** Failure types thrown by the webhook activity. The first two are final; the workflow lists them as non-retryable. */
export const WebhookErrors = {
  targetRefused: 'WebhookTargetRefused',
  rejected: 'WebhookRejected',
  retryableStatus: 'WebhookRetryableStatus',
  unreachable: 'WebhookUnreachable',
  /** A secret the webhook names cannot be opened with this worker's key (retried: the key can be fixed). */
  secretUnreadable: 'WebhookSecretUnreadable',
} as const;
export type WebhookError = (typeof WebhookErrors)[keyof typeof WebhookErrors];

/** Every business-final failure type, for the retry policies' `nonRetryableErrorTypes`. */
export const FINAL_FAILURE_TYPES: string[] = [
  ...Object.values(NonRetryableErrors),
  WebhookErrors.rejected,
  WebhookErrors.targetRefused,
];
