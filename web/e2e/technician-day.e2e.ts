// A technician's day against the real app: the start screen that creates nothing
// until the first answer, Back over a logic node that branched on its own (button and
// Backspace), step notes, an outcome label from the runner's summary to the history (column,
// filter), a history search by ticket number with the matched field named, filters that survive
// Back and reload (history and library), abandoning with a reason, the not-found pages, and a
// phone (touch, 390x844) walking a 20-step tree with the question and its answers in the first
// screen at every step.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import type { BrowserContext, Locator, Page } from '@playwright/test';

import { type ApiFeatures, api, apiFeatures, publishedTree, registerAndSignIn, sessionCount } from './api';
import { DESKTOP, expect, noHorizontalOverflow, openPage, PHONE, screenshot, signIn, test } from './fixtures';

const suffix = randomBytes(4).toString('hex');
const admin = {
  full_name: 'Dana Dispatch',
  email: `dana-${suffix}@example.com`,
  password: 'a long day passphrase',
  account_name: `Printer Fleet ${suffix}`,
};
const PRINTER = `Printer jams ${suffix}`;
const LONG = `Twenty checks ${suffix}`;
const TICKET = `INC-${suffix.slice(0, 4).toUpperCase()}1234`;

/** n1 question -> (Yes) n2 logic: model P2 -> n4, else n3 question -> n4 solution / n5 escalation. */
const printerGraph = {
  start: 'n1',
  variables: [
    { name: 'ticket', label: 'Ticket number', type: 'text', required: 'at_start' },
    { name: 'model', label: 'Model', type: 'choice', required: 'optional', choices: ['P1', 'P2'] },
  ],
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Does the printer show an error code?',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'No', next: 'n5' },
      ],
    },
    { id: 'n2', kind: 'logic', title: 'Which model?', rules: [{ when: "model == 'P2'", next: 'n4' }], default: 'n3' },
    {
      id: 'n3',
      kind: 'question',
      title: 'Is the toner low?',
      options: [
        { id: 'o3', label: 'Yes', next: 'n4' },
        { id: 'o4', label: 'No', next: 'n5' },
      ],
    },
    { id: 'n4', kind: 'solution', title: 'Replace the toner', outcome_label: 'Replaced toner' },
    { id: 'n5', kind: 'escalation', title: 'Send the printer to the depot', outcome_label: 'Sent to depot' },
  ],
};

/** The graph without outcome labels, for a server that has none. */
const withoutLabels = (graph: typeof printerGraph) => ({
  ...graph,
  nodes: graph.nodes.map(({ outcome_label: _label, ...node }: { outcome_label?: string }) => node),
});

/** 19 questions in a row (two answers each, both going on) and a solution: 20 steps. */
const longGraph = {
  start: 'q1',
  nodes: [
    ...Array.from({ length: 19 }, (_, i) => ({
      id: `q${i + 1}`,
      kind: 'question',
      title: `Check ${i + 1}: is part ${i + 1} seated firmly?`,
      body: 'Press it **gently** until it clicks.',
      options: [
        { id: `y${i + 1}`, label: 'Yes, it is seated', next: i === 18 ? 'end' : `q${i + 2}` },
        { id: `n${i + 1}`, label: 'No, I reseated it', next: i === 18 ? 'end' : `q${i + 2}` },
      ],
    })),
    { id: 'end', kind: 'solution', title: 'Everything is seated' },
  ],
};

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let token = '';
let printerId = '';
let longId = '';
let features: ApiFeatures;

const nodeTitle = (p: Page) => p.locator('h1.node-title');

test.beforeAll(async ({ browser, app }) => {
  features = await apiFeatures(app.baseURL);
  ({ token } = await registerAndSignIn(app.baseURL, admin));
  printerId = await publishedTree(app.baseURL, token, {
    title: PRINTER,
    description: 'Paper jams and error codes on the office printers.',
    graph: features.outcomeLabels ? printerGraph : withoutLabels(printerGraph),
  });
  longId = await publishedTree(app.baseURL, token, { title: LONG, graph: longGraph });
  ({ context, page } = await openPage(browser, DESKTOP));
});

