// Intake values: a tree that asks a serial number before it starts (Start from the library opens
// the intake form) and a pressure reading before it can be completed (flagged as missing in the
// runner until it is filled in). Body text uses {{serial}}, interpolated and escaped by the API.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { BrowserContext, Page } from '@playwright/test';

import { api, registerAndSignIn } from './api';
import { expect, openPage, screenshot, signIn, test } from './fixtures';
import { webDir } from './server';

const user = {
  full_name: 'Ivy Intake',
  email: `ivy-${randomBytes(4).toString('hex')}@example.com`,
  password: 'intake long passphrase',
  account_name: 'Intake Crew',
};
const TREE = 'Boiler pressure low';

/** The built chunks that hold the editor's React Flow canvas (never the entry chunk). */
function editorChunks(): string[] {
  const assets = join(webDir, 'dist', 'assets');
  return readdirSync(assets).filter(
    (file) => file.endsWith('.js') && readFileSync(join(assets, file), 'utf8').includes('react-flow__renderer'),
  );
}

// One browser for Ivy (the admin) through the whole file.
test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let token = '';
let treeId = '';

test.beforeAll(async ({ browser, app }) => {
  ({ token } = await registerAndSignIn(app.baseURL, user));
  const tree = await api<{ id: string }>(app.baseURL, '/trees', {
    token,
    body: {
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
  });
  treeId = tree.id;
  await api(app.baseURL, `/trees/${tree.id}/publish`, { token, body: { changelog: 'v1' } });
  ({ context, page } = await openPage(browser));
});

test.afterAll(async () => {
  await context?.close();
});

test('asks the values needed to start, flags the missing one before completing', async () => {
  await signIn(page, user.email, user.password);

  // Start from the library: the tree needs a serial number first.
  await page.getByRole('link', { name: `Start ${TREE}` }).click();
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/start$/);
  await expect(page.getByRole('heading', { name: TREE })).toBeVisible();
  await page.getByRole('button', { name: 'Start the session' }).click();
  await expect(page.getByText('Serial number is needed to start.')).toBeVisible();
  await expect(page).toHaveURL(/\/start$/); // not started without it
  await page.getByLabel(/Serial number/).fill('<b>SN-42</b>');
  await screenshot(page, 'intake-start');
  await page.getByRole('button', { name: 'Start the session' }).click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);

  // The value is interpolated as text, never as HTML.
  const title = page.locator('h1.node-title');
  await expect(title).toHaveText('Refill boiler <b>SN-42</b>');
  await expect(page.locator('.markdown strong')).toHaveText('<b>SN-42</b>');
  await expect(page.locator('.markdown b')).toHaveCount(0);
  const values = page.getByRole('region', { name: 'Intake values' });
  await expect(values.getByText('1 missing')).toBeVisible();
  await expect(values.getByLabel(/Pressure after refill/)).toHaveAttribute('aria-invalid', 'true');

  await page.keyboard.press('1');
  await expect(title).toHaveText('Pressure restored');
  await expect(page.getByText('Fill in the missing intake values before completing.')).toBeVisible();
  await values.getByLabel(/Pressure after refill/).fill('2.5');
  await values.getByLabel(/Model/).selectOption('B2');
  await values.getByRole('button', { name: 'Save values' }).click();
  await expect(values.getByText('Values saved.')).toBeVisible();
  await expect(values.getByText('1 missing')).toHaveCount(0);
  await expect(values.getByLabel(/Pressure after refill/)).not.toHaveAttribute('aria-invalid', 'true');
  await screenshot(page, 'intake-values-saved');

  await page.getByRole('button', { name: 'Complete', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  await expect(page.getByText('Outcome: Resolved')).toBeVisible();
});

test('lets a technician start a session prepared for them from the history', async ({ app, page: phone }) => {
  // The admin invites a technician and prepares a session for them, with the serial known.
  const invite = await api<{ code: string }>(app.baseURL, '/account/invites', {
    token,
    body: { role: 'technician', max_uses: 1 },
  });
  const tech = {
    full_name: 'Tess Technician',
    email: `tess-${randomBytes(4).toString('hex')}@example.com`,
    password: 'technician passphrase',
    invite_code: invite.code,
  };
  const { registered } = await registerAndSignIn(app.baseURL, tech);
  await api(app.baseURL, '/sessions', {
    token,
    body: {
      tree_id: treeId,
      prepared: true,
      technician_id: registered.user.id,
      variables: { serial: 'SN-7' },
      notes: 'Unit in basement.',
    },
  });

  const scripts: string[] = [];
  phone.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await signIn(phone, tech.email, tech.password);
  // A technician sees no New tree, no Edit, no status filter.
  await expect(phone.getByRole('link', { name: `Start ${TREE}` })).toBeVisible();
  await expect(phone.getByRole('button', { name: 'New tree' })).toHaveCount(0);
  await expect(phone.getByRole('link', { name: `Edit ${TREE}` })).toHaveCount(0);
  await expect(phone.getByLabel('Status')).toHaveCount(0);

  await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await phone.getByRole('tab', { name: 'Assigned to me' }).click();
  await expect(phone.getByRole('tab', { name: 'Assigned to me' })).toHaveAttribute('aria-selected', 'true');
  await expect(phone.getByRole('tab', { name: 'Team' })).toHaveCount(0); // admins and engineers only
  const row = phone.getByRole('listitem').filter({ hasText: TREE });
  await expect(row.getByText('Prepared')).toBeVisible();
  await screenshot(phone, 'history-assigned');
  await row.getByRole('link', { name: `Start ${TREE}` }).click();
  await expect(phone.getByText('Prepared for Tess Technician')).toBeVisible();
  await expect(phone.getByText('Unit in basement.')).toBeVisible();
  await expect(phone.getByLabel(/Serial number/)).toHaveValue('SN-7');
  await phone.getByRole('button', { name: 'Start the session' }).click();
  await expect(phone.locator('h1.node-title')).toHaveText('Refill boiler SN-7');

  // The editor (React Flow) is never downloaded on a technician's phone.
  const editor = editorChunks();
  expect(editor, 'the build has an editor chunk of its own').not.toEqual([]);
  await expect.poll(() => scripts.length).toBeGreaterThan(0);
  expect(scripts.filter((path) => editor.some((chunk) => path.endsWith(`/${chunk}`)))).toEqual([]);
});

test('loads the history page by page as it scrolls (cursor), with the filters kept', async ({ app }) => {
  for (let i = 0; i < 30; i++) {
    await api(app.baseURL, '/sessions', { token, body: { tree_id: treeId, variables: { serial: `BULK-${i}` } } });
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await page.getByRole('tab', { name: 'Mine' }).click(); // the team's also has Tess's session
  await page.getByLabel('Status').selectOption('in_progress');
  const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  await expect(rows).toHaveCount(25); // the first page
  await page.getByRole('button', { name: 'Load more' }).scrollIntoViewIfNeeded();
  // scrolled: the next page came with the cursor; the completed session stays filtered out
  await expect(rows).toHaveCount(30);
  await expect(rows.filter({ hasText: 'Completed' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
  await screenshot(page, 'history-scrolled');
});
