/** An enrollment's status: `waiting` is in a delay, or held for the execution window or a pause date, until `wakeAt`. */
export const EnrollmentStatuses = {
  running: 'running',
  waiting: 'waiting',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
} as const;
export type EnrollmentStatus = (typeof EnrollmentStatuses)[keyof typeof EnrollmentStatuses];

/** One enrollment, as `GET /api/workflows/:id/enrollments` and `GET /api/records/:id/enrollments` list it; `id` is also its Temporal workflow id. */
export interface Enrollment {
  id: string;
  workflowId: string;
  recordId: string;
  status: EnrollmentStatus;
  currentActionId?: string;
  wakeAt?: string;
  startedAt: string;
  endedAt?: string;
}
