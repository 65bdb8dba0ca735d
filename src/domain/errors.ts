import { WebhookErrors } from './webhook';

/** Failure types of activities that no retry can fix. */
export const NonRetryableErrors = {
  recordNotFound: 'RecordNotFound',
  invalidAction: 'InvalidAction',
} as const;

/** Every business-final failure type, for the retry policies' `nonRetryableErrorTypes`. */
export const FINAL_FAILURE_TYPES: string[] = [
  ...Object.values(NonRetryableErrors),
  WebhookErrors.rejected,
  WebhookErrors.targetRefused,
];
