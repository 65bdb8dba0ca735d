import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, signIn } from '../support/browser';
import { ADMIN_TOKEN } from '../support/env';
import {
  createDealPipeline,
  createRecord,
  createWorkflow,
  enableWorkflow,
  moveRecord,
  taskTitles,
  timeline,
  type TimelineLine,
  waitForTimeline,
} from '../support/fixtures';
import { DEFAULT_API_SETTINGS, eventually, startTestStack, type TestStack, unique } from '../support/stack';

const TEMPORAL_UI = 'http://127.0.0.1:8233';

/** What the page shows of its timeline, top to bottom: each line's kind and reason. */
async function shownLines(page: Page): Promise<{ kind: string; detail: string; workflow: string | null }[]> {
  return page.evaluate(`[...document.querySelectorAll('.timeline-line')].map((line) => ({
    kind: line.dataset.kind,
    detail: line.querySelector('.line-detail').textContent,
    workflow: line.querySelector('.line-meta a')?.textContent ?? null,
  }))`);
}

/** Waits until the page's timeline shows exactly `lines`, newest first. */
async function waitForShownLines(page: Page, lines: TimelineLine[], names: Map<string, string>): Promise<void> {
  const expected = [...lines].reverse().map((line) => ({
    kind: line.kind,
    detail: line.detail,
    workflow: line.workflowId ? (names.get(line.workflowId) ?? line.workflowId) : null,
  }));
  const matches = async () => (JSON.stringify(await shownLines(page)) === JSON.stringify(expected) ? true : undefined);
  await eventually(matches, 15_000, 'the page to show the timeline newest first').catch(async (error: unknown) => {
    expect(await shownLines(page)).toEqual(expected);
    throw error;
  });
}

