// The author-to-technician journey against the real app and PostgreSQL: an engineer registers, builds a
// 6-node tree in the editor through the UI (add, connect, edit, delete, save with Ctrl+S, a
// publish refused with problems pinned to their nodes, then a publish with a changelog in the publish dialog), finds it
// with quick start (its start screen), runs it with the number keys, goes back once, completes it, downloads the
// PDF transcript and finds the session in the history. Then the same runner journey on a phone.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { BrowserContext, Page } from '@playwright/test';

import {
  DESKTOP,
  expect,
  nextFrames,
  noHorizontalOverflow,
  openPage,
  PHONE,
  screenshot,
  signIn,
  test,
} from './fixtures';

const suffix = randomBytes(4).toString('hex');
const author = {
  name: 'Eddie Engineer',
  email: `eddie-${suffix}@example.com`,
  password: 'a long enough passphrase',
  team: `Pump Works ${suffix}`,
};
const TREE = `Pump P-100 will not start ${suffix}`;
const SAVED = /^Saved \(revision (\d+)\)$/;

/** The panel of the selected node. */
const panel = (page: Page) => page.getByRole('region', { name: /^Node n\d+$/ });
const saveStatus = (page: Page) => page.getByTestId('save-status');

async function selectNode(page: Page, id: string) {
  await page.getByLabel('Go to node').selectOption(id);
  await expect(page.getByRole('region', { name: `Node ${id}` })).toBeVisible();
}

async function setTitle(page: Page, id: string, title: string) {
  await page.locator(`#node-${id}-title`).fill(title);
}

/** Adds a next step of `kind` from the selected node and waits until the new node is selected. */
async function addNext(page: Page, kind: string, expectId: string) {
  await panel(page)
    .getByRole('button', { name: `+ ${kind}`, exact: true })
    .click();
  await expect(page.getByRole('region', { name: `Node ${expectId}` })).toBeVisible();
}

/** Selects question `id` and labels its two options Yes and No. */
async function labelYesNo(page: Page, id: string) {
  await selectNode(page, id);
  await panel(page).getByLabel('Option 1 label').fill('Yes');
  await panel(page).getByLabel('Option 2 label').fill('No');
}

/** The revision the save status shows once it says "Saved (revision n)". */
async function savedRevision(page: Page): Promise<number> {
  await expect(saveStatus(page)).toHaveText(SAVED);
  return Number(SAVED.exec((await saveStatus(page).textContent()) ?? '')?.[1]);
}

async function runToCompletion(page: Page, shots: string) {
  // Quick start: the box has the focus; type, Enter starts the top hit.
  await page.getByRole('link', { name: 'Quick start' }).click();
  const box = page.getByRole('combobox', { name: 'What is the problem?' });
  await expect(box).toBeFocused();
  await box.fill('pump');
  await expect(page.getByRole('option', { name: new RegExp(TREE) })).toBeVisible();
  await screenshot(page, `${shots}-quick-start`);
  await box.press('Enter');
  // The start screen: the first question, and no session until it is answered.
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/start$/);
  await expect(page.getByRole('heading', { name: 'Does the pump get power?' })).toBeVisible();
  // Number keys pick the options: 1 = Yes, which creates the session with that answer.
  await page.keyboard.press('1');
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  const title = page.locator('h1.node-title');
  await expect(title).toHaveText('Does the motor hum?');
  await page.keyboard.press('1');
  await expect(title).toHaveText('Free the stuck impeller');
  await expect(page.locator('.markdown')).toContainText('Turn the shaft by hand'); // the Markdown body
  await expect(page.locator('.markdown strong')).toHaveText('by hand');
  await expect(page.locator('.markdown script')).toHaveCount(0); // raw HTML is never rendered
  await screenshot(page, `${shots}-node`);

  // Back once: the earlier answer is offered again.
  await page.getByRole('button', { name: '← Back' }).click();
  await expect(title).toHaveText('Does the motor hum?');
  await expect(page.getByText('previous answer')).toBeVisible();
  await page.getByRole('button', { name: 'No', exact: true }).click();
  await expect(title).toHaveText('Escalate to an electrician');
  await expect(page.getByRole('navigation', { name: 'Path' })).toContainText('Does the pump get power?');

  const complete = page.getByRole('region', { name: 'Complete the session' });
  await expect(complete.getByLabel('Outcome')).toHaveValue('escalated');
  await complete.getByLabel('Resolution note (optional)').fill('Electrician booked.');
  await screenshot(page, `${shots}-terminal`);
  await complete.getByRole('button', { name: 'Complete' }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  await expect(page.getByText('Outcome: Escalated')).toBeVisible();
}

