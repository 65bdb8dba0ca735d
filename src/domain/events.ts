import type { TicketEmailTrigger } from './email-events';

/** Kinds of automation events carried by outbox rows and Temporal signals. */
export const EventTypes = {
  stageEntered: 'stage_entered',
  propertyChanged: 'property_changed',
  ticketEmail: 'ticket_email',
  automationToggle: 'automation_toggle',
  enrollmentStart: 'enrollment_start',
  actionRetry: 'action_retry',
} as const;
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

/** A record entered a stage (created in it or moved to it). Carries ids, not documents. */
export interface StageEnteredEvent {
  eventId: string;
  recordId: string;
  pipelineId: string;
  stageId: string;
  /** How many automation steps led to this event: 0 for a change made over HTTP. */
  depth: number;
  occurredAt: string;
  /** The enrollment whose `set_stage` made this move; it is not unenrolled for leaving its own stage. */
  causedByEnrollmentId?: string;
  /** The HTTP request (X-Request-Id) that caused the event, or the one that started its automation chain. */
  requestId?: string;
}

/**
 * A property of a record got a different value (set, changed or removed). Carries the property's name, not its
 * values: they are in the `property_changed` timeline line, and conditions read the record as it is when handled.
 */
export interface PropertyChangedEvent {
  eventId: string;
  recordId: string;
  pipelineId: string;
  property: string;
  /** How many automation steps led to this event: 0 for a change made over HTTP. */
  depth: number;
  occurredAt: string;
  /** The enrollment whose `set_property` made this change; its own goal is checked before its next step. */
  causedByEnrollmentId?: string;
  requestId?: string;
}

/** An email on a ticket that fires `ticket_email` triggers (`on` is its classification). */
export interface TicketEmailEvent {
  eventId: string;
  recordId: string;
  pipelineId: string;
  on: TicketEmailTrigger;
  depth: number;
  occurredAt: string;
  requestId?: string;
}

/** What starting an enrollment needs of any event that enrolls a record. */
export type EnrollingEvent = Pick<StageEnteredEvent, 'eventId' | 'recordId' | 'depth' | 'requestId'>;

/**
 * A workflow was turned on or off, deleted, or its shard count changed: the relay makes the automation workflows
 * `automation/<workflowId>/<0 … shards-1>` match what the workflow's row says now. `shards` is the larger of the
 * shard counts before and after the change, so that shards no longer used are stopped too.
 */
export interface AutomationToggleEvent {
  eventId: string;
  workflowId: string;
  shards: number;
}

/**
 * An enrollment decided and recorded outside an automation workflow (enrolled by hand): the relay starts its
 * workflow, so the start survives an unreachable Temporal. `pipelineId` is for its search attributes.
 */
export interface EnrollmentStartEvent {
  eventId: string;
  enrollment: EnrollmentInput;
  pipelineId: string;
}

/** One retry of an action that failed in an enrollment (`POST …/actions/:actionId/retry`). */
export interface ActionRetryInput {
  enrollmentId: string;
  workflowId: string;
  recordId: string;
  actionId: string;
  /** 1 for the first retry of this action in this enrollment, then 2, … */
  attempt: number;
  depth: number;
}

/** The Temporal workflow id of one retry; also its outbox event id. */
export function actionRetryWorkflowId(retry: Pick<ActionRetryInput, 'enrollmentId' | 'actionId' | 'attempt'>): string {
  return `retry/${retry.enrollmentId}/${retry.actionId}/${retry.attempt}`;
}

/** Kinds of lines in a record's timeline. */
export const TimelineKinds = {
  stageEntered: 'stage_entered',
  emailReceived: 'email_received',
  enrolled: 'enrolled',
  notEnrolled: 'not_enrolled',
  actionCompleted: 'action_completed',
  actionSkipped: 'action_skipped',
  actionFailed: 'action_failed',
  /** An operator asked for a failed action again; its outcome follows in a line of its own. */
  actionRetried: 'action_retried',
  delayStarted: 'delay_started',
  waitingForWindow: 'waiting_for_window',
  /** An action with side effects was reached on a pause date and waits for the next day that is not one. */
  waitingForPauseDate: 'waiting_for_pause_date',
  unenrolled: 'unenrolled',
  statusChanged: 'status_changed',
  propertyChanged: 'property_changed',
  enrollmentCompleted: 'enrollment_completed',
} as const;
export type TimelineKind = (typeof TimelineKinds)[keyof typeof TimelineKinds];

/** What an enrollment workflow is started with. */
export interface EnrollmentInput {
  enrollmentId: string;
  workflowId: string;
  recordId: string;
  eventId: string;
  depth: number;
  /** The request that caused the event, for the logs. */
  requestId?: string;
}

/** The input of the enrollment of one record in one workflow for one event. */
export function enrollmentInput(workflowId: string, event: EnrollingEvent): EnrollmentInput {
  return {
    enrollmentId: enrollmentWorkflowId(workflowId, event.recordId, event.eventId),
    workflowId,
    recordId: event.recordId,
    eventId: event.eventId,
    depth: event.depth,
    requestId: event.requestId,
  };
}

/** The Temporal workflow id of one enrollment; also the enrollment id. */
export function enrollmentWorkflowId(workflowId: string, recordId: string, eventId: string): string {
  return `enrollment/${workflowId}/${recordId}/${eventId}`;
}
