import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { upsertToken } from '../../src/db/tokens';
import { launchBrowser, screenshot, signIn } from '../support/browser';
import { ADMIN_TOKEN } from '../support/env';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  waitForTimeline,
} from '../support/fixtures';
import { DEFAULT_API_SETTINGS, eventually, startTestStack, type TestStack, unique } from '../support/stack';

const TEMPORAL_UI = 'http://127.0.0.1:8233';

describe('console: the workflow page', () => {
  let stack: TestStack;
  let browser: Browser;
  let pipelineId: string;
  const viewerToken = `viewer-${unique('workflow-page')}-0123456789`;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startTestStack({
        apiSettings: { ...DEFAULT_API_SETTINGS, temporal: { namespace: 'default', uiUrl: TEMPORAL_UI } },
      }),
      launchBrowser(),
    ]);
    pipelineId = await createDealPipeline(stack);
    await upsertToken(stack.pool, { id: unique('viewer'), name: 'viewer', role: 'viewer', secret: viewerToken });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const openWorkflow = async (workflowId: string, tab = '', token = ADMIN_TOKEN, width = 1280): Promise<Page> => {
    const page = await signIn(browser, stack.api.url, token, { width, height: 900 });
    await page.goto(`${stack.api.url}/#/workflows/${encodeURIComponent(workflowId)}${tab ? `/${tab}` : ''}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    return page;
  };
  const getWorkflow = async (workflowId: string) => (await stack.http.get(`/api/workflows/${workflowId}`)).body;
  /** Whether the page is wider than its viewport (something would scroll sideways on a phone). */
  const overflowsSideways = (page: Page) =>
    page.evaluate('document.documentElement.scrollWidth > document.documentElement.clientWidth');

  it('saves an execution window, pause dates and a goal, and shows a bad pause date’s message beside it', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Qualified follow-up',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [{ id: 'call', type: 'create_task', config: { title: 'Call' } }],
    });
    const page = await openWorkflow(workflowId);
    await page.getByRole('heading', { name: 'Qualified follow-up' }).waitFor();
    expect(await page.locator('.trigger').textContent()).toContain('When a record enters “Qualified”');

    await page.getByLabel('Run actions only on these days and hours').check();
    await page.getByLabel('From', { exact: true }).fill('08:30');
    await page.getByLabel('Until', { exact: true }).fill('18:00');
    await page.getByLabel('Window time zone').fill('Europe/Berlin');
    await page.getByRole('button', { name: 'Add a pause date' }).click();
    await page.getByLabel('Pause date 1', { exact: true }).fill('2026-12-26');
    await page.getByRole('button', { name: 'Add a pause date' }).click();
    await page.getByLabel('Pause date 2', { exact: true }).fill('2026-12-25');
    await page.getByLabel('Pause dates time zone').fill('Europe/Berlin');
    const goal = page.getByRole('group', { name: 'While enrolled' });
    await goal.getByRole('button', { name: 'Add an “all” condition' }).click();
    await goal.getByLabel('Property', { exact: true }).fill('won');
    await goal.getByLabel('Operator').selectOption('eq');
    await goal.getByLabel('Value', { exact: true }).fill('true');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved as version 2.').waitFor();

    const saved = await getWorkflow(workflowId);
    expect(saved.version).toBe(2);
    expect(saved.settings).toMatchObject({
      executionWindow: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        start: '08:30',
        end: '18:00',
        timezone: 'Europe/Berlin',
      },
      pauseDates: { dates: ['2026-12-25', '2026-12-26'], timezone: 'Europe/Berlin' },
      goal: { all: [{ property: 'won', operator: 'eq', value: true }] },
    });
    // Only what changed was sent: the enrollment rules were left as they were.
    const revisions = (await stack.http.get(`/api/workflows/${workflowId}/revisions`)).body.items;
    expect(Object.keys(revisions[1].change).sort()).toEqual(['settings', 'type']);

    // The form now shows the stored (sorted) dates; the second becomes a day that does not exist.
    await page.getByLabel('Pause date 2', { exact: true }).fill('2026-02-30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const message = page.locator('#wf-pause-1-error');
    await message.waitFor();
    expect(await message.textContent()).toContain('"2026-02-30" is not a calendar date');
    expect(await page.getByLabel('Pause date 2', { exact: true }).getAttribute('aria-describedby')).toBe(
      'wf-pause-1-error',
    );
    expect(await page.locator('#wf-pause-0-error').count()).toBe(0);
    const refused = await stack.http
      .patch(`/api/workflows/${workflowId}`)
      .send({ settings: { pauseDates: { dates: ['2026-12-25', '2026-02-30'], timezone: 'Europe/Berlin' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      path: 'body.settings.pauseDates.dates[1]',
      message: await message.textContent(),
    });
    expect((await getWorkflow(workflowId)).version).toBe(2);

    // Removing the window and the goal sends null for each.
    await page.getByLabel('Pause date 2', { exact: true }).fill('2026-12-24');
    await page.getByLabel('Run actions only on these days and hours').uncheck();
    await goal.getByRole('button', { name: 'Remove All condition 1' }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved as version 3.').waitFor();
    const after = await getWorkflow(workflowId);
    expect(after.settings.executionWindow).toBeUndefined();
    expect(after.settings.goal).toBeUndefined();
    expect(after.settings.pauseDates.dates).toEqual(['2026-12-24', '2026-12-25']);
    await page.context().close();
  });

  it('says so when someone else changed the workflow since the form was filled, and reloads it', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Two editors',
      trigger: { type: 'stage_entered', stageId: 'new' },
    });
    const page = await openWorkflow(workflowId);
    await page.getByLabel('Shards', { exact: true }).fill('4');
    await stack.http.patch(`/api/workflows/${workflowId}`).send({ name: 'Renamed elsewhere' }).expect(200);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Someone else changed this workflow').waitFor();
    expect((await getWorkflow(workflowId)).settings.shards).toBe(1);
    await page.getByRole('button', { name: 'Reload the settings' }).click();
    await eventually(async () =>
      (await page.getByLabel('Name', { exact: true }).inputValue()) === 'Renamed elsewhere' ? true : undefined,
    );
    expect(await page.getByLabel('Shards', { exact: true }).inputValue()).toBe('1');
    await page.context().close();
  });

  it('lists enrollments as records enter the stage, live, with a Temporal UI link, and enrolls and unenrolls by hand', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Wait, then call',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { id: 'wait', type: 'delay', config: { for: '1h' } },
        { id: 'call', type: 'create_task', config: { title: 'Call {{record.properties.company}}' } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, { pipelineId, stageId: 'new', properties: { company: 'Acme' } });
    const page = await openWorkflow(workflowId, 'enrollments');
    await page.getByText('No enrollments yet.').waitFor();

    await moveRecord(stack, recordId, 'qualified');
    const row = page.locator('tr', { has: page.getByRole('link', { name: recordId, exact: true }) });
    await row.getByText('waiting').waitFor({ timeout: 30_000 });
    const [enrollment] = (await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`)).body
      .items;
    expect(enrollment).toMatchObject({ status: 'waiting', currentActionId: 'wait' });
    expect(await row.getByRole('link', { name: /Temporal UI/ }).getAttribute('href')).toBe(
      `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(enrollment.id)}`,
    );
    expect(await row.locator('td[data-label="Wakes at"] time').getAttribute('datetime')).toBe(enrollment.wakeAt);
    expect(await row.locator('td[data-label="Current action"]').textContent()).toBe('wait');

    // Enrolling it again is refused while it is enrolled: the API's reason beside the field.
    await page.getByLabel('Enroll a record').fill(recordId);
    await page.getByRole('button', { name: 'Enroll', exact: true }).click();
    const refusal = page.locator('#enroll-record-error');
    await refusal.waitFor();
    const api = await stack.http.post(`/api/workflows/${workflowId}/enrollments`).send({ recordId });
    expect(api.status).toBe(422);
    expect(api.body.errors[0].path).toBe('body.recordId');
    expect(await refusal.textContent()).toBe(api.body.errors[0].message);

    await row.getByRole('button', { name: `Unenroll ${recordId}` }).click();
    await page.getByText(`Unenrolled ${recordId}: 1 enrollment(s) ended.`).waitFor();
    await row.getByText('cancelled').waitFor({ timeout: 30_000 });
    expect((await stack.http.get(`/api/workflows/${workflowId}/enrollments?recordId=${recordId}`)).body.items).toEqual([
      expect.objectContaining({ id: enrollment.id, status: 'cancelled' }),
    ]);
    await waitForTimeline(stack, recordId, 'unenrolled', workflowId);

    // A second record enrolled from the form appears without a reload, and the status filter keeps to one status.
    const other = await createRecord(stack, { pipelineId, stageId: 'new' });
    await page.getByLabel('Enroll a record').fill(other);
    await page.getByRole('button', { name: 'Enroll', exact: true }).click();
    await page.getByText(`Enrolled ${other}`).waitFor();
    await page.getByRole('link', { name: other, exact: true }).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('cancelled');
    await page.getByRole('link', { name: other, exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: recordId, exact: true }).waitFor();
    await page.context().close();

    // On a phone's width the list is one card per enrollment, and nothing scrolls sideways.
    const phone = await openWorkflow(workflowId, 'enrollments', ADMIN_TOKEN, 390);
    await phone.getByRole('link', { name: other, exact: true }).waitFor();
    expect(await overflowsSideways(phone)).toBe(false);
    await phone.context().close();
  });

  it('leaves the Temporal UI link out when the API does not know where the Temporal UI is', async () => {
    // A stack of its own with the default settings (no TEMPORAL_UI_URL); no worker is needed, as an enrollment by
    // hand is listed as soon as the request has decided it.
    const plain = await startTestStack({ worker: false });
    try {
      const ownPipelineId = await createDealPipeline(plain);
      const workflowId = await createWorkflow(plain, {
        pipelineId: ownPipelineId,
        name: 'No Temporal UI',
        trigger: { type: 'stage_entered', stageId: 'qualified' },
      });
      await enableWorkflow(plain, workflowId);
      const recordId = await createRecord(plain, { pipelineId: ownPipelineId, stageId: 'new' });
      await plain.http.post(`/api/workflows/${workflowId}/enrollments`).send({ recordId }).expect(202);
      expect((await plain.http.get('/api/session')).body.temporal.uiUrl).toBeNull();

      const page = await signIn(browser, plain.api.url, ADMIN_TOKEN);
      await page.goto(`${plain.api.url}/#/workflows/${encodeURIComponent(workflowId)}/enrollments`);
      const row = page.locator('tr', { has: page.getByRole('link', { name: recordId, exact: true }) });
      await row.waitFor();
      await row.getByRole('link', { name: `Test run: ${recordId}` }).waitFor();
      expect(await row.getByRole('link', { name: /Temporal UI/ }).count()).toBe(0);
      await page.context().close();
    } finally {
      await plain.stop();
    }
  });

  describe('with a failing webhook', () => {
    let server: http.Server;
    let fixed = false;
    let workflowId: string;
    let recordId: string;

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(fixed ? 200 : 404).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      workflowId = await createWorkflow(stack, {
        pipelineId,
        name: 'Tell the ERP',
        trigger: { type: 'stage_entered', stageId: 'won' },
        actions: [{ id: 'erp', type: 'webhook', config: { url: `http://127.0.0.1:${port}/orders/{{record.id}}` } }],
      });
      await enableWorkflow(stack, workflowId);
      recordId = await createRecord(stack, { pipelineId, stageId: 'won' });
      await waitForTimeline(stack, recordId, 'action_failed', workflowId);
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('groups the failure by reason and retries it', async () => {
      const page = await openWorkflow(workflowId, 'issues');
      const issue = page.locator('.issue', { hasText: 'erp' });
      await issue.waitFor();
      const [group] = (await stack.http.get(`/api/workflows/${workflowId}/issues`)).body.items;
      expect(group).toMatchObject({ kind: 'action_failed', actionId: 'erp', count: 1, sampleRecordIds: [recordId] });
      expect(await issue.locator('.reason').textContent()).toBe(group.reason);
      expect(await issue.getByRole('link', { name: recordId }).getAttribute('href')).toBe(
        `#/records/${encodeURIComponent(recordId)}`,
      );

      fixed = true;
      await issue.getByRole('button', { name: 'Retry erp' }).click();
      await issue.getByText('Retried 1 enrollment.').waitFor();
      const lines = await waitForTimeline(stack, recordId, 'action_completed', workflowId);
      const erp = lines.filter((line) => line.actionId === 'erp').map((line) => line.kind);
      expect(erp[0]).toBe('action_failed');
      expect(erp.slice(-2)).toEqual(['action_retried', 'action_completed']);
      await page.context().close();
    });

    it('shows a viewer every tab without a control that changes anything', async () => {
      const page = await openWorkflow(workflowId, '', viewerToken);
      await page.getByText('Read-only: your role can see the settings, not change them.').waitFor();
      expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
      // The switch's state, as text: turning it is the configure roles'.
      await page.getByText('Workflow is on').waitFor();
      expect(await page.getByRole('switch').count()).toBe(0);

      // Each tab as a viewer sees it: its content, and no enabled button but the revision viewer's.
      const tabs = [
        { name: 'Enrollments', content: page.getByRole('link', { name: recordId, exact: true }) },
        { name: 'Issues', content: page.locator('.issue', { hasText: 'erp' }) },
        { name: 'Revisions', content: page.getByRole('button', { name: 'View version 1' }) },
        { name: 'Test run', content: page.getByText('A test run needs a role that can configure workflows') },
        { name: 'Settings', content: page.getByText('Read-only: your role can see the settings') },
      ];
      for (const tab of tabs) {
        // By keyboard: each tab is a link.
        await page.getByRole('link', { name: tab.name, exact: true }).press('Enter');
        await tab.content.waitFor();
        const enabled = await page.locator('.tab-panel button:enabled').allTextContents();
        expect(enabled.filter((text) => !/^(View|Hide) version/.test(text))).toEqual([]);
      }
      await page.getByRole('link', { name: 'Revisions', exact: true }).click();
      await page.getByRole('button', { name: 'View version 1' }).click();
      await page.getByText('The whole definition (JSON)').waitFor();
      expect(await page.getByRole('button', { name: /Restore/ }).count()).toBe(0);
      await page.context().close();
    });
  });

  it('restores an old revision after confirming, and the API holds that revision’s definition', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'First draft',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'hello', type: 'create_task', config: { title: 'Say hello' } }],
    });
    await stack.http
      .post(`/api/workflows/${workflowId}/actions`)
      .send({ action: { id: 'later', type: 'create_task', config: { title: 'Later' } } })
      .expect(201);
    await stack.http.patch(`/api/workflows/${workflowId}`).send({ name: 'Second draft' }).expect(200);

    const page = await openWorkflow(workflowId, 'revisions');
    await page.getByText('added action later').waitFor();
    await page.getByText('changed name').waitFor();
    await page.getByRole('button', { name: 'View version 1' }).click();
    await page.getByText('hello (create_task)').waitFor();
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await page.getByText('restored version 1').waitFor();
    await page.getByRole('heading', { name: 'First draft' }).waitFor();

    const restored = await getWorkflow(workflowId);
    const revision = (await stack.http.get(`/api/workflows/${workflowId}/revisions/1`)).body;
    expect(restored.version).toBe(4);
    expect(restored.name).toBe(revision.workflow.name);
    expect(restored.actions).toEqual(revision.workflow.actions);
    expect(await page.locator('.trigger').textContent()).toContain('version 4');
    await page.context().close();
  });

  it('shows a refused restore’s reason in the dialog and changes nothing', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Moves on',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'move', type: 'set_stage', config: { stageId: 'nowhere' } }],
    });
    await stack.http
      .patch(`/api/workflows/${workflowId}/actions/move`)
      .send({ config: { stageId: 'won' } })
      .expect(200);
    await enableWorkflow(stack, workflowId);
    const page = await openWorkflow(workflowId, 'revisions');
    await page.getByRole('button', { name: 'View version 1' }).click();
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await dialog.getByRole('alert').waitFor();
    const api = await stack.http.post(`/api/workflows/${workflowId}/revisions/1/restore`);
    expect(api.status).toBe(422);
    expect(await dialog.getByRole('alert').textContent()).toContain('nowhere');
    expect((await getWorkflow(workflowId)).version).toBe(3);
    await page.context().close();
  });

  it('test-runs a record from its enrollment, showing the steps the API walks', async () => {
    const workflowId = await createWorkflow(stack, {
      pipelineId,
      name: 'Gold or not',
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        {
          id: 'tier',
          type: 'branch_if',
          config: {
            conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] },
            then: [{ id: 'vip', type: 'create_task', config: { title: 'VIP call {{record.properties.company}}' } }],
            else: [{ id: 'nurture', type: 'create_task', config: { title: 'Nurture' } }],
          },
        },
        { id: 'pause', type: 'delay', config: { for: '2d' } },
        { id: 'mark', type: 'set_property', config: { property: 'called', value: true } },
      ],
    });
    await enableWorkflow(stack, workflowId);
    const recordId = await createRecord(stack, {
      pipelineId,
      stageId: 'qualified',
      properties: { tier: 'gold', company: 'Acme' },
    });
    const page = await openWorkflow(workflowId, 'enrollments');
    const row = page.locator('tr', { has: page.getByRole('link', { name: recordId, exact: true }) });
    await row.getByRole('link', { name: `Test run: ${recordId}` }).click({ timeout: 30_000 });
    expect(await page.getByLabel('Record', { exact: true }).inputValue()).toBe(recordId);
    await page.getByText('writes nothing').waitFor();
    await page.getByRole('button', { name: 'Run the test' }).click();
    const steps = page.locator('ol.steps > li');
    await steps.first().waitFor();

    const api = (await stack.http.post(`/api/workflows/${workflowId}/test`).send({ recordId })).body;
    expect(api.wouldEnroll).toBe(false);
    expect(await page.locator('.verdict').textContent()).toContain(`would not enroll: ${api.reason}`);
    const shown = await steps.evaluateAll((items) =>
      items.map((item) => ({
        actionId: item.querySelector('code')?.textContent,
        detail: item.querySelector('.step-detail')?.textContent,
        wakeAt: item.querySelector('.step-wake time')?.getAttribute('datetime') ?? undefined,
      })),
    );
    expect(shown.map((step) => step.actionId)).toEqual(['tier', 'vip', 'pause', 'mark']);
    expect(shown.map((step) => step.actionId)).toEqual(api.steps.map((step: { actionId: string }) => step.actionId));
    // The delay ends 2 days from when each test ran, so the page's and the second request's differ by a little.
    const details = (steps: { detail?: string | null }[]) =>
      steps.map((step, index) => (index === 2 ? '' : step.detail));
    expect(details(shown)).toEqual(details(api.steps));
    expect(shown[1]!.detail).toBe('created task "VIP call Acme"');
    expect(shown[2]!.detail).toBe(`waiting until ${shown[2]!.wakeAt}`);
    expect(Math.abs(Date.parse(shown[2]!.wakeAt) - Date.parse(api.steps[2].wakeAt))).toBeLessThan(60_000);
    await page.getByText('The enrollment would then complete.').waitFor();
    await screenshot(page, 'workflow');

    // With a goal the record meets already, the walk stops before the first action, as the enrollment would.
    await stack.http
      .patch(`/api/workflows/${workflowId}`)
      .send({ settings: { goal: { all: [{ property: 'company', operator: 'eq', value: 'Acme' }] } } })
      .expect(200);
    await page.getByRole('button', { name: 'Run the test' }).click();
    await page.getByText('The record meets the goal before tier').waitFor();
    expect(await steps.count()).toBe(0);
    const goalRun = (await stack.http.post(`/api/workflows/${workflowId}/test`).send({ recordId })).body;
    expect(goalRun).toMatchObject({ steps: [], endedBy: 'goal', stoppedBefore: 'tier', endReason: 'goal met' });
    expect(await page.locator('.ending').textContent()).toContain(`(unenrolled: ${goalRun.endReason})`);
    await page.context().close();
  });

  it('turns the workflow off asking about enrollments, and on again enrolling the records already in the stage', async () => {
    // A pipeline of its own: the stage holds this test's record alone, and no other test's workflow moves it.
    const ownPipelineId = await createDealPipeline(stack);
    const workflowId = await createWorkflow(stack, {
      pipelineId: ownPipelineId,
      name: 'Switched here',
      trigger: { type: 'stage_entered', stageId: 'new' },
      actions: [{ id: 'hello', type: 'create_task', config: { title: 'Hello' } }],
    });
    const recordId = await createRecord(stack, { pipelineId: ownPipelineId, stageId: 'new' });
    const page = await openWorkflow(workflowId);
    await page.getByRole('switch', { name: 'Workflow is off' }).click();
    const on = page.getByRole('dialog', { name: 'Turn on “Switched here”?' });
    await on.getByLabel('Also enroll records already in the stage').check();
    await on.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('switch', { name: 'Workflow is on' }).waitFor();
    await page.getByText('Records already in the stage: 1 enrolled, 0 not enrolled').waitFor({ timeout: 60_000 });
    expect((await getWorkflow(workflowId)).backfill).toEqual({ status: 'done', enrolled: 1, skipped: 0, total: 1 });
    await waitForTimeline(stack, recordId, 'enrolled', workflowId);

    await page.getByRole('switch', { name: 'Workflow is on' }).click();
    await page
      .getByRole('dialog', { name: 'Turn off Switched here' })
      .getByRole('button', { name: 'Turn off, keep them enrolled' })
      .click();
    await page.getByRole('switch', { name: 'Workflow is off' }).waitFor();
    const revisions = (await stack.http.get(`/api/workflows/${workflowId}/revisions`)).body.items;
    expect(revisions.at(-1).change).toEqual({ type: 'disabled', unenroll: false });
    expect(revisions.at(-2).change).toEqual({ type: 'enabled', enrollExisting: true });
    await page.context().close();
  });
});