// One desktop browser for Eddie through the whole file: each test goes on from the one before.
test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let sessionUrl = '';
let editorPath = '';

test.beforeAll(async ({ browser }) => {
  ({ context, page } = await openPage(browser, DESKTOP));
});

test.afterAll(async () => {
  await context?.close();
});

test('registers and builds, checks and publishes a 6-node tree in the editor', async () => {
  await page.goto('/register');
  await page.getByLabel('Your name').fill(author.name);
  await page.getByLabel('Email').fill(author.email);
  await page.getByLabel('Password').fill(author.password);
  await page.getByLabel('Team or company name (optional)').fill(author.team);
  await page.getByLabel('Team or company name (optional)').press('Enter');
  await expect(page.getByRole('status')).toContainText('Check your email');
  await signIn(page, author.email, author.password);
  await expect(page).toHaveURL(/\/trees$/);
  await expect(page.getByRole('heading', { name: 'Tree library' })).toBeVisible();
  await expect(page.getByText('No trees yet')).toBeVisible();

  // New tree from the library.
  await page.getByRole('button', { name: 'New tree' }).click();
  await page.getByLabel('Title').fill(TREE);
  await page.getByLabel('Tags (comma separated)').fill('pump, hydraulics');
  await page.getByLabel('Title').press('Enter');
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/edit$/);
  editorPath = new URL(page.url()).pathname;
  await expect(page.getByText('The tree is empty')).toBeVisible();

  // n1: the start question.
  await page.getByRole('button', { name: 'Add node', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Node n1' })).toBeVisible();
  await setTitle(page, 'n1', 'Does the pump get power?');
  await addNext(page, 'Question', 'n2');
  await setTitle(page, 'n2', 'Does the motor hum?');
  await selectNode(page, 'n1');
  await addNext(page, 'Solution', 'n3');
  await setTitle(page, 'n3', 'Reset the breaker');
  await labelYesNo(page, 'n1');

  await selectNode(page, 'n2');
  await addNext(page, 'Action', 'n4');
  await setTitle(page, 'n4', 'Free the stuck impeller');
  await panel(page).getByLabel('Body (Markdown)').fill('Turn the shaft **by hand** <script>alert(1)</script>');
  await selectNode(page, 'n2');
  await addNext(page, 'Escalation', 'n5');
  await setTitle(page, 'n5', 'Escalate to an electrician');
  await labelYesNo(page, 'n2');

  // n4 gets an option that leads nowhere yet; n6 is added on its own, and a spare node is
  // added and deleted again.
  await selectNode(page, 'n4');
  await panel(page).getByRole('button', { name: 'Add option' }).click();
  await panel(page).getByLabel('Option 1 label').fill('Done');
  await page.getByLabel('New node kind').selectOption('solution');
  await page.getByRole('button', { name: 'Add node', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Node n6' })).toBeVisible();
  await setTitle(page, 'n6', 'Pump runs again');
  await page.getByRole('button', { name: 'Add node', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Node n7' })).toBeVisible();
  await panel(page).getByRole('button', { name: 'Delete node' }).click();
  await expect(page.getByText('Select a node on the canvas')).toBeVisible();
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
  await expect(page.locator('.react-flow__node[data-id="n7"]')).toHaveCount(0);
  await expect(page.locator('.react-flow__edge')).toHaveCount(4);

  // Save with Ctrl+S.
  await expect(saveStatus(page)).toHaveText('Unsaved changes');
  await page.keyboard.press('Control+s');
  await expect(saveStatus(page)).toHaveText(SAVED);

  // Publishing now is refused: the problems are pinned on the nodes.
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('cannot be published until the problems')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n4"] .tree-node-problems')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n6"] .tree-node-problems')).toBeVisible();
  await screenshot(page, 'editor-problems');
  await page.getByRole('alert').getByRole('button', { name: 'Free the stuck impeller' }).click();
  await expect(page.getByRole('region', { name: 'Node n4' })).toBeVisible();
  await expect(
    panel(page).getByText(/^Choose where the option .Done. of .Free the stuck impeller. \(node n4\) leads\.$/),
  ).toBeVisible();

  // Connect n4 -> n6 and publish with a changelog line.
  await panel(page).getByLabel('Option 1 leads to').selectOption('n6');
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);
  await page.getByRole('button', { name: 'Publish…' }).click();
  const publishDialog = page.getByRole('dialog', { name: 'Publish version 1' });
  await expect(publishDialog).toContainText('This is the first version');
  await publishDialog.getByLabel('Changelog').fill('First version');
  await publishDialog.getByLabel('Changelog').press('Enter');
  await expect(page.getByText('Published version 1.')).toBeVisible();
  await expect(page.locator('.tree-node-problems')).toHaveCount(0);
  await screenshot(page, 'editor-published');

  // The library shows it, published, never used yet.
  await page.getByRole('link', { name: 'Library', exact: true }).first().click();
  const card = page.getByRole('list', { name: 'Trees', exact: true }).getByRole('listitem').filter({ hasText: TREE });
  await expect(card.getByText('Published')).toBeVisible();
  await expect(card.getByText('Used 0 times')).toBeVisible();
  await screenshot(page, 'library');

  // Searching keeps the filters, and the server applies them.
  const searched = (status: string) =>
    page.waitForResponse((r) => {
      const url = new URL(r.url());
      return url.pathname.endsWith('/trees/search') && url.searchParams.get('status') === status;
    });
  const titles = async (answer: Promise<{ json(): Promise<unknown> }>) =>
    ((await (await answer).json()) as { items: { tree: { title: string } }[] }).items.map((hit) => hit.tree.title);
  await page.getByLabel('Status').selectOption('draft');
  const drafts = searched('draft');
  await page.getByLabel('Search trees').fill('pump');
  expect(await titles(drafts)).toEqual([]);
  await expect(page.getByText('No tree matches “pump” with these filters.')).toBeVisible();
  await expect(card).toHaveCount(0);
  const published = searched('published');
  await page.getByLabel('Status').selectOption('published');
  expect(await titles(published)).toEqual([TREE]);
  await expect(card.getByText('Published')).toBeVisible();
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Search trees').fill('');
});

test('drops a slow quick start answer that a newer search overtook', async () => {
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
    const slowRequest = page.waitForRequest((r) => new URL(r.url()).searchParams.get('q') === 'zzz');
    await box.fill('zzz');
    const slow = await slowRequest;
    await box.fill('pump');
    const hit = page.getByRole('option', { name: new RegExp(TREE) });
    await expect(hit).toHaveCount(1);
    // Wait for the held-back answer to arrive in full (null: the newer search aborted it), and
    // for two more frames: it was either dropped or rendered by then.
    const stale = await slow.response();
    await stale?.finished();
    await nextFrames(page);
    await expect(hit).toHaveCount(1);
    await expect(page.getByText('No published tree matches')).toHaveCount(0);
    await expect(box).toHaveValue('pump');
  } finally {
    await page.unroute('**/api/v1/trees/search?*');
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { name: 'Tree library' })).toBeVisible();
});

test('finds the tree with quick start, runs it, goes back once and completes it', async () => {
  await runToCompletion(page, 'runner');
  sessionUrl = page.url();
  await screenshot(page, 'runner-completed');
});

test('downloads the PDF transcript', async () => {
  const downloaded = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download PDF' }).click();
  const download = await downloaded;
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  const head = readFileSync(await download.path())
    .subarray(0, 5)
    .toString('latin1');
  expect(head).toBe('%PDF-');
});

test('finds the session in the history', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('heading', { name: 'Session history' })).toBeVisible();
  const row = page.getByRole('listitem').filter({ hasText: TREE });
  await expect(row).toHaveCount(1);
  await expect(row.getByText('Completed')).toBeVisible();
  await page.getByLabel('Outcome', { exact: true }).selectOption('resolved');
  await expect(page.getByText('No sessions match.')).toBeVisible();
  await expect(row).toHaveCount(0);
  await page.getByLabel('Outcome', { exact: true }).selectOption('escalated');
  await expect(row).toHaveCount(1);
  await page.getByLabel('Search').fill('electrician');
  await expect(row).toHaveCount(1);
  await page.getByLabel('Search').fill(`nothing-${suffix}`);
  await expect(page.getByText('No sessions match.')).toBeVisible();
  await page.getByLabel('Search').fill('electrician');
  await expect(row).toHaveCount(1);
  await screenshot(page, 'history');
  await row.getByRole('link', { name: TREE }).click();
  await expect(page).toHaveURL(sessionUrl);
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
});

