import { evaluateConditions, unmetConditions } from './branching';
import type { ConditionGroup } from './conditions';
import type { EnrollingEvent, PropertyChangedEvent, StageEnteredEvent } from './events';
import type { CrmRecord } from './record';
import type { Workflow } from './workflow';

/**
 * Triggering: which automation an event goes to and whether it enrolls the record. One pure module, called by the
 * routers and activities that build events, the relay (routing to a shard) and the once-only decision in PostgreSQL
 * (made by the automation workflow's activity before an enrollment starts). No I/O and no zod, so workflow code may
 * import it.
 */

/** Automation chains deeper than this (A moves a record, which triggers B, which moves it …) are stopped. */
export const MAX_AUTOMATION_DEPTH = 10;

/** How many automation workflows one workflow may run at most (`settings.shards`). */
export const MAX_SHARDS = 64;

/** Ticket sources whose tickets a workflow skips unless its `enrollment.includeSources` lists them. */
export const SOURCES_EXCLUDED_BY_DEFAULT: readonly string[] = ['chat', 'messenger'];

/** The Temporal workflow id of one shard of the automation workflow of a Pipewright workflow. */
export function automationWorkflowId(workflowId: string, shard: number): string {
  return `automation/${workflowId}/${shard}`;
}

/**
 * The shard that takes every event of a record: `hash(recordId) % shards` (32-bit FNV-1a), so one record's events
 * reach one automation workflow, in order.
 */
export function shardOf(recordId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < recordId.length; index++) {
    hash ^= recordId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The one builder of a stage-entry event: a record created in a stage, moved over the API, by an action or a reopen. */
export function stageEnteredEvent(
  record: Pick<CrmRecord, 'id' | 'pipelineId' | 'stageId'>,
  cause: { eventId: string; occurredAt: Date; depth?: number; causedByEnrollmentId?: string; requestId?: string },
): StageEnteredEvent {
  return {
    eventId: cause.eventId,
    recordId: record.id,
    pipelineId: record.pipelineId,
    stageId: record.stageId,
    depth: cause.depth ?? 0,
    occurredAt: cause.occurredAt.toISOString(),
    ...(cause.causedByEnrollmentId && { causedByEnrollmentId: cause.causedByEnrollmentId }),
    ...(cause.requestId && { requestId: cause.requestId }),
  };
}

/**
 * The one builder of a property-change event: a property of the record got a different value (set, changed or
 * removed) over the API or by an action. One event per property changed.
 */
export function propertyChangedEvent(
  record: Pick<CrmRecord, 'id' | 'pipelineId'>,
  property: string,
  cause: { eventId: string; occurredAt: Date; depth?: number; causedByEnrollmentId?: string; requestId?: string },
): PropertyChangedEvent {
  return {
    eventId: cause.eventId,
    recordId: record.id,
    pipelineId: record.pipelineId,
    property,
    depth: cause.depth ?? 0,
    occurredAt: cause.occurredAt.toISOString(),
    ...(cause.causedByEnrollmentId && { causedByEnrollmentId: cause.causedByEnrollmentId }),
    ...(cause.requestId && { requestId: cause.requestId }),
  };
}

/** One property whose value differs between two property sets; `undefined` stands for not set. */
export interface PropertyChange {
  property: string;
  from: unknown;
  to: unknown;
}

/**
 * The properties whose values differ between `before` and `after`, in the order `after` then `before` names them:
 * set (missing before), changed, or removed (missing after). Values are compared as JSON, whatever the key order of
 * objects, so writing a property's current value again is no change.
 */
export function changedProperties(before: Record<string, unknown>, after: Record<string, unknown>): PropertyChange[] {
  const read = (properties: Record<string, unknown>, name: string) =>
    Object.hasOwn(properties, name) ? properties[name] : undefined;
  const names = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return names
    .map((property) => ({ property, from: read(before, property), to: read(after, property) }))
    .filter(({ from, to }) => !sameJson(from, to));
}

function sameJson(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) || Array.isArray(right)) {
    return (
      Array.isArray(left) &&
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => sameJson(item, right[index]))
    );
  }
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  const leftKeys = Object.keys(left);
  const rightObject = right as Record<string, unknown>;
  return (
    leftKeys.length === Object.keys(right).length &&
    leftKeys.every(
      (key) => Object.hasOwn(rightObject, key) && sameJson((left as Record<string, unknown>)[key], rightObject[key]),
    )
  );
}

/** What the enrollment rules look at, read by the caller. */
export interface EnrollmentFacts {
  /** The workflow as it is now; undefined when it was deleted. */
  workflow:
    Pick<Workflow, 'enabled' | 'pipelineId' | 'trigger' | 'settings' | 'enrollment' | 'name' | 'templated'> | undefined;
  /** The record as it is now; undefined when it was deleted. */
  record: Pick<CrmRecord, 'objectType' | 'pipelineId' | 'stageId' | 'source' | 'properties'> | undefined;
  event: Pick<EnrollingEvent, 'depth'>;
  /** Another enrollment of the record in the workflow, if any; `active` while it runs or waits. */
  earlier: { active: boolean } | undefined;
  /**
   * Enrolled by hand (`POST /api/workflows/:id/enrollments`): the trigger is not needed, so the record may be in any
   * stage, and a record that is still enrolled is always refused, whatever the trigger.
   */
  manual?: boolean;
}

