import type { Browser, Locator, Page } from 'playwright-core';
import { launchBrowser, screenshot, signIn } from '../support/browser';
import { ADMIN_TOKEN } from '../support/env';
import { startTestStack, type TestStack, unique } from '../support/stack';

const PHONE = { width: 390, height: 844 };
/** The label of the element that has focus. */
const FOCUSED_LABEL = 'document.activeElement?.labels?.[0]?.textContent ?? null';

interface StoredAction {
  id: string;
  type: string;
  config: Record<string, unknown>;
}

/** The action editor, opened from the board's "+" and cards: each test checks the form and what the API stored. */
describe('console: the action editor', () => {
  let stack: TestStack;
  let browser: Browser;
  let pipelineId: string;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ worker: false }), launchBrowser()]);
    const pipeline = await stack.http
      .post('/api/pipelines')
      .send({ objectType: 'ticket', label: unique('Support'), stages: [{ id: 'new', label: 'New' }] })
      .expect(201);
    pipelineId = pipeline.body.id;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const makeWorkflow = async (actions: object[] = []) => {
    const created = await stack.http
      .post('/api/workflows')
      .send({ pipelineId, name: unique('Workflow'), trigger: { type: 'stage_entered', stageId: 'new' }, actions })
      .expect(201);
    return created.body as { id: string; name: string; actions: StoredAction[] };
  };
  const storedActions = async (workflowId: string): Promise<StoredAction[]> =>
    (await stack.http.get(`/api/workflows/${workflowId}`).expect(200)).body.actions;

  const openBoard = async (viewport?: typeof PHONE): Promise<Page> => {
    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN, viewport);
    await page.goto(`${stack.api.url}/#/pipelines/${encodeURIComponent(pipelineId)}`);
    await page.locator('.board').waitFor();
    return page;
  };

  /** Opens the editor from the "+" of an empty workflow and picks the type. */
  const addFirstAction = async (page: Page, workflowName: string, typeLabel: string): Promise<Locator> => {
    await page.getByRole('button', { name: `Add first action to ${workflowName}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an action' });
    await dialog.getByLabel('Action type').selectOption({ label: typeLabel });
    return dialog;
  };

  /** The text of what a field's aria-describedby names (its hint, its error). */
  const descriptionOf = async (page: Page, field: Locator): Promise<string> => {
    const ids = (await field.getAttribute('aria-describedby'))?.split(' ') ?? [];
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
    return texts.join(' ');
  };

  it('adds a create_task with a title, due in 2d and assigned to the owner, submitted with Enter', async () => {
    const workflow = await makeWorkflow();
    const page = await openBoard();
    await page.getByRole('button', { name: `Add first action to ${workflow.name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an action' });
    await dialog.getByLabel('Action type').waitFor();
    expect(await page.evaluate(FOCUSED_LABEL)).toBe('Action type');
    // Every type the server publishes, named as the board's cards name them.
    expect(await dialog.getByLabel('Action type').locator('option:not([disabled])').allTextContents()).toEqual([
      'Delay',
      'Create task',
      'Send internal notification',
      'Send email',
      'Set property',
      'Set stage',
      'Webhook',
      'Branch if',
      'Branch by value',
      'Random split',
    ]);
    await dialog.getByLabel('Action type').selectOption({ label: 'Create task' });
    await page.keyboard.press('Tab');
    expect(await page.evaluate(FOCUSED_LABEL)).toBe('Title');

    const title = dialog.getByLabel('Title');
    await title.fill('Call {{record.properties.name}}');
    expect(await dialog.getByLabel('Body').and(dialog.locator('textarea')).count()).toBe(1);
    await dialog.getByLabel('Due in').fill('2d');
    const assignTo = dialog.getByLabel('Assign to');
    expect(await descriptionOf(page, assignTo)).toContain("'owner' for the record owner");
    await assignTo.fill('owner');
    await screenshot(page, 'action-editor');
    await assignTo.press('Enter');
    await dialog.waitFor({ state: 'detached' });

    const [action, ...others] = await storedActions(workflow.id);
    expect(others).toEqual([]);
    expect(action).toMatchObject({ type: 'create_task' });
    expect(action!.config).toEqual({ title: 'Call {{record.properties.name}}', dueIn: '2d', assignTo: 'owner' });

    // Edited, the API names the field under body.config: its message still shows beside it.
    await page.getByRole('button', { name: /^Edit Create task “Call/ }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Create task”' });
    const dueIn = edit.getByLabel('Due in');
    expect(await dueIn.inputValue()).toBe('2d');
    await dueIn.fill('11y');
    await dueIn.press('Enter');
    await edit.locator('.field-error').waitFor();
    expect(await descriptionOf(page, dueIn)).toContain('of at most 10 years');
    expect((await storedActions(workflow.id))[0]!.config).toEqual(action!.config);
    await dueIn.fill('3d');
    await dueIn.press('Enter');
    await edit.waitFor({ state: 'detached' });
    expect((await storedActions(workflow.id))[0]).toMatchObject({
      id: action!.id,
      config: { title: 'Call {{record.properties.name}}', dueIn: '3d', assignTo: 'owner' },
    });
    await page.context().close();
  });

  it('on a phone: says a title is required, shows the API’s message beside an over-long due date, stores nothing until it is right, and Escape cancels', async () => {
    const workflow = await makeWorkflow();
    const page = await openBoard(PHONE);
    const dialog = await addFirstAction(page, workflow.name, 'Create task');
    const fits =
      "[...document.querySelectorAll('dialog[open], dialog[open] *')].every((e) => e.getBoundingClientRect().right <= window.innerWidth)";
    expect(await page.evaluate(fits)).toBe(true);

    await dialog.getByRole('button', { name: 'Add action' }).click();
    const title = dialog.getByLabel('Title');
    expect(await descriptionOf(page, title)).toContain('it is required');

    await title.fill('Renew the contract');
    const dueIn = dialog.getByLabel('Due in');
    await dueIn.fill('11y');
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await dialog.locator('.field-error').filter({ hasText: '10 years' }).waitFor();
    expect(await descriptionOf(page, dueIn)).toContain(
      'use an ISO-8601 duration (PT30M, P3D) or 30s, 15m, 2h, 3d, 1w, of at most 10 years',
    );
    expect(await dueIn.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.getByRole('alert').filter({ hasText: 'Invalid request' }).count()).toBe(1);
    expect(await storedActions(workflow.id)).toEqual([]);

    await dueIn.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await storedActions(workflow.id)).toEqual([]);
    await page.context().close();
  });

  it('adds a delay until a date, then a delay of 11 years is refused beside its For field', async () => {
    const workflow = await makeWorkflow();
    const page = await openBoard();
    const dialog = await addFirstAction(page, workflow.name, 'Delay');
    await dialog.getByLabel('Delay', { exact: true }).selectOption({ label: 'Until' });
    const date = dialog.getByLabel('Date', { exact: true });
    expect(await descriptionOf(page, date)).toContain('2031-05-01T09:00:00Z');
    await date.fill('2031-05-01T09:00:00Z');
    await dialog.getByLabel('Time', { exact: true }).fill('09:30');
    await dialog.getByLabel('Timezone', { exact: true }).fill('Europe/Paris');
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await dialog.waitFor({ state: 'detached' });
    const [delay] = await storedActions(workflow.id);
    expect(delay!.config).toEqual({ until: { date: '2031-05-01T09:00:00Z', time: '09:30', timezone: 'Europe/Paris' } });

    await page.getByRole('button', { name: /^Add action after Delay/ }).click();
    const again = page.getByRole('dialog', { name: 'Add an action' });
    await again.getByLabel('Action type').selectOption({ label: 'Delay' });
    const forField = again.getByLabel('For', { exact: true });
    await forField.fill('11y');
    await forField.press('Enter');
    await again.locator('.field-error').waitFor();
    expect(await descriptionOf(page, forField)).toContain('of at most 10 years');
    expect((await storedActions(workflow.id)).map((action) => action.id)).toEqual([delay!.id]);
    await again.getByRole('button', { name: 'Cancel' }).click();
    await again.waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('adds a webhook with a method, two headers (one removed again) and a JSON body', async () => {
    const workflow = await makeWorkflow();
    const page = await openBoard();
    const dialog = await addFirstAction(page, workflow.name, 'Webhook');
    await dialog.getByLabel('URL').fill('https://example.com/hooks/{{record.id}}');
    const method = dialog.getByLabel('Method');
    expect(await method.inputValue()).toBe('POST');
    await method.selectOption('PUT');
    await dialog.getByRole('button', { name: 'Add header' }).click();
    await dialog.getByLabel('Header 1 name').fill('X-Source');
    await dialog.getByLabel('Header 1 value').fill('pipewright');
    await dialog.getByRole('button', { name: 'Add header' }).click();
    await dialog.getByLabel('Header 2 name').fill('X-Drop');
    await dialog.getByRole('button', { name: 'Remove header 2' }).click();
    await dialog.getByLabel('Body', { exact: true }).fill('{"id": "{{record.id}}", "tags": ["a", 1]}');
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await dialog.waitFor({ state: 'detached' });

    const [webhook] = await storedActions(workflow.id);
    expect(webhook).toMatchObject({ type: 'webhook' });
    expect(webhook!.config).toEqual({
      url: 'https://example.com/hooks/{{record.id}}',
      method: 'PUT',
      headers: { 'X-Source': 'pipewright' },
      body: { id: '{{record.id}}', tags: ['a', 1] },
    });
    await page.context().close();
  });

  it('adds an internal notification to a list of users and the owner', async () => {
    const workflow = await makeWorkflow();
    const page = await openBoard();
    const dialog = await addFirstAction(page, workflow.name, 'Send internal notification');
    for (const [n, email] of [
      [1, 'ana@example.com'],
      [2, 'bo@example.com'],
    ] as const) {
      await dialog.getByRole('button', { name: 'Add user' }).click();
      await dialog.getByLabel(`User ${n}`, { exact: true }).fill(email);
    }
    await dialog.getByLabel('Owner').check();
    await dialog.getByLabel('Subject').fill('New ticket {{record.id}}');
    await dialog.getByLabel('Body').fill('Have a look.');
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await dialog.waitFor({ state: 'detached' });
    const [notification] = await storedActions(workflow.id);
    expect(notification!.config).toEqual({
      to: { users: ['ana@example.com', 'bo@example.com'], owner: true },
      subject: 'New ticket {{record.id}}',
      body: 'Have a look.',
    });
    await page.context().close();
  });

  it('adds send_email with a built-in template, and edits it to a custom email', async () => {
    const template = await stack.http
      .post('/api/email-templates')
      .send({ id: unique('welcome'), name: 'Welcome', subject: 'Hello', body: 'Hi there' })
      .expect(201);
    const workflow = await makeWorkflow();
    const page = await openBoard();
    const dialog = await addFirstAction(page, workflow.name, 'Send email');
    await dialog.getByLabel('Template').selectOption({ label: 'Ticket closed' });
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await dialog.waitFor({ state: 'detached' });
    const [email] = await storedActions(workflow.id);
    expect(email!.config).toEqual({ template: 'ticket_closed' });

    await page.getByRole('button', { name: /^Edit Send email/ }).click();
    const edit = page.getByRole('dialog', { name: 'Edit “Send email”' });
    const choice = edit.getByLabel('Template', { exact: true });
    expect(await choice.locator('option:checked').textContent()).toBe('Ticket closed');
    await choice.selectOption({ label: 'Custom email ID' });
    await edit.getByLabel('Custom email ID').fill(template.body.id as string);
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    const [edited] = await storedActions(workflow.id);
    expect(edited).toMatchObject({ id: email!.id, config: { template: { customEmailId: template.body.id } } });
    await page.context().close();
  });

  it('edits a set_property’s value, prefilled, from text to a number', async () => {
    const workflow = await makeWorkflow([{ type: 'set_property', config: { property: 'tier', value: 'silver' } }]);
    const page = await openBoard();
    await page.getByRole('button', { name: /^Edit Set property/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit “Set property”' });
    const property = dialog.getByLabel('Property');
    expect(await property.inputValue()).toBe('tier');
    expect(await page.evaluate(FOCUSED_LABEL)).toBe('Property');
    expect(await dialog.getByLabel('Value type').inputValue()).toBe('0');
    const value = dialog.getByLabel('Value', { exact: true });
    expect(await value.inputValue()).toBe('silver');
    await value.fill('gold');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await storedActions(workflow.id))[0]!.config).toEqual({ property: 'tier', value: 'gold' });

    await page.getByRole('button', { name: /^Edit Set property/ }).click();
    const again = page.getByRole('dialog', { name: 'Edit “Set property”' });
    await again.getByLabel('Value type').selectOption({ label: 'Number' });
    await again.getByLabel('Value', { exact: true }).fill('42');
    await again.getByRole('button', { name: 'Save' }).click();
    await again.waitFor({ state: 'detached' });
    expect((await storedActions(workflow.id))[0]!.config).toEqual({ property: 'tier', value: 42 });
    await page.context().close();
  });

  it('adds a random split with two splits and empty lanes; percents that do not add up are refused beside the splits', async () => {
    const workflow = await makeWorkflow();
    const page = await openBoard();
    const dialog = await addFirstAction(page, workflow.name, 'Random split');
    const splits = dialog.getByRole('group', { name: 'Splits' });
    await splits.getByRole('group', { name: 'Split 1' }).getByLabel('Percent').fill('30');
    await splits.getByRole('group', { name: 'Split 2' }).getByLabel('Percent').fill('60');
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await splits.locator('.field-error').waitFor();
    expect(await splits.locator('.field-error').textContent()).toBe('percents must add up to 100; they add up to 90');
    expect(await descriptionOf(page, splits)).toContain('add up to 100');
    expect(await storedActions(workflow.id)).toEqual([]);

    await splits.getByRole('group', { name: 'Split 2' }).getByLabel('Percent').fill('70');
    await dialog.getByRole('button', { name: 'Add action' }).click();
    await dialog.waitFor({ state: 'detached' });
    const [random] = await storedActions(workflow.id);
    expect(random!.config).toEqual({
      splits: [
        { percent: 30, actions: [] },
        { percent: 70, actions: [] },
      ],
    });
    await page.context().close();
  });

  it('edits a branch_if’s condition and sends its nested actions back unchanged', async () => {
    const workflow = await makeWorkflow([
      {
        type: 'branch_if',
        config: {
          conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] },
          then: [{ type: 'create_task', config: { title: 'Call the gold customer' } }],
          else: [{ type: 'delay', config: { for: '1d' } }],
        },
      },
    ]);
    const [branch] = workflow.actions;
    const page = await openBoard();
    await page.getByRole('button', { name: /^Edit Branch if/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit “Branch if”' });
    expect(await dialog.getByText('Call the gold customer').count()).toBe(0);
    expect(await dialog.getByLabel('Property', { exact: true }).inputValue()).toBe('tier');
    await dialog.getByLabel('Operator').selectOption('neq');
    await dialog.getByLabel('Value', { exact: true }).fill('silver');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    const [edited] = await storedActions(workflow.id);
    expect(edited!.config).toEqual({
      conditions: { all: [{ property: 'tier', operator: 'neq', value: 'silver' }] },
      then: branch!.config.then,
      else: branch!.config.else,
    });
    await page.context().close();
  });
});