test('saves once for Save and Ctrl+S together, and shows a draft conflict with a reload', async () => {
  await page.goto(editorPath);
  const revision = await savedRevision(page);
  const puts: string[] = [];
  const onRequest = (r: { method(): string; url(): string }) => {
    if (r.method() === 'PUT' && r.url().includes('/api/v1/trees/')) puts.push(r.url());
  };
  page.on('request', onRequest);
  try {
    await selectNode(page, 'n3');
    await setTitle(page, 'n3', 'Reset the breaker (mine)');
    await expect(saveStatus(page)).toHaveText('Unsaved changes');
    // The button and the shortcut in the same tick: one request, one revision more.
    await page.evaluate(() => {
      const save = Array.from(document.querySelectorAll('button')).find((b) => b.textContent === 'Save draft');
      save?.click();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 's', ctrlKey: true, bubbles: true }));
      save?.click();
    });
    await expect(saveStatus(page)).toHaveText(`Saved (revision ${revision + 1})`);
    await expect.poll(() => puts.length).toBe(1);

    // Someone saves in another tab (one revision more again); saving here is refused with a choice.
    const other = await context.newPage();
    try {
      await other.goto(editorPath);
      await expect(saveStatus(other)).toHaveText(`Saved (revision ${revision + 1})`);
      await selectNode(other, 'n3');
      await expect(other.locator('#node-n3-title')).toHaveValue('Reset the breaker (mine)');
      await setTitle(other, 'n3', 'Reset the breaker (theirs)');
      await other.keyboard.press('Control+s');
      await expect(saveStatus(other)).toHaveText(`Saved (revision ${revision + 2})`);
    } finally {
      await other.close();
    }
    expect(puts, 'no second save from this tab came late').toHaveLength(1);
  } finally {
    page.off('request', onRequest);
  }
  await setTitle(page, 'n3', 'Reset the breaker (mine again)');
  await page.keyboard.press('Control+s');
  const conflict = page.getByText('Someone saved this tree after you opened it');
  await expect(conflict).toContainText(`now at revision ${revision + 2}`);
  await screenshot(page, 'editor-conflict');
  await page.getByRole('button', { name: 'Reload their version (drop my changes)' }).click();
  await expect(conflict).toHaveCount(0);
  await selectNode(page, 'n3');
  await expect(page.locator('#node-n3-title')).toHaveValue('Reset the breaker (theirs)');
  await expect(saveStatus(page)).toHaveText(`Saved (revision ${revision + 2})`);
});