test.afterAll(async () => {
  await context?.close();
});

test('the sign-in page focuses the email field; Start opens a start screen that creates nothing until the first answer', async ({
  app,
}) => {
  await page.goto('/sign-in');
  await expect(page.getByLabel('Email')).toBeFocused();
  await signIn(page, admin.email, admin.password);
  const before = await sessionCount(app.baseURL, token);

  await page.getByRole('link', { name: `Start ${PRINTER}` }).click();
  await expect(page).toHaveURL(new RegExp(`/trees/${printerId}/start$`));
  await expect(page.getByRole('heading', { level: 1, name: PRINTER })).toBeVisible();
  await expect(page.getByText('Paper jams and error codes on the office printers.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Does the printer show an error code?' })).toBeVisible();
  const ticket = page.getByLabel(/Ticket number/);
  // Nothing is "missing" before the technician tried to go on.
  await expect(ticket).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Missing')).toHaveCount(0);
  await screenshot(page, 'day-start-screen');
  expect(await sessionCount(app.baseURL, token), 'opening the start screen created a session').toBe(before);

  // A stray visit: away and back again, still nothing.
  await page.goBack();
  await expect(page).toHaveURL(/\/trees$/);
  await page.goForward();
  await expect(page.getByRole('heading', { name: 'Does the printer show an error code?' })).toBeVisible();

  // Answering without the ticket: refused, flagged, still nothing created.
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(page.getByText('Ticket number is needed to start.')).toBeVisible();
  await expect(ticket).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/start$/);
  expect(await sessionCount(app.baseURL, token)).toBe(before);

  // The first real answer creates the session with it; the logic node branches on its own.
  await ticket.fill(TICKET);
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  await expect(nodeTitle(page)).toHaveText('Is the toner low?');
  await expect.poll(() => sessionCount(app.baseURL, token)).toBe(before + 1);
  const trail = page.getByRole('navigation', { name: 'Path' });
  await expect(trail.getByText('Which model?')).toHaveAttribute('title', 'Passed automatically: Otherwise');
  await expect(trail.getByRole('button', { name: 'Which model?' })).toHaveCount(0);
});

test('goes back over the automatic step with the Back button and with Backspace', async () => {
  const back = page.getByRole('button', { name: '← Back' });
  await back.click();
  // Back lands where a person chose, and stays there (the logic node does not bounce forward).
  await expect(nodeTitle(page)).toHaveText('Does the printer show an error code?');
  await expect(page.getByText('previous answer')).toBeVisible();
  await expect(back).toHaveCount(0);

  await page.keyboard.press('1');
  await expect(nodeTitle(page)).toHaveText('Is the toner low?');
  // The shortcut is in the runner's help (a desktop keyboard).
  await page.getByText('Keyboard shortcuts').click();
  await expect(page.locator('.runner-help')).toContainText('Backspace');
  await expect(page.locator('.options kbd').first()).toBeVisible();
  await page.keyboard.press('Backspace');
  await expect(nodeTitle(page)).toHaveText('Does the printer show an error code?');
  await page.keyboard.press('1');
  await expect(nodeTitle(page)).toHaveText('Is the toner low?');
});