describe('console: the record page', () => {
  let stack: TestStack;
  let browser: Browser;
  let pipelineId: string;
  let recordId: string;
  let qualify: { id: string; name: string };
  let goldOnly: { id: string; name: string };
  let names: Map<string, string>;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startTestStack({
        apiSettings: { ...DEFAULT_API_SETTINGS, temporal: { namespace: 'default', uiUrl: TEMPORAL_UI } },
      }),
      launchBrowser(),
    ]);
    pipelineId = await createDealPipeline(stack);
    qualify = { id: unique('wf-qualify'), name: unique('Qualify') };
    goldOnly = { id: unique('wf-gold'), name: unique('Gold only') };
    names = new Map([
      [qualify.id, qualify.name],
      [goldOnly.id, goldOnly.name],
    ]);
    await createWorkflow(stack, {
      ...qualify,
      pipelineId,
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      actions: [
        { type: 'create_task', config: { title: 'Call {{record.properties.company}}' } },
        { type: 'set_property', config: { property: 'called', value: 'yes' } },
        {
          type: 'send_internal_notification',
          config: { to: { owner: true }, subject: 'Qualified: {{record.properties.company}}', body: 'Call them.' },
        },
      ],
    });
    // Triggered by the same move, it refuses the record: a not_enrolled line of another workflow.
    await createWorkflow(stack, {
      ...goldOnly,
      pipelineId,
      trigger: { type: 'stage_entered', stageId: 'qualified' },
      enrollment: { conditions: { all: [{ property: 'tier', operator: 'eq', value: 'gold' }] } },
      actions: [{ type: 'create_task', config: { title: 'Gold call' } }],
    });
    await enableWorkflow(stack, qualify.id);
    await enableWorkflow(stack, goldOnly.id);
    recordId = await createRecord(stack, {
      pipelineId,
      stageId: 'new',
      properties: { company: 'Acme', tier: 'silver' },
      ownerId: 'owner@example.com',
      contacts: [{ email: 'buyer@acme.example', name: 'Ada Buyer' }],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('opens a record by its id and shows, without a reload, the task, email, timeline and enrollment a move causes', async () => {
    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN);
    await page.getByLabel('Record id').fill(recordId);
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.getByRole('heading', { level: 1, name: recordId }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/records/${recordId}`);
    expect(await page.locator('.record-stage').textContent()).toBe('New');
    expect(await page.getByRole('link', { name: 'deal' }).getAttribute('href')).toBe(`#/pipelines/${pipelineId}`);
    const properties = await page.locator('.record-properties').textContent();
    expect(properties).toContain('companyAcme');
    expect(properties).toContain('tiersilver');
    expect(await page.locator('.record-contacts').textContent()).toContain('Ada Buyer buyer@acme.example');
    await waitForShownLines(page, await timeline(stack, recordId), names);
    await page.getByText('No tasks.').waitFor();
    await page.getByText('Not enrolled in any workflow yet').waitFor();

    // Marks the page and the line on screen: after the move, both must be the same ones (no reload, no re-render
    // of what was there).
    await page.evaluate(`window.beforeMove = true; document.querySelector('.timeline-line').dataset.seen = 'yes'`);
    await moveRecord(stack, recordId, 'qualified');

    await page.getByRole('rowheader', { name: 'Call Acme' }).waitFor({ timeout: 30_000 });
    expect(await taskTitles(stack, recordId)).toEqual(['Call Acme']);

    await page.getByRole('rowheader', { name: 'Qualified: Acme' }).waitFor();
    const emails = await stack.http.get(`/api/emails?recordId=${recordId}`).expect(200);
    expect(emails.body.items).toMatchObject([
      { subject: 'Qualified: Acme', to: 'owner@example.com', kind: 'internal' },
    ]);
    const emailRow = await page.getByRole('row', { name: /Qualified: Acme/ }).textContent();
    expect(emailRow).toContain('owner@example.com');
    expect(emailRow).toContain('internal');

    await waitForTimeline(stack, recordId, 'enrollment_completed', qualify.id);
    const lines = await timeline(stack, recordId);
    expect(lines.map((line) => line.kind)).toEqual(
      expect.arrayContaining(['stage_entered', 'enrolled', 'not_enrolled', 'action_completed', 'enrollment_completed']),
    );
    await waitForShownLines(page, lines, names);
    const notEnrolled = lines.find((line) => line.kind === 'not_enrolled')!;
    expect(notEnrolled.detail).toContain('condition not met: "tier" eq "gold" (it is "silver")');
    await page.getByText(notEnrolled.detail, { exact: true }).waitFor();
    expect(await page.locator('.timeline-line', { hasText: notEnrolled.detail }).textContent()).toContain(
      'Not enrolled',
    );
    expect(await page.evaluate(`window.beforeMove === true`)).toBe(true);
    expect(
      await page.evaluate(`[...document.querySelectorAll('.timeline-line')].findIndex((line) => line.dataset.seen)`),
    ).toBe(lines.length - 1);
    await page.locator('.record-stage', { hasText: /^Qualified$/ }).waitFor();

    const enrollments = await stack.http.get(`/api/workflows/${qualify.id}/enrollments?recordId=${recordId}`);
    expect(enrollments.status).toBe(200);
    expect(enrollments.body.items).toHaveLength(1);
    const enrollment = enrollments.body.items[0] as { id: string; status: string };
    expect(enrollment.status).toBe('completed');
    const card = page.locator(`li[data-enrollment-id="${enrollment.id}"]`);
    await card.locator('.status', { hasText: 'completed' }).waitFor();
    expect(await card.getByRole('link', { name: qualify.name }).getAttribute('href')).toBe(`#/workflows/${qualify.id}`);
    const temporal = card.getByRole('link', { name: 'Open in Temporal UI' });
    expect(await temporal.getAttribute('href')).toBe(
      `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(enrollment.id)}`,
    );
    expect(await temporal.getAttribute('target')).toBe('_blank');
    expect(await temporal.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await page.locator('li[data-enrollment-id]').count()).toBe(1);

    await screenshot(page, 'record');

    await page.getByLabel('Workflow').selectOption({ label: qualify.name });
    const qualifyLines = lines.filter((line) => line.workflowId === qualify.id);
    await waitForShownLines(page, qualifyLines, names);
    expect(qualifyLines.length).toBeGreaterThanOrEqual(4);
    expect(await page.getByText(notEnrolled.detail).count()).toBe(0);

    await page.getByLabel('Workflow').selectOption({ label: goldOnly.name });
    await waitForShownLines(page, [notEnrolled], names);

    await page.getByLabel('Workflow').selectOption({ label: 'All workflows and record events' });
    await page.getByLabel('Kinds').selectOption({ label: 'Failures (failed, skipped, not enrolled)' });
    await waitForShownLines(page, [notEnrolled], names);
    await page.getByLabel('Kinds').selectOption({ label: 'Actions (runs, delays, waits)' });
    await waitForShownLines(
      page,
      lines.filter((line) => line.kind === 'action_completed'),
      names,
    );
    await page.context().close();
  });

  it('shows the latest 50 lines and older ones on demand, and keeps the reader’s place as new lines come in', async () => {
    const busy = await createRecord(stack, { pipelineId, stageId: 'new' });
    for (let n = 1; n <= 59; n += 1) {
      await stack.http.patch(`/api/records/${busy}`).send({ properties: { n } }).expect(200);
    }
    const lines = await timeline(stack, busy);
    expect(lines).toHaveLength(60);

    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN, { width: 1280, height: 600 });
    await page.goto(`${stack.api.url}/#/records/${encodeURIComponent(busy)}`);
    await waitForShownLines(page, lines.slice(-50), names);
    await page.getByRole('button', { name: 'Older lines' }).click();
    await waitForShownLines(page, lines, names);
    expect(await page.getByRole('button', { name: /^Older/ }).count()).toBe(0);

    // The line the reader looks at, marked: after the new line is added above it, it must not have moved.
    await page.evaluate(`document.querySelectorAll('.timeline-line')[30].dataset.watched = 'yes'`);
    const watched = `document.querySelector('.timeline-line[data-watched]')`;
    await page.evaluate(`${watched}.scrollIntoView({ block: 'center' })`);
    const topBefore: number = await page.evaluate(`${watched}.getBoundingClientRect().top`);
    await stack.http
      .patch(`/api/records/${busy}`)
      .send({ properties: { n: 60 } })
      .expect(200);
    const withNewLine = await timeline(stack, busy);
    expect(withNewLine.at(-1)?.detail).toContain('property "n" changed: 59 → 60');
    await waitForShownLines(page, withNewLine, names);
    const topAfter: number = await page.evaluate(`${watched}.getBoundingClientRect().top`);
    // Scroll anchoring keeps it in place to within a pixel (it scrolls by whole pixels, the layout is subpixel).
    expect(Math.abs(topAfter - topBefore)).toBeLessThanOrEqual(1);
    await page.context().close();
  });

  it('says there is no such record, with the API’s detail', async () => {
    const missing = unique('rec-missing');
    const answer = await stack.http.get(`/api/records/${missing}`);
    expect(answer.status).toBe(404);
    const detail = answer.body.detail as string;
    expect(detail).toContain(missing);

    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN);
    await page.getByLabel('Record id').fill(missing);
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.getByRole('heading', { level: 1, name: `No record ${missing}` }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(detail);
    await page.context().close();
  });

  it('fits a 390 px wide phone screen: the timeline wraps, the page does not scroll sideways', async () => {
    const lines = await timeline(stack, recordId);
    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN, { width: 390, height: 844 });
    await page.goto(`${stack.api.url}/#/records/${encodeURIComponent(recordId)}`);
    await waitForShownLines(page, lines, names);
    await page.getByRole('rowheader', { name: 'Call Acme' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.context().close();
  });
});
