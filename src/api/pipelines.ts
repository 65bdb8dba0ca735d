import { Router } from 'express';
import { getPipeline, insertPipeline, listPipelines } from '../db/pipelines';
import { inTransaction } from '../db/pool';
import { CreatePipelineSchema, type Pipeline, Permissions } from '../domain';
import { allow, callerName } from './auth';
import type { ApiDeps } from './deps';
import { conflict, notFound } from './problem';
import { ensureTemplatedWorkflows } from './ticket-status-automation';
import { parseInput, parsePageOnly, pathId } from './validate';

export function createPipelinesRouter({ pool, newId }: ApiDeps): Router {
  const router = Router();

  router.post('/', allow(Permissions.configure), async (req, res) => {
    const input = parseInput(CreatePipelineSchema, req.body, 'body');
    const pipeline: Pipeline = {
      id: input.id ?? newId('pl'),
      objectType: input.objectType,
      label: input.label,
      stages: input.stages.map((stage) => ({ id: stage.id ?? newId('st'), label: stage.label, state: stage.state })),
    };
    await inTransaction(pool, async (db) => {
      if (!(await insertPipeline(db, pipeline))) {
        throw conflict(`Pipeline "${pipeline.id}" exists already. Use another id.`);
      }
      // A ticket pipeline has its templated status automations from the start, off until they are set.
      if (pipeline.objectType === 'ticket')
        await ensureTemplatedWorkflows(db, pipeline, { newId, by: callerName(req.caller) });
    });
    res.status(201).json(pipeline);
  });

  router.get('/', allow(Permissions.read), async (req, res) => {
    res.json(await listPipelines(pool, parsePageOnly(req)));
  });

  router.get('/:id', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'pipeline');
    const pipeline = await getPipeline(pool, id);
    if (!pipeline) throw notFound('pipeline', id);
    res.json(pipeline);
  });

  return router;
}
