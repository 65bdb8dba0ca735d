import { Router } from 'express';
import { enqueuePropertyChanged, enqueueStageEntered } from '../db/outbox';
import { listEnrollments } from '../db/enrollments';
import { getPipeline } from '../db/pipelines';
import type { Queryable } from '../db/pool';
import { getRecord, insertRecord, mergeProperties, updateRecord } from '../db/records';
import { addTicketThread } from '../db/tickets';
import { listTimeline } from '../db/timeline';
import {
  changedProperties,
  type CrmRecord,
  CreateRecordSchema,
  PatchRecordSchema,
  Permissions,
  RecordEnrollmentsQuerySchema,
  TimelineQuerySchema,
  type Pipeline,
  propertiesProblem,
  propertyChangedEvent,
  stageEnteredEvent,
} from '../domain';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { answerOnce } from './idempotency';
import { conflict, notFound, unprocessable } from './problem';
import { checkVersion, pageRequest, parseIfMatch, parseInput, pathId } from './validate';

export function createRecordsRouter({ pool, newId, clock }: ApiDeps): Router {
  const router = Router();

  async function stageEntered(db: Queryable, record: CrmRecord, cause: string, requestId?: string): Promise<void> {
    const event = stageEnteredEvent(record, { eventId: newId('evt'), occurredAt: clock(), requestId });
    await enqueueStageEntered(db, event, cause);
  }

  /** One `property_changed` event per property whose value differs between `before` and the record now. */
  async function propertiesChanged(
    db: Queryable,
    before: Record<string, unknown>,
    record: CrmRecord,
    cause: string,
    requestId?: string,
  ): Promise<void> {
    for (const change of changedProperties(before, record.properties)) {
      const event = propertyChangedEvent(record, change.property, {
        eventId: newId('evt'),
        occurredAt: clock(),
        requestId,
      });
      await enqueuePropertyChanged(db, event, change, cause);
    }
  }

  router.post('/', allow(Permissions.ingest), async (req, res) => {
    const input = parseInput(CreateRecordSchema, req.body, 'body');
    const answer = await answerOnce(pool, req, 'POST /api/records', async (db) => {
      const pipeline = await getPipeline(db, input.pipelineId);
      if (!pipeline) {
        throw unprocessable('The record names a pipeline that does not exist.', [
          { path: 'body.pipelineId', message: `pipeline "${input.pipelineId}" does not exist` },
        ]);
      }
      requireStage(pipeline, input.stageId);
      const created = await insertRecord(db, {
        id: input.id ?? newId('rec'),
        objectType: pipeline.objectType,
        pipelineId: pipeline.id,
        stageId: input.stageId,
        properties: input.properties,
        source: input.source ?? null,
        ownerId: input.ownerId ?? null,
        contacts: input.contacts,
      });
      if (!created) throw conflict(`Record "${input.id}" exists already. Use another id, or PATCH it.`);
      const originThread = created.properties.threadId;
      if (created.objectType === 'ticket' && typeof originThread === 'string' && originThread !== '') {
        await addTicketThread(db, created.id, originThread, 'origin');
      }
      // Its properties are where the record starts, not changes: a new record is a stage entry (with conditions).
      await stageEntered(db, created, 'record created', req.id);
      return { status: 201, body: created };
    });
    res.status(answer.status).json(answer.body);
  });

  router.get('/:id', allow(Permissions.read, Permissions.ingest), async (req, res) => {
    const id = pathId(req, 'id', 'record');
    const record = await getRecord(pool, id);
    if (!record) throw notFound('record', id);
    res.json(record);
  });

  router.patch('/:id', allow(Permissions.ingest), async (req, res) => {
    const id = pathId(req, 'id', 'record');
    const patch = parseInput(PatchRecordSchema, req.body, 'body');
    const expectedVersion = parseIfMatch(req.get('if-match'));
    const answer = await answerOnce(pool, req, `PATCH /api/records/${id}`, async (db) => {
      const current = await getRecord(db, id, true);
      if (!current) throw notFound('record', id);
      checkVersion('record', id, current.version, expectedVersion);
      const stageId = patch.stageId ?? current.stageId;
      if (stageId !== current.stageId) requireStage((await getPipeline(db, current.pipelineId))!, stageId);
      const properties = patch.properties ? mergeProperties(current.properties, patch.properties) : current.properties;
      const problem = propertiesProblem(properties);
      if (problem) {
        throw unprocessable('The change would take the record past its limits.', [
          { path: 'body.properties', message: problem },
        ]);
      }
      const updated = await updateRecord(db, id, { stageId, properties });
      if (stageId !== current.stageId) {
        await stageEntered(db, updated, `moved from "${current.stageId}" over the API`, req.id);
      }
      await propertiesChanged(db, current.properties, updated, 'over the API', req.id);
      return { status: 200, body: updated };
    });
    res.status(answer.status).json(answer.body);
  });

  router.get('/:id/timeline', allow(Permissions.read, Permissions.ingest), async (req, res) => {
    const id = pathId(req, 'id', 'record');
    const query = parseInput(TimelineQuerySchema, req.query, 'query');
    if (!(await getRecord(pool, id))) throw notFound('record', id);
    res.json(await listTimeline(pool, id, pageRequest(query), query.order));
  });

  router.get('/:id/enrollments', allow(Permissions.read, Permissions.ingest), async (req, res) => {
    const id = pathId(req, 'id', 'record');
    const query = parseInput(RecordEnrollmentsQuerySchema, req.query, 'query');
    if (!(await getRecord(pool, id))) throw notFound('record', id);
    res.json(await listEnrollments(pool, { recordId: id, status: query.status }, pageRequest(query)));
  });

  return router;
}

function requireStage(pipeline: Pipeline, stageId: string): void {
  if (!pipeline.stages.some((stage) => stage.id === stageId)) {
    throw unprocessable('The stage is not in the record’s pipeline.', [
      {
        path: 'body.stageId',
        message: `stage "${stageId}" is not in pipeline "${pipeline.id}"; use one of: ${pipeline.stages.map((s) => s.id).join(', ')}`,
      },
    ]);
  }
}
