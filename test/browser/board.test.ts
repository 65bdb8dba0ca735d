import type { Browser, Locator, Page } from 'playwright-core';
import supertest from 'supertest';
import { launchBrowser, screenshot, signIn } from '../support/browser';
import { ADMIN_TOKEN } from '../support/env';
import { eventually, startTestStack, type TestStack, unique } from '../support/stack';

const PHONE = { width: 390, height: 844 };

describe('console: the board', () => {
  let stack: TestStack;
  let browser: Browser;
  /** The deal pipeline test 1 makes through the form; the README's automation and a branch end up on it. */
  let dealPipelineId: string;
  /** A pipeline for workflows each test makes for itself through the API. */
  let scratchPipelineId: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
    const scratch = await stack.http
      .post('/api/pipelines')
      .send({ objectType: 'deal', label: unique('Scratch'), stages: [{ id: 'new', label: 'New' }] })
      .expect(201);
    scratchPipelineId = scratch.body.id;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const openBoard = async (pipelineId: string, token = ADMIN_TOKEN, viewport?: typeof PHONE): Promise<Page> => {
    const page = await signIn(browser, stack.api.url, token, viewport);
    await page.goto(`${stack.api.url}/#/pipelines/${encodeURIComponent(pipelineId)}`);
    await page.locator('.board').waitFor();
    return page;
  };

  const makeWorkflow = async (
    pipelineId: string,
    stageId: string,
    actions: object[],
    { enabled = false, name = unique('Workflow') } = {},
  ) => {
    const created = await stack.http
      .post('/api/workflows')
      .send({ pipelineId, name, trigger: { type: 'stage_entered', stageId }, actions })
      .expect(201);
    if (enabled) await stack.http.post(`/api/workflows/${created.body.id}/enable`).expect(200);
    return created.body as { id: string; name: string; version: number; actions: { id: string }[] };
  };

  const workflowOnBoard = (page: Page, name: string): Locator => page.getByRole('article', { name });
  const getWorkflow = async (id: string) => (await stack.http.get(`/api/workflows/${id}`).expect(200)).body;

  /** The text the API's message beside a field has: the element its aria-describedby names. */
  const descriptionOf = async (page: Page, field: Locator): Promise<string> => {
    const describedBy = await field.getAttribute('aria-describedby');
    const description = page.locator(`[id="${describedBy}"]`);
    await description.waitFor();
    return (await description.textContent()) ?? '';
  };

  it('creates a deal pipeline through the New pipeline form and lands on its board', async () => {
    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN);
    const label = unique('Deals');
    await page.getByLabel('Label', { exact: true }).fill(label);
    await page.getByLabel('Object type').selectOption('deal');
    await page.getByLabel('Stage 1 label').fill('New');
    for (const [n, stage] of [
      [2, 'Qualified'],
      [3, 'Won'],
    ] as const) {
      await page.getByRole('button', { name: 'Add stage' }).click();
      await page.getByLabel(`Stage ${n} label`).fill(stage);
    }
    await page.getByLabel('Stage 3 state').selectOption('closed');
    await page.getByRole('button', { name: 'Create pipeline' }).click();

    await page.getByRole('heading', { level: 1, name: label }).waitFor();
    const columns = page.locator('.stage-column h2');
    expect(await columns.allTextContents()).toEqual(['New', 'Qualified', 'Won']);
    dealPipelineId = decodeURIComponent(new URL(page.url()).hash.replace('#/pipelines/', ''));

    const stored = await stack.http.get(`/api/pipelines/${dealPipelineId}`).expect(200);
    expect(stored.body).toMatchObject({
      objectType: 'deal',
      label,
      stages: [
        { id: 'new', label: 'New', state: 'open' },
        { id: 'qualified', label: 'Qualified', state: 'open' },
        { id: 'won', label: 'Won', state: 'closed' },
      ],
    });
    await page.context().close();
  });

  it('builds the deal automation on the board, switches it on, and a record moved into Qualified gets its task', async () => {
    const page = await openBoard(dealPipelineId);
    const name = 'Follow up qualified deals';
    await page.getByRole('button', { name: 'New workflow in Qualified' }).click();
    await page.getByRole('dialog', { name: 'New workflow in Qualified' }).getByLabel('Workflow name').fill(name);
    await page.getByRole('button', { name: 'Create workflow' }).click();
    const workflow = workflowOnBoard(page, name);
    await workflow.waitFor();
    expect(await page.getByRole('region', { name: 'Qualified' }).getByRole('article', { name }).count()).toBe(1);
    // Focus lands on the new workflow once the dialog closes.
    expect(await page.evaluate('document.activeElement.textContent')).toBe(name);

    const listed = await stack.http.get(`/api/workflows?pipelineId=${dealPipelineId}`).expect(200);
    const created = listed.body.items.find((item: { name: string }) => item.name === name);
    expect(created).toMatchObject({ trigger: { type: 'stage_entered', stageId: 'qualified' }, enabled: false });

    const editor = page.getByRole('dialog', { name: 'Add an action' });
    await workflow.getByRole('button', { name: `Add first action to ${name}` }).click();
    await editor.getByLabel('Action type').selectOption({ label: 'Create task' });
    await editor.getByRole('textbox', { name: 'Title' }).fill('Call {{record.properties.company}}');
    await editor.getByRole('textbox', { name: 'Due in' }).fill('1d');
    await editor.getByRole('textbox', { name: 'Assign to' }).fill('owner');
    await editor.getByRole('button', { name: 'Add action' }).click();
    await editor.waitFor({ state: 'detached' });
    const task = 'Create task “Call {{record.properties.company}} · due in 1d”';
    await workflow.getByRole('button', { name: `Edit ${task}` }).waitFor();
    // Focus lands on the card just added.
    expect(await page.evaluate("document.activeElement.getAttribute('aria-label')")).toBe(`Edit ${task}`);

    await workflow.getByRole('button', { name: `Add action after ${task}` }).click();
    await editor.getByLabel('Action type').selectOption({ label: 'Send internal notification' });
    await editor.getByRole('checkbox', { name: 'Owner' }).check();
    await editor.getByRole('textbox', { name: 'Subject' }).fill('Qualified: {{record.properties.company}}');
    await editor.getByRole('textbox', { name: 'Body' }).fill('Call them within two days.');
    await editor.getByRole('button', { name: 'Add action' }).click();
    await editor.waitFor({ state: 'detached' });

    await workflow
      .getByRole('button', {
        name: 'Add action after Send internal notification “Qualified: {{record.properties.company}}”',
      })
      .click();
    await editor.getByLabel('Action type').selectOption({ label: 'Set property' });
    await editor.getByRole('textbox', { name: 'Property' }).fill('followUp');
    await editor.getByRole('textbox', { name: 'Value' }).fill('scheduled');
    await editor.getByRole('button', { name: 'Add action' }).click();
    await editor.waitFor({ state: 'detached' });

    // A click on a card edits it.
    await workflow.getByRole('button', { name: `Edit ${task}` }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Create task”' });
    const dueIn = edit.getByRole('textbox', { name: 'Due in' });
    // The form fills itself from the action once its schema is read; typing before that would be overwritten.
    await eventually(async () => ((await dueIn.inputValue()) === '1d' ? true : undefined));
    await dueIn.fill('2d');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await workflow
      .getByRole('button', { name: 'Edit Create task “Call {{record.properties.company}} · due in 2d”' })
      .waitFor();

    expect(await workflow.locator('.card-type').allTextContents()).toEqual([
      'Create task',
      'Send internal notification',
      'Set property',
    ]);
    expect(await workflow.locator('.card-summary').allTextContents()).toEqual([
      'Call {{record.properties.company}} · due in 2d',
      'Qualified: {{record.properties.company}}',
      'followUp = scheduled',
    ]);
    expect((await getWorkflow(created.id)).actions).toMatchObject([
      { type: 'create_task', config: { title: 'Call {{record.properties.company}}', dueIn: '2d', assignTo: 'owner' } },
      {
        type: 'send_internal_notification',
        config: { to: { owner: true }, subject: 'Qualified: {{record.properties.company}}' },
      },
      { type: 'set_property', config: { property: 'followUp', value: 'scheduled' } },
    ]);

    const toggle = workflow.getByRole('switch');
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await workflow.getByRole('switch', { name: 'Workflow is on' }).waitFor();
    expect((await getWorkflow(created.id)).enabled).toBe(true);

    const record = await stack.http
      .post('/api/records')
      .send({ pipelineId: dealPipelineId, stageId: 'new', ownerId: 'owner@acme.test', properties: { company: 'Acme' } })
      .expect(201);
    // The record's page is open before the move: the task and the timeline come in without a reload.
    await page.getByLabel('Record id').fill(record.body.id);
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.locator('.timeline-line[data-kind="stage_entered"]').waitFor();
    await stack.http.patch(`/api/records/${record.body.id}`).send({ stageId: 'qualified' }).expect(200);
    await page.getByRole('table').filter({ hasText: 'Title' }).getByText('Call Acme').waitFor({ timeout: 30_000 });
    await page.locator('.timeline-line[data-kind="action_completed"]').nth(2).waitFor({ timeout: 30_000 });
    expect(await page.locator('.timeline-line[data-kind="enrolled"]').count()).toBe(1);
    expect(await page.locator('.timeline-line[data-kind="action_completed"]').first().textContent()).toContain(
      'set property "followUp" to "scheduled"',
    );
    const tasks = await eventually(async () => {
      const answer = await stack.http.get(`/api/tasks?recordId=${record.body.id}`).expect(200);
      return answer.body.items.length > 0 ? answer.body.items : undefined;
    });
    expect(tasks).toMatchObject([{ title: 'Call Acme', assignee: 'owner@acme.test', workflowId: created.id }]);
    await page.context().close();
  });

  it('deletes an action and all following from the board', async () => {
    const workflow = await makeWorkflow(scratchPipelineId, 'new', [
      { type: 'create_task', config: { title: 'First' } },
      { type: 'create_task', config: { title: 'Second' } },
      { type: 'set_property', config: { property: 'done', value: true } },
    ]);
    const page = await openBoard(scratchPipelineId);
    const card = workflowOnBoard(page, workflow.name);
    // By keyboard: Enter opens the dialog, Escape closes it, deleting nothing and giving focus back.
    const deleteSecond = card.getByRole('button', { name: 'Delete Create task “Second”' });
    const dialog = page.getByRole('dialog', { name: 'Delete Create task “Second”' });
    await deleteSecond.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate("document.activeElement.getAttribute('aria-label')")).toBe(
      'Delete Create task “Second”',
    );
    expect((await getWorkflow(workflow.id)).actions).toHaveLength(3);

    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Delete this action and all following' }).click();
    await dialog.waitFor({ state: 'detached' });

    await card.getByRole('button', { name: 'Edit Set property “done = true”' }).waitFor({ state: 'detached' });
    expect(await card.locator('.card-summary').allTextContents()).toEqual(['First']);
    const stored = await getWorkflow(workflow.id);
    expect(stored.actions).toMatchObject([{ id: workflow.actions[0]!.id, type: 'create_task' }]);
    // The delete control went with its card: focus goes to the workflow's name.
    expect(await page.evaluate('document.activeElement.textContent')).toBe(workflow.name);
    await page.context().close();
  });

  it('asks whether to unenroll when switching a workflow off, and does what was chosen', async () => {
    const workflow = await makeWorkflow(
      scratchPipelineId,
      'new',
      [{ type: 'set_property', config: { property: 'seen', value: true } }],
      { enabled: true },
    );
    const before = await getWorkflow(workflow.id);
    const page = await openBoard(scratchPipelineId);
    const card = workflowOnBoard(page, workflow.name);
    await card.getByRole('switch', { name: 'Workflow is on' }).click();
    const dialog = page.getByRole('dialog', { name: `Turn off ${workflow.name}` });
    await dialog.getByText('Unenroll every record currently enrolled?').waitFor();
    await dialog.getByRole('button', { name: 'Turn off and unenroll them' }).click();
    await card.getByRole('switch', { name: 'Workflow is off' }).waitFor();
    expect(await page.evaluate("document.activeElement.getAttribute('role')")).toBe('switch');

    const after = await getWorkflow(workflow.id);
    expect(after.enabled).toBe(false);
    expect(after.version).toBeGreaterThan(before.version);
    const revisions = await stack.http.get(`/api/workflows/${workflow.id}/revisions`).expect(200);
    expect(revisions.body.items.at(-1)).toMatchObject({
      version: after.version,
      change: { type: 'disabled', unenroll: true },
    });
    await page.context().close();
  });

  it('refuses to switch on a draft, showing the API’s reason on the workflow', async () => {
    const workflow = await makeWorkflow(scratchPipelineId, 'new', [
      { id: unique('move'), type: 'set_stage', config: { stageId: 'nowhere' } },
    ]);
    const page = await openBoard(scratchPipelineId);
    const card = workflowOnBoard(page, workflow.name);
    await card.getByRole('switch', { name: 'Workflow is off' }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(workflow.actions[0]!.id);
    expect(await card.getByRole('switch').getAttribute('aria-checked')).toBe('false');
    expect((await getWorkflow(workflow.id)).enabled).toBe(false);
    await page.context().close();
  });

  it('adds a comment through the dialog, and the count on the card follows', async () => {
    const workflow = await makeWorkflow(scratchPipelineId, 'new', [
      { type: 'create_task', config: { title: 'Discuss me' } },
    ]);
    const page = await openBoard(scratchPipelineId);
    const card = workflowOnBoard(page, workflow.name);
    await card.getByRole('button', { name: 'Comments on Create task “Discuss me” (0)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Comments on Create task “Discuss me”' });
    await dialog.getByText('No comments yet.').waitFor();
    await dialog.getByLabel('New comment').fill('Ask sales before changing this.');
    await dialog.getByRole('button', { name: 'Add comment' }).click();
    await dialog.getByText('Ask sales before changing this.').waitFor();
    await card.getByRole('button', { name: 'Comments on Create task “Discuss me” (1)' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    const comments = await stack.http
      .get(`/api/workflows/${workflow.id}/actions/${workflow.actions[0]!.id}/comments`)
      .expect(200);
    expect(comments.body.items).toMatchObject([{ body: 'Ask sales before changing this.', by: expect.any(String) }]);
    await page.context().close();
  });

  it('draws a branch as lanes side by side (stacked on a phone), and a "+" in a lane adds there', async () => {
    const workflow = await makeWorkflow(
      dealPipelineId,
      'new',
      [
        {
          type: 'branch_if',
          config: {
            conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] },
            then: [{ type: 'create_task', config: { title: 'Call the gold customer' } }],
            else: [{ type: 'set_property', config: { property: 'nurture', value: true } }],
          },
        },
        { type: 'delay', config: { for: '3d' } },
      ],
      { name: 'Route new deals by tier' },
    );
    const page = await openBoard(dealPipelineId);
    const card = workflowOnBoard(page, workflow.name);
    const branch = 'Branch if “tier eq gold”';
    const then = card.getByRole('region', { name: `Then of ${branch}` });
    const otherwise = card.getByRole('region', { name: `Else of ${branch}` });
    await then.getByRole('button', { name: 'Edit Create task “Call the gold customer”' }).waitFor();
    await otherwise.getByRole('button', { name: 'Edit Set property “nurture = true”' }).waitFor();
    await card.getByRole('button', { name: 'Edit Delay “for 3d”' }).waitFor();
    await then.getByRole('button', { name: `Add action at the start of Then of ${branch}` }).waitFor();
    await then.getByRole('button', { name: 'Add action after Create task “Call the gold customer”' }).waitFor();

    await then.getByRole('button', { name: 'Add action after Create task “Call the gold customer”' }).click();
    const editor = page.getByRole('dialog', { name: 'Add an action' });
    await editor.getByLabel('Action type').selectOption({ label: 'Set property' });
    await editor.getByRole('textbox', { name: 'Property' }).fill('goldCalled');
    await editor.getByRole('textbox', { name: 'Value' }).fill('yes');
    await editor.getByRole('button', { name: 'Add action' }).click();
    await then.getByRole('button', { name: 'Edit Set property “goldCalled = yes”' }).waitFor();
    expect(await then.locator('.card-summary').allTextContents()).toEqual([
      'Call the gold customer',
      'goldCalled = yes',
    ]);
    const [stored] = (await getWorkflow(workflow.id)).actions;
    expect(stored.config.then).toMatchObject([
      { type: 'create_task' },
      { type: 'set_property', config: { property: 'goldCalled', value: 'yes' } },
    ]);
    expect(stored.config.else).toMatchObject([{ type: 'set_property', config: { property: 'nurture' } }]);

    const [thenBox, elseBox] = [await then.boundingBox(), await otherwise.boundingBox()];
    expect(thenBox!.x + thenBox!.width).toBeLessThanOrEqual(elseBox!.x);
    expect(Math.abs(thenBox!.y - elseBox!.y)).toBeLessThan(2);
    await screenshot(page, 'board');
    await page.context().close();

    const phone = await openBoard(dealPipelineId, ADMIN_TOKEN, PHONE);
    const phoneCard = workflowOnBoard(phone, workflow.name);
    const [phoneThen, phoneElse] = [
      await phoneCard.getByRole('region', { name: `Then of ${branch}` }).boundingBox(),
      await phoneCard.getByRole('region', { name: `Else of ${branch}` }).boundingBox(),
    ];
    expect(phoneThen!.y + phoneThen!.height).toBeLessThanOrEqual(phoneElse!.y);
    // Stacked columns: each starts below the one before, none wider than the screen.
    const columns = await Promise.all(
      (await phone.locator('.stage-column').all()).map((column) => column.boundingBox()),
    );
    for (const [index, box] of columns.entries()) {
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
      if (index > 0) expect(box!.y).toBeGreaterThanOrEqual(columns[index - 1]!.y + columns[index - 1]!.height);
    }
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await phone.context().close();
  });

  it('shows another admin’s new workflow without a reload, one with another trigger under "Other triggers"', async () => {
    const page = await openBoard(scratchPipelineId);
    const name = unique('On tier change');
    await stack.http
      .post('/api/workflows')
      .send({
        pipelineId: scratchPipelineId,
        name,
        trigger: { type: 'property_changed', property: 'tier' },
        actions: [{ type: 'create_task', config: { title: 'Check the new tier' } }],
      })
      .expect(201);
    const others = page.getByRole('region', { name: 'Other triggers' });
    const card = others.getByRole('article', { name });
    await card.waitFor({ timeout: 15_000 });
    await card.getByText('When tier changes').waitFor();
    await card.getByRole('button', { name: 'Edit Create task “Check the new tier”' }).waitFor();
    expect(await page.locator('.stage-column').getByRole('article', { name }).count()).toBe(0);
    await page.context().close();
  });

  it('sets a ticket pipeline’s templated automation, and shows the 422 beside the status it needs', async () => {
    const pipeline = await stack.http
      .post('/api/pipelines')
      .send({
        objectType: 'ticket',
        label: unique('Support'),
        stages: [
          { id: 'new', label: 'New' },
          { id: 'waiting', label: 'Waiting on us' },
          { id: 'closed', label: 'Closed', state: 'closed' },
        ],
      })
      .expect(201);
    const page = await openBoard(pipeline.body.id);
    const panel = page.getByRole('region', { name: 'Templated automations' });
    const replies = panel.getByRole('checkbox', { name: 'When the customer replies' });
    const status = panel.getByRole('combobox', { name: 'Status when the customer replies' });

    await replies.click();
    await panel.locator('.field-error').waitFor();
    expect(await descriptionOf(page, status)).toBe('choose the status to move the ticket to');
    expect(await replies.isChecked()).toBe(false);
    const refused = await stack.http.get(`/api/pipelines/${pipeline.body.id}/ticket-status-automation`).expect(200);
    expect(refused.body.customerReplied).toMatchObject({ enabled: false, stageId: null });

    await status.selectOption({ label: 'Waiting on us' });
    await eventually(async () => {
      const stored = await stack.http.get(`/api/pipelines/${pipeline.body.id}/ticket-status-automation`).expect(200);
      return stored.body.customerReplied.stageId === 'waiting' ? true : undefined;
    });
    await replies.click();
    await eventually(async () => ((await replies.isChecked()) ? true : undefined));
    const stored = await stack.http.get(`/api/pipelines/${pipeline.body.id}/ticket-status-automation`).expect(200);
    expect(stored.body).toMatchObject({
      customerReplied: { enabled: true, stageId: 'waiting' },
      emailSentToCustomer: { enabled: false, stageId: null },
    });
    expect(await page.locator('.field-error').count()).toBe(0);
    await page.context().close();
  });

  it('shows a viewer the board with no edit controls, and comments it can read', async () => {
    const workflow = await makeWorkflow(
      scratchPipelineId,
      'new',
      [{ type: 'create_task', config: { title: 'Viewer sees me' } }],
      { enabled: true },
    );
    await stack.http
      .post(`/api/workflows/${workflow.id}/actions/${workflow.actions[0]!.id}/comments`)
      .send({ body: 'A note for everyone.' })
      .expect(201);
    const viewer = await stack.http
      .post('/api/tokens')
      .send({ name: unique('viewer'), role: 'viewer' })
      .expect(201);
    const session = await supertest(stack.api.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${viewer.body.token as string}`)
      .expect(200);
    expect(session.body.role).toBe('viewer');

    const page = await openBoard(scratchPipelineId, viewer.body.token);
    const card = workflowOnBoard(page, workflow.name);
    await card.getByText('Viewer sees me').waitFor();
    await card.getByText('Workflow is on').waitFor();
    expect(await page.getByRole('button', { name: /^Add action/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Edit/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /New workflow/ }).count()).toBe(0);
    expect(await page.getByRole('switch').count()).toBe(0);

    await card.getByRole('button', { name: 'Comments on Create task “Viewer sees me” (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Comments on Create task “Viewer sees me”' });
    await dialog.getByText('A note for everyone.').waitFor();
    expect(await dialog.getByLabel('New comment').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Pipelines' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Pipelines' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create pipeline' }).count()).toBe(0);
    await page.context().close();
  });

  it('shows the API’s message beside the field it names on the New pipeline form', async () => {
    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN);
    const label = unique('Broken');
    await page.getByLabel('Label', { exact: true }).fill(label);
    await page.getByLabel('Stage 1 label').fill('Open');
    await page.getByRole('button', { name: 'Add stage' }).click();
    await page.getByLabel('Stage 2 label').fill('Open');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    expect(await descriptionOf(page, page.getByLabel('Stage 2 id'))).toBe('duplicate stage id "open"');

    await page.getByRole('button', { name: 'Remove stage 2' }).click();
    await page.getByRole('button', { name: 'Remove stage 1' }).click();
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    expect(await descriptionOf(page, page.getByRole('group', { name: 'Stages, in order' }))).toBe(
      'a pipeline needs at least one stage',
    );
    const pipelines = await stack.http.get('/api/pipelines?limit=500').expect(200);
    expect(pipelines.body.items.map((pipeline: { label: string }) => pipeline.label)).not.toContain(label);
    await page.context().close();
  });
});
