import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

/** A record's own reads: its timeline newest first, paged back in time, and its enrollments in every workflow. */
describe('record reads', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('lists a record’s enrollments across workflows and pages its timeline newest first', async () => {
    const pipelineId = await createDealPipeline(stack);
    const task = { type: 'create_task', config: { title: 'Call' } };
    const [first, second, elsewhere] = await Promise.all(
      ['First', 'Second', 'Elsewhere'].map((name, index) =>
        createWorkflow(stack, {
          pipelineId,
          name,
          trigger: { type: 'stage_entered', stageId: index < 2 ? 'qualified' : 'won' },
          actions: [task],
        }),
      ),
    );
    for (const id of [first!, second!, elsewhere!]) await enableWorkflow(stack, id);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    const other = await createRecord(stack, { pipelineId, stageId: 'new' });
    await moveRecord(stack, recordId, 'qualified');
    await moveRecord(stack, other, 'qualified');
    await waitForTimeline(stack, recordId, 'action_completed', first);
    await waitForTimeline(stack, recordId, 'action_completed', second);

    const enrollments = await eventually(async () => {
      const res = await stack.http.get(`/api/records/${recordId}/enrollments?status=completed`);
      expect(res.status).toBe(200);
      return res.body.items.length === 2 ? res.body.items : undefined;
    });
    expect(enrollments.map((item: { workflowId: string }) => item.workflowId).sort()).toEqual([first, second].sort());
    expect(enrollments.every((item: { recordId: string }) => item.recordId === recordId)).toBe(true);
    const onePerPage = await stack.http.get(`/api/records/${recordId}/enrollments?limit=1`);
    expect(onePerPage.body.items).toHaveLength(1);
    const next = await stack.http.get(
      `/api/records/${recordId}/enrollments?limit=1&cursor=${onePerPage.body.nextCursor}`,
    );
    expect(next.body.items[0].id).not.toBe(onePerPage.body.items[0].id);

    const ascending = (await stack.http.get(`/api/records/${recordId}/timeline?limit=500`)).body.items;
    const pages: unknown[] = [];
    let cursor: string | undefined;
    do {
      const res = await stack.http.get(
        `/api/records/${recordId}/timeline?order=desc&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      pages.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(ascending.length).toBeGreaterThan(4);
    expect(pages).toEqual([...ascending].reverse());
  });

  it('answers 404 for an unknown record and 400 naming a bad order or filter', async () => {
    expect((await stack.http.get('/api/records/nobody/enrollments')).status).toBe(404);
    const order = await stack.http.get('/api/records/nobody/timeline?order=sideways');
    expect(order.status).toBe(400);
    expect(order.body.errors).toEqual([expect.objectContaining({ path: 'query.order' })]);
    const filter = await stack.http.get('/api/records/nobody/enrollments?recordId=x');
    expect(filter.status).toBe(400);
  });
});
