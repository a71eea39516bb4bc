// Intake values: a tree that asks a serial number before it starts (Start from the library opens
// the intake form) and a pressure reading before it can be completed (flagged as missing in the
// runner until it is filled in). Body text uses {{serial}}, interpolated and escaped by the API.

import { randomBytes } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

import { openBrowser, screenshot, type Browser } from './browser';

const baseURL = inject('baseURL');
const user = {
  full_name: 'Ivy Intake',
  email: `ivy-${randomBytes(4).toString('hex')}@example.com`,
  password: 'intake long passphrase',
  account_name: 'Intake Crew',
};
const TREE = 'Boiler pressure low';

async function api(path: string, body: unknown, token?: string) {
  const response = await fetch(`${baseURL}/api/v1${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

describe('intake values', () => {
  let browser: Browser;

  beforeAll(async () => {
    await api('/auth/register', user);
    const { access_token: token } = await api('/auth/login/json', { email: user.email, password: user.password });
    const tree = await api(
      '/trees',
      {
        title: TREE,
        tags: ['boiler'],
        graph: {
          start: 'n1',
          variables: [
            { name: 'serial', label: 'Serial number', type: 'text', required: 'at_start' },
            { name: 'psi', label: 'Pressure after refill', type: 'number', required: 'before_complete' },
            { name: 'model', label: 'Model', type: 'choice', required: 'optional', choices: ['B1', 'B2'] },
          ],
          nodes: [
            {
              id: 'n1',
              kind: 'action',
              title: 'Refill boiler {{serial}}',
              body: 'Open the valve of **{{serial}}** slowly.',
              options: [{ id: 'o1', label: 'Done', next: 'n2' }],
            },
            { id: 'n2', kind: 'solution', title: 'Pressure restored' },
          ],
        },
      },
      token,
    );
    await api(`/trees/${tree.id}/publish`, { changelog: 'v1' }, token);
    browser = await openBrowser(baseURL);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && browser) {
      await screenshot(browser.page, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('asks the values needed to start, flags the missing one before completing', async () => {
    const { page } = browser;
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/trees$/);

    // Start from the library: the tree needs a serial number first.
    await page.getByRole('button', { name: `Start ${TREE}` }).click();
    await page.waitForURL(/\/trees\/[0-9a-f-]{36}\/run$/);
    await page.getByRole('heading', { name: TREE }).waitFor();
    await page.getByRole('button', { name: 'Start the session' }).click();
    await page.getByText('Serial number is needed to start.').waitFor();
    await page.getByLabel(/Serial number/).fill('<b>SN-42</b>');
    await screenshot(page, 'intake-start');
    await page.getByRole('button', { name: 'Start the session' }).click();
    await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);

    // The value is interpolated as text, never as HTML.
    await page.locator('h1.node-title').filter({ hasText: 'Refill boiler <b>SN-42</b>' }).waitFor();
    expect(await page.locator('.markdown b').count()).toBe(0);
    const values = page.getByRole('region', { name: 'Intake values' });
    await values.getByText('1 missing').waitFor();
    expect(await values.getByLabel(/Pressure after refill/).getAttribute('aria-invalid')).toBe('true');

    await page.keyboard.press('1');
    await page.locator('h1.node-title').filter({ hasText: 'Pressure restored' }).waitFor();
    await page.getByText('Fill in the missing intake values before completing.').waitFor();
    await values.getByLabel(/Pressure after refill/).fill('2.5');
    await values.getByLabel(/Model/).selectOption('B2');
    await values.getByRole('button', { name: 'Save values' }).click();
    await values.getByText('Values saved.').waitFor();
    expect(await values.getByText('1 missing').count()).toBe(0);
    await screenshot(page, 'intake-values-saved');

    await page.getByRole('button', { name: 'Complete', exact: true }).click();
    await page.getByRole('heading', { name: 'Session complete' }).waitFor();
    await page.getByText('Outcome: Resolved').waitFor();
  });
});
