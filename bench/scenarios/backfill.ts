import type { Pool } from '../../src/db/pool';
import type { JsonResponse } from '../lib/http';
import { sleep } from '../lib/load';
import {
  createRecords,
  moveToTrigger,
  setUpAutomation,
  TASK_AND_PROPERTY,
  TRIGGER_STAGE,
  waitForEnrollments,
} from '../lib/pipewright';
import type { Scenario } from '../lib/scenario';
import { percentiles, perSecond, round } from '../lib/stats';

/** One live stage change a second while the backfill runs. */
const LIVE_EVERY_MS = 1_000;

/**
 * `enable { enrollExisting: true }` over a stage that holds many records: how long until the backfill is done (every
 * record decided and its enrollment started) and until every enrollment has completed, the worker's memory
 * meanwhile, and how long live stage changes made during the backfill wait for their decision and their task.
 */
export const backfill: Scenario = {
  name: 'backfill',
  title: 'Enrolling the records already in a stage',
  method:
    'Records written straight into the trigger stage of a task + property workflow that is off; then enable with ' +
    'enrollExisting. Done = GET /api/workflows/:id says backfill done (every record decided, its enrollment ' +
    'started); drained = every enrollment completed. Meanwhile a record moved into the stage over the API each ' +
    'second until done; its latency is from the 2xx of the PATCH to its enrolled line and to its task row ' +
    '(PostgreSQL clock). Worker RSS/heap read from its /metrics each second (max).',
  byDefault: false,
  repeats: 1,
  targets: [],
  async run({ stack, size, say }) {
    const count = size(20_000, 50);
    const { pipelineId, workflowIds } = await setUpAutomation(stack.api, { actions: TASK_AND_PROPERTY, enable: false });
    const workflowId = workflowIds[0]!;
    await insertInStage(stack.pool, pipelineId, count);
    const live = await createRecords(stack.api, pipelineId, size(600, 5));
    say(`  ${count} records in the stage; enabling with enrollExisting`);

    const started = Date.now();
    await stack.api.expect(200, 'POST', `/api/workflows/${workflowId}/enable`, { enrollExisting: true });
    const memory: { rssMiB: number; heapUsedMiB: number }[] = [];
    const acks = new Map<string, JsonResponse>();
    let doneAt: number | undefined;
    let nextLiveAt = Date.now();
    while (doneAt === undefined) {
      if (Date.now() >= nextLiveAt && acks.size < live.length) {
        const recordId = live[acks.size]!;
        acks.set(recordId, await moveToTrigger(stack.api, recordId));
        nextLiveAt += LIVE_EVERY_MS;
      }
      memory.push(...(await stack.workerMemory()));
      const { body } = await stack.api.expect(200, 'GET', `/api/workflows/${workflowId}`);
      if ((body as { backfill?: { status: string } }).backfill?.status === 'done') doneAt = Date.now();
      else await sleep(Math.max(0, Math.min(1_000, nextLiveAt - Date.now())));
    }
    say(`  backfill done in ${round((doneAt - started) / 1000)} s; ${acks.size} live changes meanwhile`);
    let drainedAll = false;
    const sampling = (async () => {
      while (!drainedAll) {
        memory.push(...(await stack.workerMemory()));
        await sleep(1_000);
      }
    })();
    const drained = await waitForEnrollments(stack.pool, [workflowId], count + acks.size, { label: 'enrollments' });
    drainedAll = true;
    await sampling;

    const latencies = await liveLatencies(stack.pool, workflowId, acks);
    const { rows } = await stack.pool.query<{ twice: number }>(
      `SELECT count(*)::int AS twice FROM
         (SELECT record_id FROM enrollments WHERE workflow_id = $1 GROUP BY record_id HAVING count(*) > 1) AS r`,
      [workflowId],
    );
    const decided = percentiles(latencies.decided);
    const task = percentiles(latencies.task);
    return {
      records: count,
      done_s: round((doneAt - started) / 1000),
      decided_per_s: perSecond(count, doneAt - started),
      drained_s: round((drained.lastEndedAt - started) / 1000),
      completed_per_s: perSecond(drained.completed, drained.lastEndedAt - started),
      lost: count + acks.size - drained.completed,
      enrolled_twice: rows[0]!.twice,
      worker_rss_max_mib: round(Math.max(...memory.map((reading) => reading.rssMiB))),
      worker_heap_max_mib: round(Math.max(...memory.map((reading) => reading.heapUsedMiB))),
      live_changes: acks.size,
      live_decided_p50_ms: decided.p50,
      live_decided_p99_ms: decided.p99,
      live_decided_max_ms: decided.max,
      live_task_p50_ms: task.p50,
      live_task_p99_ms: task.p99,
      live_task_max_ms: task.max,
    };
  },
};

/** `count` records written straight into the trigger stage, as records that were there before the workflow. */
async function insertInStage(pool: Pool, pipelineId: string, count: number): Promise<void> {
  await pool.query(
    `INSERT INTO records (id, object_type, pipeline_id, stage_id)
     SELECT 'old-' || md5($1 || n::text), 'deal', $1, $2 FROM generate_series(1, $3) AS n`,
    [pipelineId, TRIGGER_STAGE, count],
  );
}

/** From each live change's 2xx to its `enrolled` line and to its task row, in ms. */
async function liveLatencies(
  pool: Pool,
  workflowId: string,
  acks: Map<string, JsonResponse>,
): Promise<{ decided: number[]; task: number[] }> {
  const ids = [...acks.keys()];
  const { rows } = await pool.query<{ record_id: string; enrolled_at: Date; task_at: Date }>(
    `SELECT t.record_id, t.at AS enrolled_at, k.created_at AS task_at
     FROM timeline t JOIN tasks k ON k.record_id = t.record_id AND k.workflow_id = t.workflow_id
     WHERE t.workflow_id = $1 AND t.kind = 'enrolled' AND t.record_id = ANY($2::text[])`,
    [workflowId, ids],
  );
  return {
    decided: rows.map((row) => row.enrolled_at.getTime() - acks.get(row.record_id)!.at),
    task: rows.map((row) => row.task_at.getTime() - acks.get(row.record_id)!.at),
  };
}
