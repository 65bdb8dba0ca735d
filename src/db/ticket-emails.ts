import { type CrmRecord, firstOpenStage, type Pipeline, stageEnteredEvent, TimelineKinds } from '../domain';
import {
  classificationLabel,
  classifyEmailEvent,
  type EmailDecision,
  type EmailEvent,
  IGNORE_REASON_TEXT,
} from '../domain/email-events';
import { enqueueStageEntered, enqueueTicketEmail } from './outbox';
import type { PoolClient } from './pool';
import { updateRecord } from './records';
import { addTicketThread, insertEmailEvent, listTicketThreads, markReopened, wasReopened } from './tickets';
import { appendTimeline } from './timeline';

interface Ids {
  newId: (prefix: string) => string;
  clock: () => Date;
}

/**
 * Stores an email sent or received on a ticket, in the transaction of the request that brought it (the ticket row
 * locked): classifies it, and writes what it means — its timeline line, a new thread, the always-on reopen of a
 * closed ticket, and the `ticket_email` event that the ticket's automations take.
 */
export async function recordTicketEmail(
  db: PoolClient,
  {
    event,
    ticket,
    pipeline,
    requestId,
  }: { event: EmailEvent; ticket: CrmRecord; pipeline: Pipeline; requestId?: string },
  ids: Ids,
): Promise<{ eventId: string; classification: string }> {
  const decision = classifyEmailEvent(event, {
    state: pipeline.stages.find((stage) => stage.id === ticket.stageId)?.state ?? 'open',
    contactEmails: ticket.contacts.map((contact) => contact.email),
    threads: await listTicketThreads(db, ticket.id),
    reopened: await wasReopened(db, ticket.id),
  });
  const eventId = ids.newId('evt');
  const classification = classificationLabel(decision.classification);
  await insertEmailEvent(db, { eventId, ticketId: ticket.id, payload: event, classification });
  await applyDecision(db, { event, eventId, ticket, pipeline, decision, requestId }, ids);
  return { eventId, classification };
}

/** Writes what the email means for the ticket: its timeline line, a new thread, a reopen, a trigger. */
async function applyDecision(
  db: PoolClient,
  {
    event,
    eventId,
    ticket,
    pipeline,
    decision,
    requestId,
  }: {
    event: EmailEvent;
    eventId: string;
    ticket: CrmRecord;
    pipeline: Pipeline;
    decision: EmailDecision;
    requestId: string | undefined;
  },
  ids: Ids,
): Promise<void> {
  const { classification } = decision;
  const what = `${event.direction} email ${event.messageId} on thread ${event.threadId}`;
  await appendTimeline(db, {
    recordId: ticket.id,
    kind: TimelineKinds.emailReceived,
    eventId,
    detail:
      classification.kind === 'ignored'
        ? `${what}: ignored by ticket automations: ${IGNORE_REASON_TEXT[classification.reason]}`
        : `${what}: ${classification.kind.replace(/_/g, ' ')}`,
  });
  if (decision.addThread) await addTicketThread(db, ticket.id, decision.addThread.threadId, decision.addThread.kind);
  if (decision.reopen) await reopen(db, { ticket, pipeline, event, requestId }, ids);
  if (classification.kind !== 'ignored') {
    // The email's own id: its enrollments are named after it, and carry its place among the ticket's emails.
    await enqueueTicketEmail(db, {
      eventId,
      recordId: ticket.id,
      pipelineId: ticket.pipelineId,
      on: classification.kind,
      depth: 0,
      occurredAt: ids.clock().toISOString(),
      requestId,
    });
  }
}

/** A reply on a closed ticket moves it to the pipeline's first open status: a stage entry like any other. */
async function reopen(
  db: PoolClient,
  {
    ticket,
    pipeline,
    event,
    requestId,
  }: { ticket: CrmRecord; pipeline: Pipeline; event: EmailEvent; requestId?: string },
  ids: Ids,
): Promise<void> {
  const stage = firstOpenStage(pipeline);
  if (!stage) return;
  const updated = await updateRecord(db, ticket.id, { stageId: stage.id, properties: ticket.properties });
  await markReopened(db, ticket.id);
  await appendTimeline(db, {
    recordId: ticket.id,
    kind: TimelineKinds.statusChanged,
    detail: `reopened: the customer replied on thread ${event.threadId}; status "${ticket.stageId}" → "${stage.id}"`,
  });
  const entered = stageEnteredEvent(updated, { eventId: ids.newId('evt'), occurredAt: ids.clock(), requestId });
  await enqueueStageEntered(db, entered, 'reopened by a customer reply');
}
