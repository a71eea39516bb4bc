// Account administration for integrations, against the real app and PostgreSQL: an admin
// creates an API key (shown once, copied), a program uses it, the admin revokes it and the
// program is refused at once; then the audit log with its filters and the CSV download.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type { BrowserContext, Page } from '@playwright/test';

import { api, registerAndSignIn } from './api';
import { DESKTOP, expect, openPage, screenshot, signIn, test } from './fixtures';

const suffix = randomBytes(4).toString('hex');
const admin = {
  full_name: 'Iris Integrator',
  email: `iris-${suffix}@example.com`,
  password: 'correct horse battery staple',
  account_name: `Help Desk Co ${suffix}`,
};
const engineer = {
  full_name: 'Enzo Engineer',
  email: `enzo-${suffix}@example.com`,
  password: 'correct horse battery staple',
};

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let apiKey = '';

async function callWithKey(baseURL: string, key: string): Promise<number> {
  const response = await fetch(`${baseURL}/api/v1/trees`, { headers: { Authorization: `Bearer ${key}` } });
  return response.status;
}

test.beforeAll(async ({ browser, baseURL }) => {
  ({ context, page } = await openPage(browser, DESKTOP));
  const { token } = await registerAndSignIn(baseURL as string, admin);
  const invite = await api<{ code: string }>(baseURL as string, '/account/invites', {
    token,
    body: { role: 'engineer', max_uses: 1 },
  });
  const joined = await registerAndSignIn(baseURL as string, { ...engineer, invite_code: invite.code });
  await api(baseURL as string, '/trees', { token: joined.token, body: { title: 'Printer jams' } });
});

test.afterAll(async () => {
  await context?.close();
});

test('creates an API key, sees it once, and revokes it', async ({ baseURL }) => {
  await signIn(page, admin.email, admin.password);
  await page.getByRole('link', { name: 'Account' }).click();
  await page
    .getByRole('navigation', { name: 'Account administration' })
    .getByRole('link', { name: 'API keys' })
    .click();
  await expect(page).toHaveURL(/\/account\/api-keys$/);
  await expect(page.getByText('No API keys yet.')).toBeVisible();

  await page.getByLabel('Name').fill('Zendesk');
  await page.getByLabel('Role').selectOption('engineer');
  await page.getByLabel('Expires after').selectOption('365');
  await page.getByRole('button', { name: 'Create key' }).click();

  const shown = page.getByTestId('api-key');
  await expect(shown).toHaveText(/^tt_[A-Za-z0-9_-]{40,}$/);
  apiKey = (await shown.textContent()) ?? '';
  await page.getByRole('button', { name: 'Copy key' }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
  const row = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /Zendesk/ });
  await expect(row).toContainText('engineer');
  await expect(row).toContainText('active');
  await expect(row).toContainText(apiKey.slice(0, 10));
  await screenshot(page, 'api-key-created');

  // A program uses the key; its last use shows after a reload, and the key never again.
  expect(await callWithKey(baseURL as string, apiKey)).toBe(200);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(shown).toHaveCount(0);
  await page.reload();
  await expect(row.getByText('from ')).toBeVisible();
  expect(await page.content()).not.toContain(apiKey);

  await row.getByRole('button', { name: 'Revoke key Zendesk' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke “Zendesk”?' });
  await dialog.getByRole('button', { name: 'Revoke key' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText('revoked');
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
  expect(await callWithKey(baseURL as string, apiKey)).toBe(401);
  await screenshot(page, 'api-key-revoked');
});

test('reads the audit log with filters and downloads it as CSV', async () => {
  await page
    .getByRole('navigation', { name: 'Account administration' })
    .getByRole('link', { name: 'Audit log' })
    .click();
  await expect(page).toHaveURL(/\/account\/audit$/);
  const table = page.getByRole('table', { name: 'Audit events' });
  const rows = table.locator('tbody tr');
  await expect(rows.first()).toContainText('API key revoked');
  await expect(table).toContainText('Account invite redeemed');
  await expect(table).toContainText('via API key');

  // By action: only that action is left, and the address keeps the filter.
  await page.getByLabel('Action').selectOption('tree_created');
  await expect(page).toHaveURL(/action=tree_created/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Enzo Engineer');
  await expect(rows.first()).toContainText('title: Printer jams');

  // By who: the engineer's own events.
  await page.getByLabel('Action').selectOption('');
  await page.getByLabel('Who').selectOption({ label: 'Enzo Engineer' });
  await expect(rows).toHaveCount(3); // invite redeemed, signed in, tree created
  for (const text of await rows.allTextContents()) expect(text).toContain('Enzo Engineer');
  await screenshot(page, 'audit-log-filtered');

  // A date range with nothing in it.
  await page.getByLabel('Who').selectOption('');
  await page.getByLabel('From').fill('2999-01-01');
  await expect(page.getByText('No events match.')).toBeVisible();
  await page.getByLabel('From').fill('');
  await expect(rows.first()).toContainText('API key revoked');
  await page.getByLabel('Action').selectOption('api_key_created');
  await expect(rows).toHaveCount(1);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('audit-log.csv');
  const text = await readFile((await file.path()) as string, 'utf8');
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toBe('id,created_at,action,account_id,actor_id,actor_email,actor_name,api_key_id,subject,ip,data');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain('api_key_created');
  await page.getByLabel('Action').selectOption('');
  await expect(rows.first()).toContainText('API key revoked');
  await screenshot(page, 'audit-log');
});
