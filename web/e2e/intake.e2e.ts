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
  let token = '';
  let treeId = '';

  beforeAll(async () => {
    await api('/auth/register', user);
    token = (await api('/auth/login/json', { email: user.email, password: user.password })).access_token;
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
    treeId = tree.id;
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

  it('lets a technician start a session prepared for them from the history', async () => {
    // The admin invites a technician and prepares a session for them, with the serial known.
    const invite = await api('/account/invites', { role: 'technician', max_uses: 1 }, token);
    const tech = {
      full_name: 'Tess Technician',
      email: `tess-${randomBytes(4).toString('hex')}@example.com`,
      password: 'technician passphrase',
      invite_code: invite.code,
    };
    const registered = await api('/auth/register', tech);
    await api(
      '/sessions',
      { tree_id: treeId, prepared: true, technician_id: registered.user.id, variables: { serial: 'SN-7' }, notes: 'Unit in basement.' },
      token,
    );

    const phone = await openBrowser(baseURL);
    try {
      const { page } = phone;
      const scripts: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(r.url());
      });
      await page.goto('/sign-in');
      await page.getByLabel('Email').fill(tech.email);
      await page.getByLabel('Password').fill(tech.password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(/\/trees$/);
      // A technician sees no New tree, no Edit, no status filter.
      await page.getByRole('button', { name: `Start ${TREE}` }).waitFor();
      expect(await page.getByRole('button', { name: 'New tree' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: `Edit ${TREE}` }).count()).toBe(0);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
      await page.getByRole('tab', { name: 'Assigned to me' }).click();
      expect(await page.getByRole('tab', { name: 'All' }).count()).toBe(0); // admins only
      const row = page.getByRole('listitem').filter({ hasText: TREE });
      await row.getByText('Prepared').waitFor();
      await screenshot(page, 'history-assigned');
      await row.getByRole('link', { name: `Start ${TREE}` }).click();
      await page.getByText('Prepared for Tess Technician').waitFor();
      await page.getByText('Unit in basement.').waitFor();
      expect(await page.getByLabel(/Serial number/).inputValue()).toBe('SN-7');
      await page.getByRole('button', { name: 'Start the session' }).click();
      await page.locator('h1.node-title').filter({ hasText: 'Refill boiler SN-7' }).waitFor();
      // The editor (React Flow) is never downloaded on a technician's phone.
      expect(scripts.length).toBeGreaterThan(0);
      expect(scripts.filter((url) => url.includes('TreeEditorPage'))).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('loads the history page by page as it scrolls (cursor), with the filters kept', async () => {
    for (let i = 0; i < 30; i++) {
      await api('/sessions', { tree_id: treeId, variables: { serial: `BULK-${i}` } }, token);
    }
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await page.getByLabel('Status').selectOption('in_progress');
    const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
    await rows.nth(24).waitFor(); // the first page: 25
    await page.getByRole('button', { name: 'Load more' }).scrollIntoViewIfNeeded();
    await rows.nth(29).waitFor(); // scrolled: the next page came with the cursor
    expect(await rows.count()).toBe(30); // the 31st session is completed: filtered out
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    await screenshot(page, 'history-scrolled');
  });
});