test('keeps a note on a step, with the answer and afterwards', async () => {
  await page.getByRole('button', { name: 'Add a note to this step' }).click();
  await page.getByLabel('Note on this step').fill('Toner at 5 %.');
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(nodeTitle(page)).toHaveText('Replace the toner');

  const notes = page.getByRole('region', { name: 'Step notes' });
  await expect(notes.getByText('Toner at 5 %.')).toBeVisible();
  // An earlier step's note is added afterwards.
  await notes.getByRole('button', { name: 'Add a note to Does the printer show an error code?' }).click();
  await notes.getByLabel('Note on “Does the printer show an error code?”').fill('Code E-42 on the panel.');
  await notes.getByRole('button', { name: 'Save note' }).click();
  await expect(notes.getByText('Code E-42 on the panel.')).toBeVisible();
  await expect(notes.getByText('2 of 2 steps')).toBeVisible(); // the logic step takes none

  await page.getByRole('region', { name: 'Complete the session' }).getByRole('button', { name: 'Complete' }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  await expect(page.getByText('Outcome: Resolved')).toBeVisible();
  await expect(page.getByText('Note: Code E-42 on the panel.')).toBeVisible();
  await screenshot(page, 'day-summary');
});

test("shows the end node's outcome label in the summary and in the history (column, filter)", async () => {
  test.skip(!features.outcomeLabels, 'the API has no outcome labels');
  await expect(page.getByRole('status').filter({ hasText: 'Outcome: Resolved' })).toContainText('Replaced toner');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  const done = rows.filter({ hasText: PRINTER }).filter({ hasText: 'Completed' });
  await expect(done.getByText('Replaced toner')).toBeVisible();
  await page.getByLabel('Outcome label').selectOption('Replaced toner');
  await expect(page).toHaveURL(/label=Replaced/);
  await expect(rows).toHaveCount(1);
  // The labels offered are those the team's sessions carry.
  await expect(page.getByLabel('Outcome label').locator('option')).toHaveText(['Any label', 'Replaced toner']);
  await page.getByLabel('Outcome label').selectOption('');
  await expect(rows).toHaveCount(1);
  await screenshot(page, 'day-history-label');
});

test('opens the history on the team tab for an admin', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await expect(page.getByRole('tab', { name: 'Team' })).toHaveAttribute('aria-selected', 'true');
  const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  await expect(rows.filter({ hasText: PRINTER }).filter({ hasText: 'Completed' })).toHaveCount(1);
});

test('finds the session by its ticket number', async () => {
  const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  await page.getByLabel('Search').fill(TICKET.toLowerCase());
  await expect(page).toHaveURL(new RegExp(`q=${TICKET.toLowerCase()}`)); // the search was sent
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(PRINTER);
  await screenshot(page, 'day-history-search');
  await page.getByLabel('Search').fill('');
  await expect(page).toHaveURL(/\/sessions$/);
});

