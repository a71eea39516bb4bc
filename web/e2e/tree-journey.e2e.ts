// The issue 5 journey against the real app and PostgreSQL: an engineer registers, builds a
// 6-node tree in the editor through the UI (add, connect, edit, delete, save with Ctrl+S, a
// publish refused with problems pinned to their nodes, then a publish with a changelog), finds it
// with quick start, runs it with the number keys, goes back once, completes it, downloads the
// PDF transcript and finds the session in the history. Then the same runner journey on a phone.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

import { openBrowser, PHONE, screenshot, type Browser } from './browser';

const baseURL = inject('baseURL');
const suffix = randomBytes(4).toString('hex');
const author = {
  name: 'Eddie Engineer',
  email: `eddie-${suffix}@example.com`,
  password: 'a long enough passphrase',
  team: `Pump Works ${suffix}`,
};
const TREE = `Pump P-100 will not start ${suffix}`;
const DESKTOP = { width: 1280, height: 900 };

async function noHorizontalOverflow(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

/** The panel of the selected node. */
const panel = (page: Page) => page.getByRole('region', { name: /^Node n\d+$/ });

async function selectNode(page: Page, id: string) {
  await page.getByLabel('Go to node').selectOption(id);
  await page.getByRole('region', { name: `Node ${id}` }).waitFor();
}

async function setTitle(page: Page, id: string, title: string) {
  await page.locator(`#node-${id}-title`).fill(title);
}

/** Adds a next step of `kind` from the selected node and waits until the new node is selected. */
async function addNext(page: Page, kind: string, expectId: string) {
  await panel(page).getByRole('button', { name: `+ ${kind}`, exact: true }).click();
  await page.getByRole('region', { name: `Node ${expectId}` }).waitFor();
}

async function runToCompletion(page: Page, shots: string) {
  // Quick start: type, Enter starts the top hit.
  await page.getByRole('link', { name: 'Quick start' }).click();
  const box = page.getByRole('combobox', { name: 'What is the problem?' });
  await box.waitFor();
  expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
  await box.fill('pump');
  await page.getByRole('option', { name: new RegExp(TREE) }).waitFor();
  await screenshot(page, `${shots}-quick-start`);
  await box.press('Enter');
  await page.waitForURL(/\/sessions\/[0-9a-f-]{36}$/);

  const title = page.locator('h1.node-title');
  await title.filter({ hasText: 'Does the pump get power?' }).waitFor();
  // Number keys pick the options: 1 = Yes.
  await page.keyboard.press('1');
  await title.filter({ hasText: 'Does the motor hum?' }).waitFor();
  await page.keyboard.press('1');
  await title.filter({ hasText: 'Free the stuck impeller' }).waitFor();
  await page.getByText('Turn the shaft by hand').waitFor(); // the Markdown body
  expect(await page.locator('.markdown strong').textContent()).toBe('by hand');
  expect(await page.locator('.markdown script').count()).toBe(0); // raw HTML is never rendered
  await screenshot(page, `${shots}-node`);

  // Back once: the earlier answer is offered again.
  await page.getByRole('button', { name: '← Back' }).click();
  await title.filter({ hasText: 'Does the motor hum?' }).waitFor();
  await page.getByText('previous answer').waitFor();
  await page.getByRole('button', { name: 'No', exact: true }).click();
  await title.filter({ hasText: 'Escalate to an electrician' }).waitFor();
  const trail = page.getByRole('navigation', { name: 'Path' });
  await expect(trail.textContent()).resolves.toContain('Does the pump get power?');

  const complete = page.getByRole('region', { name: 'Complete the session' });
  await complete.waitFor();
  expect(await complete.getByLabel('Outcome').inputValue()).toBe('escalated');
  await complete.getByLabel('Resolution note (optional)').fill('Electrician booked.');
  await screenshot(page, `${shots}-terminal`);
  await complete.getByRole('button', { name: 'Complete' }).click();
  await page.getByRole('heading', { name: 'Session complete' }).waitFor();
  await page.getByText('Outcome: Escalated').waitFor();
}

describe('tree journey', () => {
  let browser: Browser;
  let sessionUrl = '';
  let editorPath = '';

  beforeAll(async () => {
    browser = await openBrowser(baseURL, DESKTOP);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && browser) {
      await screenshot(browser.page, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('registers and builds, checks and publishes a 6-node tree in the editor', async () => {
    const { page } = browser;
    await page.goto('/register');
    await page.getByLabel('Your name').fill(author.name);
    await page.getByLabel('Email').fill(author.email);
    await page.getByLabel('Password').fill(author.password);
    await page.getByLabel('Team or company name (optional)').fill(author.team);
    await page.getByLabel('Team or company name (optional)').press('Enter');
    await page.waitForURL(/\/trees$/);
    await page.getByRole('heading', { name: 'Tree library' }).waitFor();
    await page.getByText('No trees yet').waitFor();

    // New tree from the library.
    await page.getByRole('button', { name: 'New tree' }).click();
    await page.getByLabel('Title').fill(TREE);
    await page.getByLabel('Tags (comma separated)').fill('pump, hydraulics');
    await page.getByLabel('Title').press('Enter');
    await page.waitForURL(/\/trees\/[0-9a-f-]{36}\/edit$/);
    editorPath = new URL(page.url()).pathname;
    await page.getByText('The tree is empty').waitFor();

    // n1: the start question.
    await page.getByRole('button', { name: 'Add node', exact: true }).click();
    await page.getByRole('region', { name: 'Node n1' }).waitFor();
    await setTitle(page, 'n1', 'Does the pump get power?');
    await addNext(page, 'Question', 'n2');
    await setTitle(page, 'n2', 'Does the motor hum?');
    await selectNode(page, 'n1');
    await addNext(page, 'Solution', 'n3');
    await setTitle(page, 'n3', 'Reset the breaker');
    await selectNode(page, 'n1');
    await panel(page).getByLabel('Option 1 label').fill('Yes');
    await panel(page).getByLabel('Option 2 label').fill('No');

    await selectNode(page, 'n2');
    await addNext(page, 'Action', 'n4');
    await setTitle(page, 'n4', 'Free the stuck impeller');
    await panel(page).getByLabel('Body (Markdown)').fill('Turn the shaft **by hand** <script>alert(1)</script>');
    await selectNode(page, 'n2');
    await addNext(page, 'Escalation', 'n5');
    await setTitle(page, 'n5', 'Escalate to an electrician');
    await selectNode(page, 'n2');
    await panel(page).getByLabel('Option 1 label').fill('Yes');
    await panel(page).getByLabel('Option 2 label').fill('No');

    // n4 gets an option that leads nowhere yet; n6 is added on its own, and a spare node is
    // added and deleted again.
    await selectNode(page, 'n4');
    await panel(page).getByRole('button', { name: 'Add option' }).click();
    await panel(page).getByLabel('Option 1 label').fill('Done');
    await page.getByLabel('New node kind').selectOption('solution');
    await page.getByRole('button', { name: 'Add node', exact: true }).click();
    await page.getByRole('region', { name: 'Node n6' }).waitFor();
    await setTitle(page, 'n6', 'Pump runs again');
    await page.getByRole('button', { name: 'Add node', exact: true }).click();
    await page.getByRole('region', { name: 'Node n7' }).waitFor();
    await panel(page).getByRole('button', { name: 'Delete node' }).click();
    await page.getByText('Select a node on the canvas').waitFor();
    expect(await page.locator('.react-flow__node').count()).toBe(6);
    expect(await page.locator('.react-flow__edge').count()).toBe(4);

    // Save with Ctrl+S.
    await page.getByTestId('save-status').filter({ hasText: 'Unsaved changes' }).waitFor();
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-status').filter({ hasText: /^Saved \(revision \d+\)$/ }).waitFor();

    // Publishing now is refused: the problems are pinned on the nodes.
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('cannot be published until the problems').waitFor();
    await page.locator('.react-flow__node[data-id="n4"] .tree-node-problems').waitFor();
    await page.locator('.react-flow__node[data-id="n6"] .tree-node-problems').waitFor();
    await screenshot(page, 'editor-problems');
    await page.getByRole('alert').getByRole('button', { name: 'Free the stuck impeller' }).click();
    await panel(page).getByText('Choose the node this leads to.').waitFor();

    // Connect n4 -> n6 and publish with a changelog line.
    await panel(page).getByLabel('Option 1 leads to').selectOption('n6');
    expect(await page.locator('.react-flow__edge').count()).toBe(5);
    await page.getByLabel('Changelog').fill('First version');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published version 1.').waitFor();
    expect(await page.locator('.tree-node-problems').count()).toBe(0);
    await screenshot(page, 'editor-published');

    // The library shows it, published, never used yet.
    await page.getByRole('link', { name: 'Library', exact: true }).first().click();
    const card = page.getByRole('listitem').filter({ hasText: TREE });
    await card.getByText('Published').waitFor();
    await card.getByText('Used 0 times').waitFor();
    await screenshot(page, 'library');

    // Searching keeps the filters, and the server applies them.
    const searched = (status: string) =>
      page.waitForResponse((r) => {
        const url = new URL(r.url());
        return url.pathname.endsWith('/trees/search') && url.searchParams.get('status') === status;
      });
    await page.getByLabel('Status').selectOption('draft');
    const drafts = searched('draft');
    await page.getByLabel('Search trees').fill('pump');
    expect((await (await drafts).json()).items).toEqual([]);
    await page.getByText('No tree matches these filters.').waitFor();
    const published = searched('published');
    await page.getByLabel('Status').selectOption('published');
    expect((await (await published).json()).items).toHaveLength(1);
    await card.getByText('Published').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Search trees').fill('');
  });

  it('drops a slow quick start answer that a newer search overtook', async () => {
    const { page } = browser;
    // The answer for "zzz" is held back 1.5 s; the answer for "pump" comes at once.
    await page.route('**/api/v1/trees/search?*', async (route) => {
      if (new URL(route.request().url()).searchParams.get('q') === 'zzz') {
        await new Promise((r) => setTimeout(r, 1500));
      }
      await route.continue().catch(() => undefined); // aborted by the newer search
    });
    try {
      await page.getByRole('link', { name: 'Quick start' }).click();
      const box = page.getByRole('combobox', { name: 'What is the problem?' });
      await box.fill('zzz');
      await page.waitForRequest((r) => r.url().includes('q=zzz'));
      await box.fill('pump');
      await page.getByRole('option', { name: new RegExp(TREE) }).waitFor();
      await page.waitForTimeout(1800); // the "zzz" answer would have arrived by now
      expect(await page.getByRole('option', { name: new RegExp(TREE) }).count()).toBe(1);
      expect(await page.getByText('No published tree matches').count()).toBe(0);
    } finally {
      await page.unroute('**/api/v1/trees/search?*');
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
    await page.getByRole('heading', { name: 'Tree library' }).waitFor();
  });

  it('finds the tree with quick start, runs it, goes back once and completes it', async () => {
    const { page } = browser;
    await runToCompletion(page, 'runner');
    sessionUrl = page.url();
    await screenshot(page, 'runner-completed');
  });

  it('downloads the PDF transcript', async () => {
    const { page } = browser;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    const file = await download.path();
    const head = readFileSync(file).subarray(0, 5).toString('latin1');
    expect(head).toBe('%PDF-');
  });

  it('finds the session in the history', async () => {
    const { page } = browser;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'Session history' }).waitFor();
    const row = page.getByRole('listitem').filter({ hasText: TREE });
    await row.first().waitFor();
    await row.first().getByText('Completed').waitFor();
    await page.getByLabel('Outcome').selectOption('resolved');
    await page.getByText('No sessions match.').waitFor();
    await page.getByLabel('Outcome').selectOption('escalated');
    await row.first().waitFor();
    await page.getByLabel('Search').fill('electrician');
    await row.first().waitFor();
    await screenshot(page, 'history');
    await row.first().getByRole('link', { name: TREE }).click();
    expect(page.url()).toBe(sessionUrl);
    await page.getByRole('heading', { name: 'Session complete' }).waitFor();
  });

  it('saves once for Save and Ctrl+S together, and shows a draft conflict with a reload', async () => {
    const { context, page } = browser;
    await page.goto(editorPath);
    await page.getByTestId('save-status').waitFor();
    const puts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT' && r.url().includes('/api/v1/trees/')) puts.push(r.url());
    });
    await selectNode(page, 'n3');
    await setTitle(page, 'n3', 'Reset the breaker (mine)');
    // The button and the shortcut in the same tick: one request.
    await page.evaluate(() => {
      const save = Array.from(document.querySelectorAll('button')).find((b) => b.textContent === 'Save draft');
      save?.click();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 's', ctrlKey: true, bubbles: true }));
      save?.click();
    });
    await page.getByTestId('save-status').filter({ hasText: /^Saved/ }).waitFor();
    expect(puts).toHaveLength(1);

    // Someone saves in another tab; saving here is refused with a choice.
    const other = await context.newPage();
    try {
      await other.goto(editorPath);
      await other.getByLabel('Go to node').selectOption('n3');
      await other.locator('#node-n3-title').fill('Reset the breaker (theirs)');
      await other.keyboard.press('Control+s');
      await other.getByTestId('save-status').filter({ hasText: /^Saved/ }).waitFor();
    } finally {
      await other.close();
    }
    await setTitle(page, 'n3', 'Reset the breaker (mine again)');
    await page.keyboard.press('Control+s');
    await page.getByText('Someone saved this tree after you opened it').waitFor();
    await screenshot(page, 'editor-conflict');
    await page.getByRole('button', { name: 'Reload their version (drop my changes)' }).click();
    await page.getByText('Someone saved this tree after you opened it').waitFor({ state: 'detached' });
    await selectNode(page, 'n3');
    expect(await page.locator('#node-n3-title').inputValue()).toBe('Reset the breaker (theirs)');
  });

  it('asks before a link leaves the editor with unsaved changes', async () => {
    const { page } = browser;
    await page.goto(editorPath);
    await page.getByTestId('save-status').filter({ hasText: /^Saved/ }).waitFor();
    await selectNode(page, 'n3');
    await setTitle(page, 'n3', 'Reset the breaker (before leaving)');
    const library = page.locator('.editor-toolbar').getByRole('link', { name: 'Library' });
    const dialog = page.getByRole('alertdialog', { name: 'This tree has unsaved changes. Leave the editor?' });

    await library.click();
    await dialog.waitFor();
    await screenshot(page, 'editor-leave-unsaved');
    await dialog.getByRole('button', { name: 'Stay' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe(editorPath);
    await page.getByTestId('save-status').filter({ hasText: 'Unsaved changes' }).waitFor();

    await library.click();
    await dialog.getByRole('button', { name: 'Save and leave' }).click();
    await page.waitForURL(/\/trees$/);
    await page.goto(editorPath);
    await selectNode(page, 'n3');
    expect(await page.locator('#node-n3-title').inputValue()).toBe('Reset the breaker (before leaving)');
  });

  it('runs the same journey on a 390x844 phone', async () => {
    const phone = await openBrowser(baseURL, PHONE);
    try {
      const { page } = phone;
      await page.goto('/sign-in');
      await page.getByLabel('Email').fill(author.email);
      await page.getByLabel('Password').fill(author.password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(/\/trees$/);
      await page.getByRole('listitem').filter({ hasText: TREE }).getByText('Used 1 time').waitFor();
      await noHorizontalOverflow(page);
      await screenshot(page, 'phone-library');
      await runToCompletion(page, 'phone-runner');
      await noHorizontalOverflow(page);
      await screenshot(page, 'phone-runner-completed');

      // The editor works on a phone too (canvas above, panel below).
      await page.goto(editorPath);
      await page.locator('.react-flow__node[data-id="n1"]').waitFor();
      await selectNode(page, 'n1');
      await noHorizontalOverflow(page);
      await screenshot(page, 'phone-editor');
    } finally {
      await phone.close();
    }
  });
});
