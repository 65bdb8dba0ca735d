/** One line of a record's timeline, as `GET /api/records/:id/timeline` lists it. */
export interface TimelineItem {
  /** The line's place in the order lines were written: a later line has a larger one (digits, compared as numbers). */
  id: string;
  at: string;
  /** One of `TimelineKinds`; typed loosely, since lines written by an older version may carry a kind retired since. */
  kind: string;
  workflowId?: string;
  enrollmentId?: string;
  actionId?: string;
  eventId?: string;
  /** What happened and why, in full: a skip or a refusal names its reason. */
  detail: string;
}
