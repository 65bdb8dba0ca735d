import { createDealPipeline, createRecord, createWorkflow, enableWorkflow, waitForTimeline } from '../support/fixtures';
import { startTestStack, type TestStack, unique } from '../support/stack';

/** The contract's limits (docs/api.md, "Limits"), on every path that writes what they bound. */
describe('limits on definitions, records and compared values', () => {
  let stack: TestStack;
  let pipelineId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    pipelineId = await createDealPipeline(stack);
  });
  afterAll(async () => {
    await stack.stop();
  });

  const task = (title: string) => ({ type: 'create_task', config: { title } });
  const branch = (then: unknown[]) => ({
    type: 'branch_if',
    config: { conditions: { all: [{ property: 'tier', operator: 'known' }] }, then, else: [] },
  });
  const workflowBody = (actions: unknown[]) => ({
    pipelineId,
    name: unique('limits'),
    trigger: { type: 'stage_entered', stageId: 'new' },
    actions,
  });
  const storedVersion = async (workflowId: string) =>
    (await stack.http.get(`/api/workflows/${workflowId}`)).body.version as number;

  it('refuses a definition of more than 500 actions, nested ones included, on create and on adding one', async () => {
    const tasks = (count: number) => Array.from({ length: count }, (_, index) => task(`t${index}`));
    const tooMany = await stack.http
      .post('/api/workflows')
      .send(workflowBody([branch(tasks(200)), branch(tasks(200)), ...tasks(99)]));
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors).toEqual([
      { path: 'actions', message: 'the workflow has 501 actions, nested ones included; at most 500 are allowed' },
    ]);

    const workflowId = await createWorkflow(
      stack,
      workflowBody([branch(tasks(200)), branch(tasks(200)), ...tasks(97)]),
    );
    const before = await storedVersion(workflowId);
    expect((await stack.http.post(`/api/workflows/${workflowId}/actions`).send({ action: task('500th') })).status).toBe(
      201,
    );
    const added = await stack.http.post(`/api/workflows/${workflowId}/actions`).send({ action: task('501st') });
    expect(added.status).toBe(422);
    expect(added.body.errors[0].message).toContain('501 actions');
    expect(await storedVersion(workflowId)).toBe(before + 1);
  });

  it('refuses comments that take a definition past 256 KiB, through the comments route too', async () => {
    const workflowId = await createWorkflow(stack, workflowBody([{ id: unique('act'), ...task('talked about') }]));
    const { body: workflow } = await stack.http.get(`/api/workflows/${workflowId}`);
    const actionId = workflow.actions[0].id as string;
    const comment = () =>
      stack.http.post(`/api/workflows/${workflowId}/actions/${actionId}/comments`).send({ body: 'x'.repeat(10_000) });
    let answer = await comment();
    let accepted = 0;
    while (answer.status === 201 && accepted < 100) {
      accepted += 1;
      answer = await comment();
    }
    expect(accepted).toBe(25);
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0]).toEqual({
      path: 'actions',
      message: expect.stringMatching(/^the definition is \d+ bytes as JSON; at most 262144 are allowed/),
    });
    const comments = await stack.http.get(`/api/workflows/${workflowId}/actions/${actionId}/comments?limit=100`);
    expect(comments.body.items).toHaveLength(25);
  });

  it('caps a record at 200 properties and 64 KiB, on create and on each merge, leaving it as it was', async () => {
    const properties = (count: number, prefix: string) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix}${index}`, index]));
    const created = await stack.http
      .post('/api/records')
      .send({ pipelineId, stageId: 'won', properties: properties(201, 'p') });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([
      { path: 'body.properties', message: 'a record has at most 200 properties; this would make 201' },
    ]);

    const recordId = await createRecord(stack, { pipelineId, stageId: 'won', properties: properties(150, 'a') });
    const merged = await stack.http.patch(`/api/records/${recordId}`).send({ properties: properties(51, 'b') });
    expect(merged.status).toBe(422);
    expect(merged.body.errors).toEqual([
      { path: 'body.properties', message: 'a record has at most 200 properties; this would make 201' },
    ]);
    const large = await stack.http.patch(`/api/records/${recordId}`).send({ properties: { blob: 'x'.repeat(65_000) } });
    expect(large.status).toBe(422);
    expect(large.body.errors[0].message).toMatch(/at most 65536 bytes as JSON/);
    const { body: record } = await stack.http.get(`/api/records/${recordId}`);
    expect(Object.keys(record.properties)).toHaveLength(150);
    expect(record.version).toBe(1);
    // Removing and adding in one merge counts what the record ends with.
    const swapped = await stack.http.patch(`/api/records/${recordId}`).send({
      properties: {
        ...Object.fromEntries(Object.keys(properties(50, 'a')).map((key) => [key, null])),
        ...properties(50, 'c'),
      },
    });
    expect(swapped.status).toBe(200);
    expect(Object.keys(swapped.body.properties)).toHaveLength(150);
  });

  it('fails a set_property that would take the record past its limits, with the reason, and runs the next action', async () => {
    const workflowId = await createWorkflow(stack, {
      ...workflowBody([{ type: 'set_property', config: { property: 'one-too-many', value: 'x' } }, task('after')]),
      trigger: { type: 'stage_entered', stageId: 'qualified' },
    });
    await enableWorkflow(stack, workflowId);
    const full = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`p${index}`, index]));
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified', properties: full });
    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed');
    expect(lines.find((line) => line.kind === 'action_failed')?.detail).toBe(
      'set_property failed: a record has at most 200 properties; this would make 201',
    );
    expect(lines.filter((line) => line.kind === 'action_completed').map((line) => line.detail)).toEqual([
      'created task "after"',
    ]);
    const { body: record } = await stack.http.get(`/api/records/${recordId}`);
    expect(record.properties).toEqual(full);
  });

  it('takes the owner as one email address', async () => {
    for (const ownerId of ['ann@x.com, evil@y.com', 'ann@x.com evil@y.com', 'Ann <ann@x.com>', 'ann']) {
      const answer = await stack.http.post('/api/records').send({ pipelineId, stageId: 'won', ownerId });
      expect({ ownerId, status: answer.status, path: answer.body.errors?.[0]?.path }).toEqual({
        ownerId,
        status: 400,
        path: 'body.ownerId',
      });
    }
    expect(
      (await stack.http.post('/api/records').send({ pipelineId, stageId: 'won', ownerId: 'ann@x.com' })).status,
    ).toBe(201);
  });

  it('refuses a condition value of a megabyte of digits at once, naming the field', async () => {
    const answer = await stack.http.post('/api/workflows').send(
      workflowBody([
        {
          type: 'branch_if',
          config: { conditions: { all: [{ property: 'amount', operator: 'gt', value: '9'.repeat(1_000_000) }] } },
        },
      ]),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toContainEqual({
      path: 'body.actions[0].config.conditions.all[0].value',
      message: expect.stringContaining('1000'),
    });
    const valueCase = await stack.http.post('/api/workflows').send(
      workflowBody([
        {
          type: 'branch_value',
          config: { property: 'tier', cases: [{ values: ['x'.repeat(1_001)], actions: [] }] },
        },
      ]),
    );
    expect(valueCase.status).toBe(400);
    expect(valueCase.body.errors[0].path).toBe('body.actions[0].config.cases[0].values[0]');
  });
});
