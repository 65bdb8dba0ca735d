import { randomUUID } from 'node:crypto';
import type { Pool } from '../../src/db/pool';
import type { JsonClient, JsonResponse } from './http';
import { closedLoop, waitForCount } from './load';
import { perSecond } from './stats';
import { Progress } from './progress';

/** The stage automation of the throughput scenarios: a task and a property on entering `qualified`. */
export const TASK_AND_PROPERTY = [
  { id: 'task', type: 'create_task', config: { title: 'Call {{record.id}}' } },
  { id: 'flag', type: 'set_property', config: { property: 'contacted', value: 'yes' } },
];

export const TRIGGER_STAGE = 'qualified';

export interface Automation {
  pipelineId: string;
  workflowIds: string[];
}

/**
 * A deal pipeline (`new` → `qualified` → `won`) and `workflows` workflows on entering `qualified`, turned on unless
 * `enable` is false.
 */
export async function setUpAutomation(
  api: JsonClient,
  options: { actions: unknown[]; workflows?: number; enable?: boolean },
): Promise<Automation> {
  const run = randomUUID().slice(0, 8);
  const pipelineId = `bench-${run}`;
  await api.expect(201, 'POST', '/api/pipelines', {
    id: pipelineId,
    objectType: 'deal',
    label: `Bench ${run}`,
    stages: [
      { id: 'new', label: 'New' },
      { id: TRIGGER_STAGE, label: 'Qualified' },
      { id: 'won', label: 'Won', state: 'closed' },
    ],
  });
  const workflowIds = Array.from({ length: options.workflows ?? 1 }, (_, index) => `wf-${run}-${index + 1}`);
  for (const id of workflowIds) {
    await api.expect(201, 'POST', '/api/workflows', {
      id,
      pipelineId,
      name: `Bench ${id}`,
      trigger: { type: 'stage_entered', stageId: TRIGGER_STAGE },
      actions: options.actions,
    });
    if (options.enable !== false) await api.expect(200, 'POST', `/api/workflows/${id}/enable`);
  }
  return { pipelineId, workflowIds };
}

/** Creates `count` records in the pipeline's first stage (no workflow triggers there). */
export async function createRecords(
  api: JsonClient,
  pipelineId: string,
  count: number,
  properties: Record<string, unknown> = {},
): Promise<string[]> {
  const progress = new Progress('records', count);
  const ids = Array.from({ length: count }, () => `rec-${randomUUID()}`);
  await closedLoop(ids, 16, async (id) => {
    await api.expect(201, 'POST', '/api/records', { id, pipelineId, stageId: 'new', properties });
    progress.tick();
  });
  progress.finish();
  return ids;
}

/** Moves one record into the trigger stage; the response of a stage change that a client sends. */
export const moveToTrigger = (api: JsonClient, recordId: string): Promise<JsonResponse> =>
  api.request('PATCH', `/api/records/${recordId}`, { stageId: TRIGGER_STAGE });

/** Moves every record into the trigger stage with `concurrency` requests in flight; throws on any non-2xx. */
export async function moveAll(
  api: JsonClient,
  recordIds: readonly string[],
  concurrency: number,
  label = 'moves',
): Promise<JsonResponse[]> {
  const progress = new Progress(label, recordIds.length);
  const responses = await closedLoop(recordIds, concurrency, async (id) => {
    const res = await moveToTrigger(api, id);
    if (res.status !== 200) throw new Error(`PATCH /api/records/${id}: ${res.status} ${JSON.stringify(res.body)}`);
    progress.tick();
    return res;
  });
  progress.finish();
  return responses;
}

export interface Drained {
  /** Enrollments of the workflows that ended as completed. */
  completed: number;
  /** When the last of them ended (ms since the epoch, PostgreSQL's clock, which is this machine's). */
  lastEndedAt: number;
}

/**
 * Waits until `expected` enrollments of the workflows (in `status`, completed by default) exist, or until their
 * number has not moved for `stallMs`; then says how many there are. A shortfall is what was lost.
 */
export async function waitForEnrollments(
  pool: Pool,
  workflowIds: readonly string[],
  expected: number,
  options: { label?: string; status?: 'completed' | 'waiting'; stallMs?: number } = {},
): Promise<Drained> {
  const { count, lastEndedAt } = await waitForCount(
    options.label ?? 'enrollments',
    expected,
    async () => {
      const { rows } = await pool.query<{ done: number; last: Date | null }>(
        `SELECT count(*)::int AS done, max(ended_at) AS last FROM enrollments
          WHERE workflow_id = ANY($1) AND status = $2`,
        [workflowIds, options.status ?? 'completed'],
      );
      return { count: rows[0]!.done, lastEndedAt: rows[0]!.last?.getTime() ?? 0 };
    },
    options.stallMs ?? 60_000,
  );
  return { completed: count, lastEndedAt };
}

/** When each record's task row was created (ms since the epoch), for the workflows' tasks. */
export async function taskTimes(pool: Pool, workflowIds: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ record_id: string; created_at: Date }>(
    'SELECT record_id, created_at FROM tasks WHERE workflow_id = ANY($1)',
    [workflowIds],
  );
  return new Map(rows.map((row) => [row.record_id, row.created_at.getTime()]));
}

/**
 * Completed enrollments per second of a closed-loop burst: `changes` fresh records moved (20 requests in flight)
 * into the stage of `workflows` fresh task + property workflows.
 */
export async function burstRate(
  api: JsonClient,
  pool: Pool,
  options: { changes: number; workflows?: number; label: string },
): Promise<number> {
  const automation = await setUpAutomation(api, { actions: TASK_AND_PROPERTY, workflows: options.workflows });
  const records = await createRecords(api, automation.pipelineId, options.changes);
  const started = Date.now();
  await moveAll(api, records, 20, options.label);
  const drained = await waitForEnrollments(
    pool,
    automation.workflowIds,
    records.length * automation.workflowIds.length,
    {
      label: options.label,
    },
  );
  return perSecond(drained.completed, drained.lastEndedAt - started);
}
