// Analytics for authors: a tree's page with its charts, a version picker and filters, a CSV
// download, a bad date range named next to its field; the editor's heat overlay for a chosen
// version; technicians are refused the page and see no link to it.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { BrowserContext, Page } from '@playwright/test';

import { api, registerAndSignIn } from './api';
import { DESKTOP, expect, openPage, screenshot, signIn, test } from './fixtures';

const suffix = randomBytes(4).toString('hex');
const author = {
  full_name: 'Ana Lytic',
  email: `ana-${suffix}@example.com`,
  password: 'analytics long passphrase',
  account_name: `Insight Desk ${suffix}`,
};
const tech = {
  full_name: 'Tom Tech',
  email: `tom-${suffix}@example.com`,
  password: 'technician long passphrase',
};
const TREE = `Label printer jams ${suffix}`;

const V1 = {
  start: 'n1',
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Is paper stuck in the feeder?',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'No', next: 'n3' },
      ],
      position: { x: 0, y: 0 },
    },
    {
      id: 'n2',
      kind: 'action',
      title: 'Pull the paper out gently',
      options: [{ id: 'o3', label: 'Done', next: 'n4' }],
      position: { x: -180, y: 160 },
    },
    {
      id: 'n3',
      kind: 'escalation',
      title: 'Send to the repair desk',
      position: { x: 180, y: 160 },
    },
    { id: 'n4', kind: 'solution', title: 'Printer prints again', position: { x: -180, y: 320 } },
  ],
};

let page: Page;
let context: BrowserContext;
let treeId: string;
let v1: string;

test.beforeAll(async ({ app, browser }) => {
  const { token } = await registerAndSignIn(app.baseURL, author);
  const invite = await api<{ code: string }>(app.baseURL, '/account/invites', {
    token,
    body: { role: 'technician' },
  });
  const { token: techToken } = await registerAndSignIn(app.baseURL, { ...tech, invite_code: invite.code });
  const created = await api<{ id: string; draft_revision: number }>(app.baseURL, '/trees', {
    token,
    body: { title: TREE, graph: V1 },
  });
  treeId = created.id;
  ({ id: v1 } = await api<{ id: string }>(app.baseURL, `/trees/${treeId}/publish`, { token, body: {} }));

  type Session = { id: string };
  const run = async (answers: string[], end: 'complete' | 'abandon' | null) => {
    let session = await api<Session>(app.baseURL, '/sessions', { token: techToken, body: { tree_id: treeId } });
    for (const option_id of answers)
      session = await api<Session>(app.baseURL, `/sessions/${session.id}/steps`, {
        token: techToken,
        body: { option_id },
      });
    if (end === 'complete') await api(app.baseURL, `/sessions/${session.id}/complete`, { token: techToken, body: {} });
    if (end === 'abandon')
      await api(app.baseURL, `/sessions/${session.id}/abandon`, {
        token: techToken,
        body: { reason: 'customer_left' },
      });
  };
  // Version 1: three resolved, two escalated, one abandoned at the action, one running.
  for (let i = 0; i < 3; i++) await run(['o1', 'o3'], 'complete');
  for (let i = 0; i < 2; i++) await run(['o2'], 'complete');
  await run(['o1'], 'abandon');
  await run(['o1'], null);
  // Version 2 drops nothing but rewords the first question; one resolved session.
  const graph2 = structuredClone(V1);
  graph2.nodes[0].title = 'Is a label stuck in the feeder?';
  await api(app.baseURL, `/trees/${treeId}`, {
    method: 'PUT',
    token,
    body: { graph: graph2, base_revision: created.draft_revision },
  });
  await api(app.baseURL, `/trees/${treeId}/publish`, { token, body: {} });
  await run(['o1', 'o3'], 'complete');

  ({ context, page } = await openPage(browser, DESKTOP));
  await signIn(page, author.email, author.password);
});

test.afterAll(async () => {
  await context?.close();
});

test('the analytics page charts the tree, by version, with filters and CSV', async () => {
  await page.getByRole('link', { name: `Analytics of ${TREE}` }).click();
  await expect(page).toHaveURL(new RegExp(`/trees/${treeId}/insights$`));
  await expect(page.getByRole('heading', { name: `Analytics: ${TREE}` })).toBeVisible();
  const summary = page.getByLabel('Summary');
  await expect(summary.getByText('Sessions', { exact: true }).locator('..')).toContainText('8');
  for (const chart of ['Drop-off by step', 'Outcome split', 'Time per step', 'Sessions over time'])
    await expect(page.getByLabel(chart).locator('svg.recharts-surface').first()).toBeVisible();
  await screenshot(page, 'insights-page');

  // Version 1 only: 7 sessions; its steps table counts the abandoned one at the action.
  await page.getByLabel('Version').selectOption({ label: 'Version 1' });
  await expect(page).toHaveURL(new RegExp(`version=${v1}`));
  await expect(summary.getByText('Sessions', { exact: true }).locator('..')).toContainText('7');
  const steps = page.getByRole('region', { name: 'Steps' });
  const action = steps.getByRole('row', { name: /Pull the paper out gently/ });
  // 5 sessions reached it: 3 went on, 1 was abandoned there, 1 is still there.
  await expect(action).toContainText('20 %');
  await screenshot(page, 'insights-version-1');

  // The steps table as CSV: what the table shows.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download Steps as CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  expect(csv).toContain('Step,Kind,Visits,Sessions,Ended here,Abandoned here,Drop-offs');
  expect(csv).toContain('Pull the paper out gently,action,5,5,1,1,1,0.2,');

  // A range that ends before it starts: the field says so, the figures stay.
  await page.getByLabel('From').fill('2030-01-10');
  await page.getByLabel('To').fill('2030-01-01');
  await expect(page.getByText('The range ends (2030-01-01) before it starts (2030-01-10).')).toBeVisible();
  await expect(summary).toBeVisible();
});

test('the editor draws a version’s figures on the graph', async () => {
  await page.goto(`/trees/${treeId}/edit`);
  await expect(page.getByTestId('save-status')).toHaveText(/^Saved/);
  await page.getByLabel('Heat', { exact: true }).selectOption({ label: 'Version 1' });
  const start = page.locator('.tree-node[data-node-id="n1"]');
  await expect(start).toContainText('7 visits');
  await expect(start).toHaveAttribute('data-heat', '1.00');
  await expect(page.locator('.tree-node[data-node-id="n2"]')).toContainText('5 visits');
  await screenshot(page, 'editor-heat-visits');
  await page.getByLabel('Heat figure').selectOption('drop_off');
  await expect(page.locator('.tree-node[data-node-id="n2"]')).toContainText('20 % drop-off');
  await screenshot(page, 'editor-heat-drop-off');
  await page.getByLabel('Heat', { exact: true }).selectOption({ label: 'Off' });
  await expect(start).not.toHaveAttribute('data-heat', /./);
});

test('technicians see no analytics', async ({ browser }) => {
  const { context: techContext, page: techPage } = await openPage(browser, DESKTOP);
  await signIn(techPage, tech.email, tech.password);
  await expect(techPage.getByRole('heading', { name: TREE })).toBeVisible();
  await expect(techPage.getByRole('link', { name: `Analytics of ${TREE}` })).toHaveCount(0);
  await techPage.goto(`/trees/${treeId}/insights`);
  await expect(techPage.getByText('This needs the role: admin, engineer.')).toBeVisible();
  await techContext.close();
});
