import { Router } from 'express';
import { getPipeline } from '../db/pipelines';
import { getRecord } from '../db/records';
import { recordTicketEmail } from '../db/ticket-emails';
import { Permissions } from '../domain';
import { EmailEventSchema } from '../domain/email-events';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { answerOnce } from './idempotency';
import { notFound, unprocessable } from './problem';
import { parseInput } from './validate';

/** `POST /api/events/email`: store, classify and deliver an email sent or received on a ticket. */
export function createEventsRouter({ pool, newId, clock }: ApiDeps): Router {
  const router = Router();

  router.post('/email', allow(Permissions.ingest), async (req, res) => {
    const event = parseInput(EmailEventSchema, req.body, 'body');
    const answer = await answerOnce(pool, req, 'POST /api/events/email', async (db) => {
      const ticket = await getRecord(db, event.ticketId, true);
      if (!ticket) throw notFound('ticket', event.ticketId);
      const pipeline = (await getPipeline(db, ticket.pipelineId))!;
      if (ticket.objectType !== 'ticket') {
        throw unprocessable('Email events belong to tickets.', [
          { path: 'body.ticketId', message: `record "${ticket.id}" is a ${ticket.objectType}, not a ticket` },
        ]);
      }
      const recorded = await recordTicketEmail(db, { event, ticket, pipeline, requestId: req.id }, { newId, clock });
      return { status: 202, body: recorded };
    });
    res.status(answer.status).json(answer.body);
  });

  return router;
}
