import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  taskTitles,
  timeline,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { eventually, startTestStack, type TestStack } from '../support/stack';

interface EnrollmentRow {
  recordId: string;
  status: string;
  wakeAt?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('property_changed triggers, enrollment conditions and goals, end to end over HTTP', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  async function enrollments(workflowId: string, recordId?: string): Promise<EnrollmentRow[]> {
    const res = await stack.http.get(
      `/api/workflows/${workflowId}/enrollments${recordId ? `?recordId=${recordId}` : ''}`,
    );
    expect(res.status).toBe(200);
    return res.body.items as EnrollmentRow[];
  }

  async function patchProperties(recordId: string, properties: Record<string, unknown>): Promise<void> {
    const res = await stack.http.patch(`/api/records/${recordId}`).send({ properties });
    expect(res.status).toBe(200);
  }

  const linesOf = (lines: TimelineLine[], workflowId: string) =>
    lines.filter((line) => line.workflowId === workflowId).map((line) => `${line.kind}: ${line.detail}`);

  const task = (id: string, title: string) => ({ id, type: 'create_task', config: { title } });

  it('enrolls a record that meets enrollment.conditions and keeps out one that does not, naming the condition', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Gold deals only',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      enrollment: { conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] } },
      actions: [task('task', 'Gold deal {{record.id}}')],
    });
    await enableWorkflow(stack, workflowId);
    const gold = await createRecord(stack, { pipelineId, stageId: 'qualified', properties: { tier: 'gold' } });
    const silver = await createRecord(stack, { pipelineId, stageId: 'qualified', properties: { tier: 'silver' } });

    const goldLines = await waitForTimeline(stack, gold, 'enrollment_completed', workflowId);
    expect(linesOf(goldLines, workflowId)).toEqual([
      'enrolled: enrolled',
      `action_completed: created task "Gold deal ${gold}"`,
      'enrollment_completed: enrollment completed',
    ]);
    const silverLines = await waitForTimeline(stack, silver, 'not_enrolled', workflowId);
    expect(linesOf(silverLines, workflowId)).toEqual([
      'not_enrolled: not enrolled: condition not met: "tier" eq "gold" (it is "silver")',
    ]);
    expect(await taskTitles(stack, silver)).toEqual([]);
    expect(await enrollments(workflowId, silver)).toEqual([]);

    // The test run and an enrollment by hand decide through the same rules.
    const testRun = await stack.http.post(`/api/workflows/${workflowId}/test`).send({ recordId: silver });
    expect(testRun.body).toEqual(
      expect.objectContaining({ wouldEnroll: false, reason: 'condition not met: "tier" eq "gold" (it is "silver")' }),
    );
    const byHand = await stack.http.post(`/api/workflows/${workflowId}/enrollments`).send({ recordId: silver });
    expect(byHand.status).toBe(422);
    expect(JSON.stringify(byHand.body)).toContain('condition not met: \\"tier\\" eq \\"gold\\"');

