// The e2e tests' `test` and `expect`: Playwright's, with the running app as a worker fixture
// (started once by e2e/global-setup.ts) and baseURL set from it, plus the page helpers the
// journeys share.

import { join } from 'node:path';

import { type Browser, type BrowserContext, test as base, expect, type Page } from '@playwright/test';

import { BASE_URL_ENV, SERVER_LOG_ENV } from './global-setup';

export { expect };
export { DESKTOP, PHONE } from './chromium';

export interface App {
  baseURL: string;
  /** The app's log: emails (verification, reset links) are written there without SMTP. */
  serverLog: string;
}

/** Content-Security-Policy violations Chromium reported on any page of the current test. */
const cspViolations: string[] = [];

function watchCsp(page: Page): void {
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
}

export const test = base.extend<{ cspGuard: undefined }, { app: App }>({
  // Every page of every test runs under the app's real CSP; any violation fails the test.
  cspGuard: [
    async ({ context }, use) => {
      context.on('page', watchCsp);
      for (const page of context.pages()) watchCsp(page);
      cspViolations.length = 0;
      await use(undefined);
      expect(cspViolations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
  app: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
    async ({}, use) => {
      const baseURL = process.env[BASE_URL_ENV];
      const serverLog = process.env[SERVER_LOG_ENV];
      if (!baseURL || !serverLog) throw new Error('the app is not running: start the tests with `npm run e2e`');
      await use({ baseURL, serverLog });
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ app }, use) => {
    await use(app.baseURL);
  },
});

/**
 * A browser of its own (a new context: own cookies, storage and tabs) for a journey that spans
 * several tests; the `use` options (baseURL, clipboard permissions) apply. Close it in afterAll.
 */
export async function openPage(
  browser: Browser,
  viewport?: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(viewport ? { viewport } : {});
  context.on('page', watchCsp);
  return { context, page: await context.newPage() };
}

/** A full-page screenshot of a journey step, saved as test-results/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(test.info().project.outputDir, `${name}.png`), fullPage: true });
}

/** Signs in with the keyboard (Enter submits) and waits for home, the tree library. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await expect(page).toHaveURL(/\/trees$/);
}

/** Nothing is wider than the window. */
export async function noHorizontalOverflow(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), {
      message: 'the page scrolls sideways',
    })
    .toBeLessThanOrEqual(0);
}

/** Resolves after the page has drawn two more frames: whatever was already queued has rendered. */
export async function nextFrames(page: Page): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))),
  );
}
