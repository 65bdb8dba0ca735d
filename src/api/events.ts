import { Router } from 'express';
import { enqueueStageEntered, enqueueTicketEmail } from '../db/outbox';
import { getPipeline } from '../db/pipelines';
import { withIdempotency } from '../db/idempotency';
import type { PoolClient } from '../db/pool';
import { getRecord, updateRecord } from '../db/records';
import { addTicketThread, insertEmailEvent, listTicketThreads, markReopened, wasReopened } from '../db/tickets';
import { appendTimeline } from '../db/timeline';
import {
  type CrmRecord,
  firstOpenStage,
  Permissions,
  type Pipeline,
  stageEnteredEvent,
  TimelineKinds,
} from '../domain';
import {
  classificationLabel,
  classifyEmailEvent,
  type EmailDecision,
  type EmailEvent,
  EmailEventSchema,
  IGNORE_REASON_TEXT,
} from '../domain/email-events';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { notFound, unprocessable } from './problem';
import { idempotencyKey, parseInput } from './validate';

/** `POST /api/events/email`: store, classify and deliver an email sent or received on a ticket. */
export function createEventsRouter({ pool, newId, clock }: ApiDeps): Router {
  const router = Router();

  router.post('/email', allow(Permissions.ingest), async (req, res) => {
    const event = parseInput(EmailEventSchema, req.body, 'body');
    const answer = await withIdempotency(pool, 'POST /api/events/email', idempotencyKey(req), async (db) => {
      const ticket = await getRecord(db, event.ticketId, true);
      if (!ticket) throw notFound('ticket', event.ticketId);
      const pipeline = (await getPipeline(db, ticket.pipelineId))!;
      if (ticket.objectType !== 'ticket') {
        throw unprocessable('Email events belong to tickets.', [
          { path: 'body.ticketId', message: `record "${ticket.id}" is a ${ticket.objectType}, not a ticket` },
        ]);
      }
      const decision = classifyEmailEvent(event, {
        state: pipeline.stages.find((stage) => stage.id === ticket.stageId)?.state ?? 'open',
        contactEmails: ticket.contacts.map((contact) => contact.email),
        threads: await listTicketThreads(db, ticket.id),
        reopened: await wasReopened(db, ticket.id),
      });
      const eventId = newId('evt');
      const classification = classificationLabel(decision.classification);
      await insertEmailEvent(db, { eventId, ticketId: ticket.id, payload: event, classification });
      await applyDecision(db, { event, eventId, ticket, pipeline, decision, requestId: req.id });
      return { status: 202, body: { eventId, classification } };
    });
    res.status(answer.status).json(answer.body);
  });

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
    if (decision.reopen) await reopen(db, ticket, pipeline, event, requestId);
    if (classification.kind !== 'ignored') {
      // The email's own id: its enrollments are named after it, and carry its place among the ticket's emails.
      await enqueueTicketEmail(db, {
        eventId,
        recordId: ticket.id,
        pipelineId: ticket.pipelineId,
        on: classification.kind,
        depth: 0,
        occurredAt: clock().toISOString(),
        requestId,
      });
    }
  }

  /** A reply on a closed ticket moves it to the pipeline's first open status: a stage entry like any other. */
  async function reopen(
    db: PoolClient,
    ticket: CrmRecord,
    pipeline: Pipeline,
    event: EmailEvent,
    requestId: string | undefined,
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
    const entered = stageEnteredEvent(updated, { eventId: newId('evt'), occurredAt: clock(), requestId });
    await enqueueStageEntered(db, entered, 'reopened by a customer reply');
  }

  return router;
}
