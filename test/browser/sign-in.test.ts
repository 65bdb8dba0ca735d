import type { Browser } from 'playwright-core';
import supertest from 'supertest';
import { launchBrowser, signIn } from '../support/browser';
import { ADMIN_TOKEN } from '../support/env';
import { startTestStack, type TestStack, unique } from '../support/stack';

describe('console: signing in', () => {
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack({ worker: false }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('serves the built console at / under the API’s content security policy', async () => {
    const page = await supertest(stack.api.url).get('/');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('<script type="module" src="/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await supertest(stack.api.url).get('/app.js')).status).toBe(200);
  });

  it('signs in with a token, shows who it is, keeps it for the browser session only and signs out', async () => {
    const label = unique('Deals');
    await stack.http
      .post('/api/pipelines')
      .send({ objectType: 'deal', label, stages: [{ label: 'New' }] })
      .expect(201);
    const page = await signIn(browser, stack.api.url, ADMIN_TOKEN);
    await page.getByRole('link', { name: label }).waitFor();
    expect(await page.locator('.who').textContent()).toContain('super_admin');

    await page.reload();
    await page.getByRole('link', { name: label }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('pipewright.token')")).toBe(ADMIN_TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);

    const other = await page.context().browser()!.newContext();
    const fresh = await other.newPage();
    await fresh.goto(stack.api.url);
    await fresh.getByLabel('API token').waitFor();
    await other.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('pipewright.token')")).toBeNull();
    await page.context().close();
  });

  it('refuses a token the API does not know, saying so on the sign-in form', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stack.api.url);
    await page.getByLabel('API token').fill('not-a-real-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/token/i);
    await page.getByLabel('API token').waitFor();
    await context.close();
  });

  it('offers an integration token its records only: no pipelines, a record by id with its timeline', async () => {
    const pipeline = await stack.http
      .post('/api/pipelines')
      .send({ objectType: 'deal', label: unique('Deals'), stages: [{ id: 'new', label: 'New' }] })
      .expect(201);
    const recordId = unique('rec');
    await stack.http
      .post('/api/records')
      .send({ id: recordId, pipelineId: pipeline.body.id, stageId: 'new' })
      .expect(201);
    const created = await stack.http
      .post('/api/tokens')
      .send({ name: unique('sync'), role: 'integration' })
      .expect(201);

    const page = await signIn(browser, stack.api.url, created.body.token as string);
    await page.getByRole('heading', { name: 'Records' }).waitFor();
    expect(await page.getByRole('link', { name: 'Pipelines' }).count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByLabel('Record id').fill(recordId);
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.locator('.timeline-line[data-kind="stage_entered"]').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Tasks' }).count()).toBe(0);
    await page.context().close();
  });

  it('tells a viewer its role from GET /api/session', async () => {
    const created = await stack.http
      .post('/api/tokens')
      .send({ name: unique('viewer'), role: 'viewer' })
      .expect(201);
    const session = await supertest(stack.api.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${created.body.token as string}`)
      .expect(200);
    expect(session.body).toMatchObject({ role: 'viewer', permissions: ['read'], temporal: { namespace: 'default' } });
  });
});