test('keeps the history and library filters through Back and a reload', async () => {
  // A step note's words (found by any server), with a status.
  const search = page.getByLabel('Search');
  await search.fill('e-42');
  await expect(page).toHaveURL(/q=e-42/);
  await page.getByLabel('Status').selectOption('completed');
  await expect(page).toHaveURL(/status=completed/);
  const url = page.url();
  const rows = page.getByRole('list', { name: 'Sessions' }).getByRole('listitem');
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole('link', { name: PRINTER }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(url);
  await expect(page.getByLabel('Status')).toHaveValue('completed');
  await expect(search).toHaveValue('e-42');
  await expect(rows).toHaveCount(1);
  await page.reload();
  await expect(page.getByLabel('Status')).toHaveValue('completed');
  await expect(search).toHaveValue('e-42');
  await expect(page.getByRole('tab', { name: 'Team' })).toHaveAttribute('aria-selected', 'true');
  await expect(rows).toHaveCount(1);
  // A shared link opens the same list.
  const other = await context.newPage();
  try {
    await other.goto(url);
    await expect(other.getByLabel('Status')).toHaveValue('completed');
    await expect(other.getByRole('list', { name: 'Sessions' }).getByRole('listitem')).toHaveCount(1);
  } finally {
    await other.close();
  }

  // The library: status and search in the address.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await page.getByLabel('Status').selectOption('published');
  await page.getByLabel('Search trees').fill('twenty');
  await expect(page).toHaveURL(/q=twenty/);
  const cards = page
    .getByRole('list', { name: 'Trees' })
    .getByRole('listitem')
    .filter({ has: page.locator('h2') });
  await expect(cards).toHaveCount(1);
  await cards.getByRole('link', { name: `Start ${LONG}` }).click();
  await expect(page).toHaveURL(/\/start$/);
  await page.goBack();
  await expect(page.getByLabel('Status')).toHaveValue('published');
  await expect(page.getByLabel('Search trees')).toHaveValue('twenty');
  await expect(cards).toHaveCount(1);
  await page.reload();
  await expect(page.getByLabel('Search trees')).toHaveValue('twenty');
  await expect(page.getByLabel('Status')).toHaveValue('published');
  await expect(cards).toHaveCount(1);
});

test('abandons a session at a middle step with a reason', async ({ app }) => {
  await page.goto(`/trees/${printerId}/start`);
  await page.getByLabel(/Ticket number/).fill('INC-ABANDON');
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(nodeTitle(page)).toHaveText('Is the toner low?');

  await page.getByRole('button', { name: 'End session…' }).click();
  const dialog = page.getByRole('dialog', { name: 'End the session' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel(/Abandoned/).check();
  await dialog.getByLabel('Other').check();
  await dialog.getByRole('button', { name: 'Abandon the session' }).click();
  await expect(dialog.getByText('Say why the session stops.')).toBeVisible();
  await dialog.getByLabel('Note').fill('Customer wants a new printer.');
  await screenshot(page, 'day-abandon-dialog');
  await dialog.getByRole('button', { name: 'Abandon the session' }).click();
  await expect(page.getByRole('heading', { name: 'Session abandoned' })).toBeVisible();
  // The reason is kept by an API that takes one (the dialog above is the same either way).
  if (!features.abandonReasons) return;
  await expect(page.getByText('Reason: Other')).toBeVisible();
  await expect(page.getByText('Customer wants a new printer.')).toBeVisible();
  const id = new URL(page.url()).pathname.split('/').pop();
  const session = await api<{ status: string; abandon_reason: string; abandon_note: string }>(
    app.baseURL,
    `/sessions/${id}`,
    { token },
  );
  expect([session.status, session.abandon_reason, session.abandon_note]).toEqual([
    'abandoned',
    'other',
    'Customer wants a new printer.',
  ]);
});

test('shows "not found" inside the layout for a malformed id, an unknown id and an unknown address', async () => {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const cases: [string, string, string][] = [
    ['/sessions/not-a-session', 'Session not found', 'Go to the session history'],
    ['/sessions/7d6f5a2e-1b3c-4d5e-8f90-a1b2c3d4e5f6', 'Session not found', 'Go to the session history'],
    ['/trees/12345/start', 'Tree not found', 'Go to the tree library'],
    ['/trees/7d6f5a2e-1b3c-4d5e-8f90-a1b2c3d4e5f6/start', 'Tree not found', 'Go to the tree library'],
    ['/trees/7d6f5a2e-1b3c-4d5e-8f90-a1b2c3d4e5f6/edit', 'Tree not found', 'Go to the tree library'],
    ['/no/such/page', 'Page not found', 'Go to the tree library'],
  ];
  for (const [path, heading, back] of cases) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: heading }), path).toBeVisible();
    await expect(nav.getByRole('link', { name: 'History' }), path).toBeVisible();
    await expect(page.getByText(/uuid|validation|422|Input should/i), path).toHaveCount(0);
    await expect(page.getByRole('link', { name: back }), path).toBeVisible();
  }
  await screenshot(page, 'day-not-found');
  await page.getByRole('link', { name: 'Go to the tree library' }).click();
  await expect(page.getByRole('heading', { name: 'Tree library' })).toBeVisible();
});