    // A PATCH merges the conditions like the other enrollment fields; null removes them.
    const patched = await stack.http
      .patch(`/api/workflows/${workflowId}`)
      .send({ enrollment: { reenroll: true, conditions: { any: [{ property: 'tier', operator: 'known' }] } } });
    expect(patched.status).toBe(200);
    expect(patched.body.enrollment).toEqual({
      reenroll: true,
      conditions: { any: [{ property: 'tier', operator: 'known' }] },
    });
    const removed = await stack.http.patch(`/api/workflows/${workflowId}`).send({ enrollment: { conditions: null } });
    expect(removed.status).toBe(200);
    expect(removed.body.enrollment).toEqual({ reenroll: true });
  });

  it('ends an enrollment waiting in a delay when a PATCH meets the goal: the action after the delay never runs', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Chase until paid',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      settings: { goal: { all: [{ property: 'paid', operator: 'eq', value: true }] } },
      actions: [{ id: 'wait', type: 'delay', config: { for: '3s' } }, task('task', 'Chase payment')],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });
    await waitForTimeline(stack, recordId, 'delay_started', workflowId);
    const [waiting] = await enrollments(workflowId, recordId);
    expect(waiting).toEqual(expect.objectContaining({ status: 'waiting', wakeAt: expect.any(String) }));
    const wakeAt = Date.parse(waiting!.wakeAt!);

    await patchProperties(recordId, { paid: true });
    expect(Date.now()).toBeLessThan(wakeAt);

    const lines = await waitForTimeline(stack, recordId, 'unenrolled', workflowId);
    expect(lines.filter((line) => line.kind === 'unenrolled').map((line) => line.detail)).toEqual([
      'unenrolled: goal met',
    ]);
    await eventually(async () =>
      (await enrollments(workflowId, recordId))[0]?.status === 'cancelled' ? true : undefined,
    );
    await sleep(Math.max(0, wakeAt - Date.now()) + 1_500);
    const after = await timeline(stack, recordId);
    expect(linesOf(after, workflowId)).toEqual([
      'enrolled: enrolled',
      expect.stringMatching(/^delay_started: waiting until /),
      'unenrolled: unenrolled: goal met',
    ]);
    expect(await taskTitles(stack, recordId)).toEqual([]);
  });

  it('ends an enrollment before its next action when its own set_property met the goal', async () => {
    const pipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Mark paid, then chase',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      settings: { goal: { any: [{ property: 'paid', operator: 'eq', value: true }] } },
      actions: [
        { id: 'mark', type: 'set_property', config: { property: 'paid', value: true } },
        task('task', 'Never created'),
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });

    await waitForTimeline(stack, recordId, 'unenrolled', workflowId);
    const lines = await waitForTimeline(stack, recordId, 'property_changed');
    expect(linesOf(lines, workflowId)).toEqual([
      'enrolled: enrolled',
      'action_completed: set property "paid" to true',
      'unenrolled: unenrolled: goal met',
    ]);
    expect(lines.filter((line) => line.kind === 'property_changed').map((line) => line.detail)).toEqual([
      'property "paid" changed: not set → true (set by workflow "Mark paid, then chase")',
    ]);
    expect(await enrollments(workflowId, recordId)).toEqual([expect.objectContaining({ status: 'cancelled' })]);
    expect(await taskTitles(stack, recordId)).toEqual([]);
  });

  it('enrolls a PATCH changing three properties in the three workflows listening to them, each once', async () => {
    const pipelineId = await createDealPipeline(stack);
    const listeners: Record<string, string> = {};
    for (const property of ['tier', 'score', 'region', 'owner']) {
      listeners[property] = await createWorkflow(stack, {
        pipelineId,
        name: `When ${property} changes`,
        trigger: { type: 'property_changed', property },
        actions: [task('task', `${property} changed`)],
      });
      await enableWorkflow(stack, listeners[property]);
    }
    // A record's properties at creation are where it starts, not changes.
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new', properties: { region: 'EU' } });

    await patchProperties(recordId, { tier: 'gold', score: 7, region: null });
    const lines = await eventually(
      async () => {
        const current = await timeline(stack, recordId);
        const done = ['tier', 'score', 'region'].every((property) =>
          current.some((line) => line.kind === 'enrollment_completed' && line.workflowId === listeners[property]),
        );
        return done ? current : undefined;
      },
      30_000,
      'the three property changes to be handled',
    );
    expect(lines.filter((line) => line.kind === 'property_changed').map((line) => line.detail)).toEqual([
      'property "tier" changed: not set → "gold" (over the API)',
      'property "score" changed: not set → 7 (over the API)',
      'property "region" changed: "EU" → not set (over the API)',
    ]);
    for (const property of ['tier', 'score', 'region']) {
      expect(linesOf(lines, listeners[property]!)).toEqual([
        'enrolled: enrolled',
        `action_completed: created task "${property} changed"`,
        'enrollment_completed: enrollment completed',
      ]);
    }
    expect(linesOf(lines, listeners.owner!)).toEqual([]);

    // Setting properties to the values they have is no change: it enrolls nowhere. The owner change after it is the
    // sentinel: events are delivered in order, so once it is handled, anything the first PATCH caused would be too.
    await patchProperties(recordId, { tier: 'gold', score: 7 });
    await patchProperties(recordId, { owner: 'ada' });
    const settled = await waitForTimeline(stack, recordId, 'enrollment_completed', listeners.owner);
    expect(settled.filter((line) => line.kind === 'property_changed')).toHaveLength(4);
    for (const property of ['tier', 'score', 'region']) expect(linesOf(settled, listeners[property]!)).toHaveLength(3);
    expect((await taskTitles(stack, recordId)).sort()).toEqual([
      'owner changed',
      'region changed',
      'score changed',
      'tier changed',
    ]);
  });

  it('lets a set_property action trigger a property_changed workflow, one level deeper', async () => {
    const pipelineId = await createDealPipeline(stack);
    const setter = await createWorkflow(stack, {
      pipelineId,
      name: 'Flag qualified deals',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'flag', type: 'set_property', config: { property: 'hot', value: 'yes' } }],
    });
    const listener = await createWorkflow(stack, {
      pipelineId,
      name: 'Call hot deals',
      trigger: { type: 'property_changed', property: 'hot' },
      actions: [task('call', 'Call {{record.id}}')],
    });
    await enableWorkflow(stack, setter);
    await enableWorkflow(stack, listener);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'qualified' });

    const lines = await waitForTimeline(stack, recordId, 'enrollment_completed', listener);
    expect(lines.filter((line) => line.kind === 'property_changed').map((line) => line.detail)).toEqual([
      'property "hot" changed: not set → "yes" (set by workflow "Flag qualified deals")',
    ]);
    expect(linesOf(lines, listener)).toEqual([
      'enrolled: enrolled',
      `action_completed: created task "Call ${recordId}"`,
      'enrollment_completed: enrollment completed',
    ]);
    expect(await taskTitles(stack, recordId)).toEqual([`Call ${recordId}`]);
  });

  it('stops two workflows that keep changing each other’s property with the loop guard', async () => {
    const pipelineId = await createDealPipeline(stack);
    /** Sets `property` to 2 when it is 1 and to 1 otherwise: every run is a change. */
    const toggle = (property: string) => ({
      id: `toggle-${property}`,
      type: 'branch_if',
      config: {
        conditions: { all: [{ property, operator: 'eq', value: 1 }] },
        then: [{ id: `${property}-two`, type: 'set_property', config: { property, value: 2 } }],
        else: [{ id: `${property}-one`, type: 'set_property', config: { property, value: 1 } }],
      },
    });
    const onY = await createWorkflow(stack, {
      pipelineId,
      name: 'When y changes, toggle x',
      trigger: { type: 'property_changed', property: 'y' },
      enrollment: { reenroll: true },
      actions: [toggle('x')],
    });
    const onX = await createWorkflow(stack, {
      pipelineId,
      name: 'When x changes, toggle y',
      trigger: { type: 'property_changed', property: 'x' },
      enrollment: { reenroll: true },
      actions: [toggle('y')],
    });
    await enableWorkflow(stack, onY);
    await enableWorkflow(stack, onX);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new' });
    await patchProperties(recordId, { y: 1 });

    const lines = await eventually(
      async () => {
        const current = await timeline(stack, recordId);
        return current.some((line) => line.kind === 'not_enrolled' && /loop guard/.test(line.detail))
          ? current
          : undefined;
      },
      60_000,
      'a loop-guard "not_enrolled" line',
    );
    const guard = lines.find((line) => line.kind === 'not_enrolled');
    expect(guard?.detail).toBe(
      'not enrolled: stopped by the loop guard: this property change is 11 automation steps deep (limit 10); workflows keep triggering each other in a loop',
    );
    const settled = await eventually(async () => {
      const all = [...(await enrollments(onY)), ...(await enrollments(onX))];
      return all.every((enrollment) => enrollment.status === 'completed') ? all : undefined;
    });
    // The PATCH (depth 0) and ten automation steps after it: eleven enrollments, alternating between the two.
    expect(settled).toHaveLength(11);
    const final = await timeline(stack, recordId);
    expect(final.filter((line) => line.kind === 'enrolled')).toHaveLength(11);
    expect(final.filter((line) => line.kind === 'not_enrolled')).toHaveLength(1);
  });

  it('refuses bad triggers, conditions and goals with 400 naming the path, and checks them again on enable', async () => {
    const pipelineId = await createDealPipeline(stack);
    const post = (body: Record<string, unknown>) =>
      stack.http.post('/api/workflows').send({ pipelineId, name: 'Bad', actions: [], ...body });
    const cases: [Record<string, unknown>, string][] = [
      [{ trigger: { type: 'property_changed' } }, 'body.trigger.property'],
      [{ trigger: { type: 'property_changed', property: '' } }, 'body.trigger.property'],
      [
        {
          trigger: { type: 'property_changed', property: 'tier' },
          enrollment: { conditions: { all: [{ property: 'score', operator: 'gt', value: 'high' }] } },
        },
        'body.enrollment.conditions.all[0].value',
      ],
      [
        { trigger: { type: 'property_changed', property: 'tier' }, enrollment: { conditions: { all: [] } } },
        'body.enrollment.conditions',
      ],
      [
        {
          trigger: { type: 'stage_entered', stageId: 'new' },
          settings: { goal: { any: [{ property: 'paid', operator: 'is' }] } },
        },
        'body.settings.goal.any[0].operator',
      ],
    ];
    for (const [body, path] of cases) {
      const res = await post(body);
      expect({ status: res.status, paths: res.body.errors?.map((error: { path: string }) => error.path) }).toEqual({
        status: 400,
        paths: expect.arrayContaining([path]),
      });
    }

    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Good',
      trigger: { type: 'property_changed', property: 'a property no record has yet' },
      enrollment: { conditions: { all: [{ property: 'unknown-property', operator: 'unknown' }] } },
      settings: { goal: { all: [{ property: 'paid', operator: 'eq', value: true }] } },
    });
    const badPatch = await stack.http
      .patch(`/api/workflows/${workflowId}`)
      .send({ settings: { goal: { all: [{ property: 'paid', operator: 'in', value: 'yes' }] } } });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.errors[0].path).toBe('body.settings.goal.all[0].value');
    await enableWorkflow(stack, workflowId);
    const read = await stack.http.get(`/api/workflows/${workflowId}`);
    expect(read.body.settings.goal).toEqual({ all: [{ property: 'paid', operator: 'eq', value: true }] });
    const noGoal = await stack.http.patch(`/api/workflows/${workflowId}`).send({ settings: { goal: null } });
    expect(noGoal.status).toBe(200);
    expect(noGoal.body.settings).not.toHaveProperty('goal');
  });
});