/** The rules an enrollment can be refused by, in the order they are checked. */
export const RefusalRules = {
  workflowDeleted: 'workflow_deleted',
  workflowOff: 'workflow_off',
  recordDeleted: 'record_deleted',
  otherPipeline: 'other_pipeline',
  loopGuard: 'loop_guard',
  stageLeft: 'stage_left',
  sourceExcluded: 'source_excluded',
  conditionsNotMet: 'conditions_not_met',
  reenrollOff: 'reenroll_off',
  stillEnrolled: 'still_enrolled',
} as const;
export type RefusalRule = (typeof RefusalRules)[keyof typeof RefusalRules];

/** Why a record does not enroll: the rule that refused it and the reason a person reads in the timeline. */
export interface Refusal {
  rule: RefusalRule;
  reason: string;
}

/** Why the record does not enroll, or undefined when it does. Checked in order; the first refusal wins. */
export function refusal({ workflow, record, event, earlier, manual = false }: EnrollmentFacts): Refusal | undefined {
  const refuse = (rule: RefusalRule, reason: string): Refusal => ({ rule, reason });
  if (!workflow) return refuse(RefusalRules.workflowDeleted, 'the workflow was deleted');
  if (!workflow.enabled) return refuse(RefusalRules.workflowOff, offReason(workflow));
  if (!record) return refuse(RefusalRules.recordDeleted, 'the record was deleted');
  if (record.pipelineId !== workflow.pipelineId) {
    return refuse(
      RefusalRules.otherPipeline,
      `the record is in pipeline "${record.pipelineId}", not in the workflow's pipeline "${workflow.pipelineId}"`,
    );
  }
  const { trigger, settings, enrollment } = workflow;
  if (event.depth > MAX_AUTOMATION_DEPTH) {
    const what = trigger.type === 'property_changed' ? 'property change' : 'stage entry';
    return refuse(
      RefusalRules.loopGuard,
      `stopped by the loop guard: this ${what} is ${event.depth} automation steps deep (limit ${MAX_AUTOMATION_DEPTH}); workflows keep triggering each other in a loop`,
    );
  }
  if (
    !manual &&
    trigger.type === 'stage_entered' &&
    settings.unenrollOnStageExit &&
    record.stageId !== trigger.stageId
  ) {
    return refuse(
      RefusalRules.stageLeft,
      `the record already left stage "${trigger.stageId}" (it is in "${record.stageId}")`,
    );
  }
  const source = record.objectType === 'ticket' ? record.source : null;
  if (source !== null && SOURCES_EXCLUDED_BY_DEFAULT.includes(source) && !enrollment.includeSources?.includes(source)) {
    return refuse(
      RefusalRules.sourceExcluded,
      `tickets from ${source} are not enrolled unless the workflow lists "${source}" in enrollment.includeSources`,
    );
  }
  const unmet = enrollment.conditions && unmetConditions(enrollment.conditions, record);
  if (unmet) return refuse(RefusalRules.conditionsNotMet, unmet);
  if (earlier && !enrollment.reenroll) {
    return refuse(RefusalRules.reenrollOff, 'the record was enrolled before and re-enrollment is off');
  }
  // Each email and each property change is an event of its own, enrolled even while an earlier one's enrollment
  // runs; a stage is entered once at a time, and a record is enrolled by hand once at a time.
  if (earlier?.active && (manual || trigger.type === 'stage_entered')) {
    return refuse(
      RefusalRules.stillEnrolled,
      'the record is still enrolled from an earlier entry; a record is never enrolled twice at once',
    );
  }
  return undefined;
}

/** The reason an enrollment whose record meets its workflow's goal ends with (`unenrolled: goal met`). */
export const GOAL_MET_REASON = 'goal met';

/**
 * Whether a running or waiting enrollment of a workflow with these settings ends because its record meets the goal
 * (`settings.goal`); checked before each step and, by the relay, whenever the record changes.
 */
export function goalMet(
  settings: { goal?: ConditionGroup },
  record: { stageId: string; properties: Record<string, unknown> },
): boolean {
  return settings.goal !== undefined && evaluateConditions(settings.goal, record);
}

/** Why the record does not enroll, or undefined when it does (the reason of `refusal`). */
export function refusalReason(facts: EnrollmentFacts): string | undefined {
  return refusal(facts)?.reason;
}

/** Why an event does not enroll in a workflow that is off. */
export function offReason(workflow: Pick<Workflow, 'name' | 'templated'>): string {
  return workflow.templated ? `the templated automation "${workflow.name}" is off` : 'the workflow is off';
}

/** The `not_enrolled` line of a refusal: a templated automation that does not act leaves the status as it is. */
export function notEnrolledDetail(workflow: Pick<Workflow, 'templated'> | undefined, reason: string): string {
  return `${workflow?.templated ? 'status unchanged' : 'not enrolled'}: ${reason}`;
}
