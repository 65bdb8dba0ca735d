import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { automationWorkflowId, type EnrollingEvent, shardOf } from '../../src/domain';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

/** The events an automation workflow was signalled with, in the order it took them, across its runs. */
async function signalledEvents(handle: WorkflowHandle): Promise<EnrollingEvent[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== 'events') return [];
    return defaultPayloadConverter.fromPayload<EnrollingEvent[]>(signal.input!.payloads![0]!);
  });
}

describe('each enabled workflow runs as automation workflows fed by signals', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  const statusOf = async (id: string) => (await stack.temporal.workflow.getHandle(id).describe()).status.name;
  const waitForStatus = (id: string, status: string) =>
    eventually(
      async () => ((await statusOf(id).catch(() => 'NOT_FOUND')) === status ? true : undefined),
      20_000,
      `${id} ${status}`,
    );

  const qualifyWorkflow = (pipelineId: string, extra: Record<string, unknown> = {}) =>
    createWorkflow(stack, {
      pipelineId,
      name: 'Qualified',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'seen', value: 'yes' } }],
      ...extra,
    });

  it('runs while on, takes stage entries as signals, ends when turned off and runs again when turned on', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    const id = automationWorkflowId(workflowId, 0);
    await expect(statusOf(id)).rejects.toThrow();

    await enableWorkflow(stack, workflowId);
    await waitForStatus(id, 'RUNNING');
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    const handle = stack.temporal.workflow.getHandle(id);
    expect((await signalledEvents(handle)).map((event) => event.recordId)).toEqual([recordId]);
    const firstRun = (await handle.describe()).runId;

    expect((await stack.http.post(`/api/workflows/${workflowId}/disable`).send({})).status).toBe(200);
    await waitForStatus(id, 'COMPLETED');
    const off = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    const lines = await waitForTimeline(stack, off, 'not_enrolled', workflowId);
    expect(lines.find((line) => line.kind === 'not_enrolled')?.detail).toBe('not enrolled: the workflow is off');

    await enableWorkflow(stack, workflowId);
    await waitForStatus(id, 'RUNNING');
    expect((await handle.describe()).runId).not.toBe(firstRun);
  });

  it('starts each enrollment with search attributes that list it by record, workflow and pipeline', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'enrollment_completed', workflowId);
    const listed = (query: string) =>
      eventually(async () => {
        const ids: string[] = [];
        for await (const execution of stack.temporal.workflow.list({ query })) ids.push(execution.workflowId);
        return ids.length > 0 ? ids : undefined;
      });
    const expected = [expect.stringMatching(new RegExp(`^enrollment/${workflowId}/${recordId}/`))];
    expect(await listed(`PipewrightRecordId = "${recordId}"`)).toEqual(expected);
    expect(await listed(`PipewrightWorkflowId = "${workflowId}"`)).toEqual(expected);
    expect(await listed(`PipewrightPipelineId = "${pipelineId}"`)).toEqual(expected);
  });

  it('spreads records over its shards, each record always on one shard and its events in order', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId, {
      enrollment: { reenroll: true },
      settings: { unenrollOnStageExit: false, shards: 4 },
    });
    expect((await stack.http.get(`/api/workflows/${workflowId}`)).body.settings.shards).toBe(4);
    await enableWorkflow(stack, workflowId);
    // Three records on each shard.
    const recordIds: string[] = [];
    const perShard = [0, 0, 0, 0];
    while (perShard.some((count) => count < 3)) {
      const id = unique('rec');
      const shard = shardOf(id, 4);
      if (perShard[shard]! >= 3) continue;
      perShard[shard]!++;
      recordIds.push(id);
    }
    await Promise.all(recordIds.map((id) => createRecord(stack, { id, pipelineId, stageId: 'new' })));
    // Each record enters the stage three times, the records' moves interleaved.
    for (let round = 0; round < 3; round++) {
      await Promise.all(recordIds.map((id) => moveRecord(stack, id, 'qualified')));
      await Promise.all(recordIds.map((id) => moveRecord(stack, id, 'new')));
    }
    const { rows } = await stack.pool.query<{ record_id: string; event_id: string }>(
      `SELECT record_id, event_id FROM outbox WHERE type = 'stage_entered' AND payload->>'stageId' = 'qualified'
         AND record_id = ANY($1) ORDER BY id`,
      [recordIds],
    );
    expect(rows).toHaveLength(recordIds.length * 3);

    const taken = await eventually(async () => {
      const shards = await Promise.all(
        [0, 1, 2, 3].map((shard) =>
          signalledEvents(stack.temporal.workflow.getHandle(automationWorkflowId(workflowId, shard))),
        ),
      );
      return shards.flat().length === rows.length ? shards : undefined;
    });
    for (const [shard, events] of taken.entries()) {
      const records = new Set(events.map((event) => event.recordId));
      expect(records.size).toBe(3);
      for (const recordId of records) {
        expect(shardOf(recordId, 4)).toBe(shard);
        const inOrder = rows.filter((row) => row.record_id === recordId).map((row) => row.event_id);
        expect(events.filter((event) => event.recordId === recordId).map((event) => event.eventId)).toEqual(inOrder);
      }
    }
  });

  it('loses and doubles nothing when a live workflow changes its shard count, and stops the shards it no longer uses', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    await enableWorkflow(stack, workflowId);
    const path = `/api/workflows/${workflowId}`;
    const recordIds = Array.from({ length: 60 }, () => unique('rec'));
    for (const [index, id] of recordIds.entries()) {
      if (index === 20) expect((await stack.http.patch(path).send({ settings: { shards: 4 } })).status).toBe(200);
      if (index === 40) expect((await stack.http.patch(path).send({ settings: { shards: 2 } })).status).toBe(200);
      await createRecord(stack, { id, pipelineId, stageId: 'qualified' });
    }
    const counts = await eventually(
      async () => {
        const { rows } = await stack.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM enrollments WHERE workflow_id = $1 AND status = 'completed' GROUP BY record_id`,
          [workflowId],
        );
        return rows.length === recordIds.length ? rows.map((row) => row.n) : undefined;
      },
      60_000,
      'every record enrolled',
    );
    expect(counts).toEqual(Array(recordIds.length).fill(1));
    await waitForStatus(automationWorkflowId(workflowId, 2), 'COMPLETED');
    await waitForStatus(automationWorkflowId(workflowId, 3), 'COMPLETED');
    expect(await statusOf(automationWorkflowId(workflowId, 0))).toBe('RUNNING');
    expect(await statusOf(automationWorkflowId(workflowId, 1))).toBe('RUNNING');
  });

  it('refuses a shard count outside 1–64, naming the field', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await qualifyWorkflow(pipelineId);
    for (const shards of [0, 65, 1.5]) {
      const res = await stack.http.patch(`/api/workflows/${workflowId}`).send({ settings: { shards } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('body.settings.shards');
    }
  });
});
