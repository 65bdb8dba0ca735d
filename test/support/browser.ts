import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where the machine's Chromium is: CHROME_PATH, else the Debian package's. */
export const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/**
 * Launches the machine's Chromium, headless. A missing browser fails the test that needs it, with what to install;
 * it never skips it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROME_PATH)) {
    throw new Error(
      `No Chromium at ${CHROME_PATH}: the console's browser tests need one. Install it (Debian/Ubuntu: ` +
        '`apt-get install -y chromium`; macOS: Google Chrome) or set CHROME_PATH to its executable.',
    );
  }
  return chromium.launch({ executablePath: CHROME_PATH, headless: true, args: ['--no-sandbox'] });
}

/** Opens the console at `url` in a new browser context (its own sessionStorage) at `width` and signs in. */
export async function signIn(
  browser: Browser,
  url: string,
  token: string,
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/**
 * With SCREENSHOTS_DIR set (`npm run screenshots`), saves what the page shows as `<name>.png` there, for the
 * README; otherwise does nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