test('asks before a link leaves the editor with unsaved changes', async () => {
  await page.goto(editorPath);
  await expect(saveStatus(page)).toHaveText(SAVED);
  await selectNode(page, 'n3');
  await setTitle(page, 'n3', 'Reset the breaker (before leaving)');
  const library = page.locator('.editor-toolbar').getByRole('link', { name: 'Library' });
  const dialog = page.getByRole('alertdialog', { name: 'This tree has unsaved changes. Leave the editor?' });

  await library.click();
  await expect(dialog).toBeVisible();
  await screenshot(page, 'editor-leave-unsaved');
  await dialog.getByRole('button', { name: 'Stay' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page).toHaveURL((url) => url.pathname === editorPath);
  await expect(saveStatus(page)).toHaveText('Unsaved changes');
  await expect(page.locator('#node-n3-title')).toHaveValue('Reset the breaker (before leaving)');

  await library.click();
  await dialog.getByRole('button', { name: 'Save and leave' }).click();
  await expect(page).toHaveURL(/\/trees$/);
  await page.goto(editorPath);
  await selectNode(page, 'n3');
  await expect(page.locator('#node-n3-title')).toHaveValue('Reset the breaker (before leaving)');
});

test('runs the same journey on a 390x844 phone', async ({ page: phone }) => {
  expect(phone.viewportSize()).toEqual(PHONE);
  await signIn(phone, author.email, author.password);
  await expect(phone.getByRole('listitem').filter({ hasText: TREE }).getByText('Used 1 time')).toBeVisible();
  await noHorizontalOverflow(phone);
  await screenshot(phone, 'phone-library');
  await runToCompletion(phone, 'phone-runner');
  await noHorizontalOverflow(phone);
  await screenshot(phone, 'phone-runner-completed');

  // The editor works on a phone too (canvas above, panel below).
  await phone.goto(editorPath);
  await expect(phone.locator('.react-flow__node[data-id="n1"]')).toBeVisible();
  await selectNode(phone, 'n1');
  await noHorizontalOverflow(phone);
  await screenshot(phone, 'phone-editor');
});