test('applies a new role as soon as it is chosen, with Undo; the plan shows use against its limits', async ({
  app,
}) => {
  const invite = await api<{ code: string }>(app.baseURL, '/account/invites', {
    token,
    body: { role: 'technician', max_uses: 1 },
  });
  await registerAndSignIn(app.baseURL, {
    full_name: 'Theo Tech',
    email: `theo-${suffix}@example.com`,
    password: 'technician passphrase',
    invite_code: invite.code,
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  const plan = page.getByRole('region', { name: 'Plan and usage' });
  await expect(plan.getByText('2 of 3 trees')).toBeVisible();
  await expect(plan.getByText('2 of 5 members')).toBeVisible();

  const role = page.getByLabel('Role of Theo Tech');
  await expect(role).toHaveValue('technician');
  await role.selectOption('engineer');
  const toast = page.getByRole('status').filter({ hasText: 'Theo Tech is now engineer.' });
  await expect(toast).toBeVisible();
  const roleOf = async () =>
    (await api<{ full_name: string; role: string }[]>(app.baseURL, '/account/members', { token })).find(
      (m) => m.full_name === 'Theo Tech',
    )?.role;
  await expect.poll(roleOf).toBe('engineer');
  await screenshot(page, 'day-role-undo');
  await toast.getByRole('button', { name: 'Undo' }).click();
  await expect(toast).toHaveCount(0);
  await expect(role).toHaveValue('technician');
  await expect.poll(roleOf).toBe('technician');
});

/** Inside the phone's first screen, with no scrolling. */
async function inFirstScreen(what: Locator) {
  const box = await what.boundingBox();
  expect(box, 'not on screen').not.toBeNull();
  if (!box) return;
  expect(box.y, 'starts above the screen').toBeGreaterThanOrEqual(0);
  expect(box.y + box.height, 'ends below the first screen').toBeLessThanOrEqual(PHONE.height);
}

/** Every one of `targets` shown is at least 44 px tall and wide. */
async function bigEnough(targets: Locator) {
  for (const target of await targets.all()) {
    const box = await target.boundingBox();
    if (!box) continue; // not shown
    expect(box.height, `${await target.textContent()} is too short to tap`).toBeGreaterThanOrEqual(44);
    expect(box.width, `${await target.textContent()} is too narrow to tap`).toBeGreaterThanOrEqual(44);
  }
}

test('walks a 20-step tree on a phone with the question and its answers in the first screen', async ({
  browser,
  app,
}) => {
  const phoneContext = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  try {
    const phone = await phoneContext.newPage();
    const { id } = await api<{ id: string }>(app.baseURL, '/sessions', { token, body: { tree_id: longId } });
    await signIn(phone, admin.email, admin.password);
    expect(await phone.evaluate(() => matchMedia('(hover: none), (pointer: coarse)').matches)).toBe(true);
    await phone.goto(`/sessions/${id}`);
    const trail = phone.getByRole('navigation', { name: 'Path' });
    for (let step = 1; step <= 20; step++) {
      const title = nodeTitle(phone);
      if (step === 20) {
        await expect(title).toHaveText('Everything is seated');
        await inFirstScreen(title);
        break;
      }
      await expect(title).toHaveText(`Check ${step}: is part ${step} seated firmly?`);
      const answers = phone.getByRole('list', { name: 'Answers' }).getByRole('button');
      await expect(answers).toHaveCount(2);
      await inFirstScreen(title);
      for (const answer of await answers.all()) await inFirstScreen(answer);
      // No keyboard hints on a touch screen.
      await expect(phone.locator('.options kbd').first()).toBeHidden();
      await expect(phone.getByText('Keyboard shortcuts')).toBeHidden();
      if (step === 8) {
        await expect(trail.getByRole('button', { name: 'Show all 8 steps' })).toBeVisible();
        await bigEnough(phone.locator('.runner button:visible'));
        await noHorizontalOverflow(phone);
        // The first screen only (not the full page): what the technician sees without scrolling.
        await phone.screenshot({ path: join(test.info().project.outputDir, 'day-phone-step-8.png') });
      }
      await answers.nth(step % 2).tap();
      await expect(title).not.toHaveText(`Check ${step}: is part ${step} seated firmly?`);
    }
    // "Show all" opens the whole path.
    await trail.getByRole('button', { name: 'Show all 20 steps' }).tap();
    await expect(trail.getByRole('button')).toHaveCount(20); // 19 steps back, and "Show fewer"
  } finally {
    await phoneContext.close();
  }
});
