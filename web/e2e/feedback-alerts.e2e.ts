// Node feedback, change alerts and the escalation hand-off against the real app: a technician
// flags a step in the runner, an engineer sees it pinned to the node in the editor, replies and
// resolves it, and the technician is told in their history until they acknowledge it; a
// republished tree tells the technician what changed, once, until dismissed (and not again
// after a reload); an admin sets the escalation address and an escalated session shows its
// hand-off mail (without SMTP_HOST the worker logs it and counts it sent).

import { randomBytes } from 'node:crypto';

import type { BrowserContext, Page } from '@playwright/test';

import { api, publishedTree, registerAndSignIn } from './api';
import { DESKTOP, expect, openPage, screenshot, signIn, test } from './fixtures';

const suffix = randomBytes(4).toString('hex');
const admin = {
  full_name: 'Erin Engineer',
  email: `erin-${suffix}@example.com`,
  password: 'a long authoring passphrase',
  account_name: `Network Desk ${suffix}`,
};
const tech = {
  full_name: 'Theo Technician',
  email: `theo-${suffix}@example.com`,
  password: 'a long field passphrase',
};
const TITLE = `Router offline ${suffix}`;
const COMMENT = 'The lights are on the back, not the front';

const graph = {
  start: 'n1',
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Is the router powered on?',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'No', next: 's1' },
      ],
    },
    {
      id: 'n2',
      kind: 'question',
      title: 'Do the lights blink green?',
      options: [
        { id: 'o3', label: 'Yes', next: 's2' },
        { id: 'o4', label: 'No', next: 'e1' },
      ],
    },
    { id: 's1', kind: 'solution', title: 'Plug the router in' },
    { id: 's2', kind: 'solution', title: 'The router works' },
    { id: 'e1', kind: 'escalation', title: 'Escalate to the network team' },
  ],
};

test.describe.configure({ mode: 'serial' });

let author: { context: BrowserContext; page: Page };
let field: { context: BrowserContext; page: Page };
let adminToken = '';
let techToken = '';
let treeId = '';

const nodeTitle = (p: Page) => p.locator('h1.node-title');

test.beforeAll(async ({ browser, app }) => {
  ({ token: adminToken } = await registerAndSignIn(app.baseURL, admin));
  const invite = await api<{ code: string }>(app.baseURL, '/account/invites', {
    token: adminToken,
    body: { role: 'technician', max_uses: 1 },
    status: 201,
  });
  ({ token: techToken } = await registerAndSignIn(app.baseURL, { ...tech, invite_code: invite.code }));
  treeId = await publishedTree(app.baseURL, adminToken, { title: TITLE, graph });
  author = await openPage(browser, DESKTOP);
  field = await openPage(browser, DESKTOP);
});

test.afterAll(async () => {
  await author?.context.close();
  await field?.context.close();
});

test('a technician flags a step in the runner', async () => {
  const { page } = field;
  await signIn(page, tech.email, tech.password);
  await page.goto(`/trees/${treeId}/start`);
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(nodeTitle(page)).toHaveText('Do the lights blink green?');

  await page.getByRole('button', { name: 'Flag this step' }).click();
  const form = page.getByRole('form', { name: 'Flag this step' });
  // Sending without a reason is refused on the spot, nothing sent.
  await form.getByRole('button', { name: 'Send feedback' }).click();
  await expect(form.getByText('Choose what is wrong with it.')).toBeVisible();
  await form.getByLabel('Unclear').check();
  await form.getByLabel('Comment').fill(COMMENT);
  await screenshot(page, 'feedback-flag-form');
  await form.getByRole('button', { name: 'Send feedback' }).click();
  await expect(page.getByText('Thanks: “Unclear” went to the authors of this tree.')).toBeVisible();
  await expect(form).toHaveCount(0);
  await screenshot(page, 'feedback-flag-sent');
});

test('the engineer sees it pinned to the node in the editor, replies and resolves it', async () => {
  const { page } = author;
  await signIn(page, admin.email, admin.password);
  await page.goto(`/trees/${treeId}/edit`);
  const summary = page.locator('.feedback-summary');
  await expect(summary).toContainText('Open feedback from technicians on 1 node');
  const pinned = page.locator('.tree-node[data-node-id="n2"] .tree-node-feedback');
  await expect(pinned).toHaveText('1 ⚑');
  await expect(page.locator('.tree-node-feedback')).toHaveCount(1);

  await summary.getByRole('button', { name: 'Do the lights blink green?' }).click();
  const panel = page.getByRole('region', { name: /Feedback from technicians/ });
  const item = panel.getByRole('listitem', { name: `Unclear from ${tech.full_name}` });
  await expect(item).toContainText(COMMENT);
  await screenshot(page, 'feedback-editor-pinned');

  await item.getByLabel('Reply').fill('Thanks, rewording it now');
  await item.getByRole('button', { name: 'Reply' }).click();
  await expect(item.getByRole('list', { name: 'Replies' })).toContainText('Thanks, rewording it now');
  await item.getByLabel('Resolution note (shown to the technician)').fill('The step now says where the lights are.');
  await screenshot(page, 'feedback-editor-replied');
  await item.getByRole('button', { name: 'Resolve' }).click();
  await expect(panel).toHaveCount(0);
  await expect(summary).toHaveCount(0);
  await expect(page.locator('.tree-node-feedback')).toHaveCount(0);
  await screenshot(page, 'feedback-editor-resolved');
});

test('the technician is told it was resolved, until they acknowledge it', async () => {
  const { page } = field;
  await page.goto('/sessions');
  const notices = page.getByRole('region', { name: 'Your feedback was resolved' });
  await expect(notices).toContainText('Do the lights blink green?');
  await expect(notices).toContainText(`Resolved by ${admin.full_name}: The step now says where the lights are.`);
  await screenshot(page, 'feedback-resolved-notice');
  await notices.getByRole('button', { name: 'Got it' }).click();
  await expect(notices).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Session history' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Your feedback was resolved' })).toHaveCount(0);
});

test('a republished tree tells the technician what changed, once', async ({ app }) => {
  // The engineer rewords the flagged step and adds a check before the escalation.
  const detail = await api<{ draft_revision: number; draft: { graph: typeof graph } }>(
    app.baseURL,
    `/trees/${treeId}`,
    {
      token: adminToken,
    },
  );
  const next = structuredClone(detail.draft.graph);
  const n2 = next.nodes.find((n) => n.id === 'n2');
  if (!n2?.options) throw new Error('n2 is missing');
  n2.title = 'Do the lights on the back blink green?';
  const no = n2.options.find((o) => o.id === 'o4');
  if (no) no.next = 'n3';
  next.nodes.push({
    id: 'n3',
    kind: 'question',
    title: 'Is the network cable plugged in?',
    options: [{ id: 'o5', label: 'Yes', next: 'e1' }],
  });
  await api(app.baseURL, `/trees/${treeId}`, {
    method: 'PUT',
    token: adminToken,
    body: { base_revision: detail.draft_revision, graph: next },
  });
  await api(app.baseURL, `/trees/${treeId}/publish`, {
    token: adminToken,
    body: { changelog: 'Lights are on the back; cable check added' },
    status: 201,
  });

  const { page } = field;
  await page.goto(`/trees/${treeId}/start`);
  const alert = page.getByRole('region', { name: 'This tree changed since you last ran it' });
  await expect(alert).toContainText('You ran version 1; this is version 2.');
  await expect(alert.getByRole('list', { name: 'Changelog' })).toContainText(
    'v2 Lights are on the back; cable check added',
  );
  await expect(alert.locator('.change-alert-group', { hasText: 'New steps' })).toContainText(
    'Is the network cable plugged in?',
  );
  await expect(alert.locator('.change-alert-group', { hasText: 'Reworded steps' })).toContainText(
    'Do the lights on the back blink green?',
  );
  await screenshot(page, 'change-alert-shown');
  await alert.getByRole('button', { name: 'Got it, dismiss' }).click();
  await expect(alert).toHaveCount(0);
  await screenshot(page, 'change-alert-dismissed');

  // Dismissed for good: not after a reload, not in the runner, not through the API.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
  await expect(page.getByRole('region', { name: 'This tree changed since you last ran it' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(nodeTitle(page)).toHaveText('Do the lights on the back blink green?');
  await expect(page.getByRole('region', { name: 'This tree changed since you last ran it' })).toHaveCount(0);
  const state = await api<{ alert: unknown }>(app.baseURL, `/trees/${treeId}/change-alert`, { token: techToken });
  expect(state.alert).toBeNull();
});

test('the admin sets the escalation address; an escalated session shows its hand-off mail', async () => {
  const { page: adminPage } = author;
  await adminPage.goto('/account');
  const card = adminPage.getByRole('region', { name: 'Escalation hand-off' });
  await card.getByLabel('Escalation address', { exact: true }).fill('not an address');
  await card.getByRole('button', { name: 'Save address' }).click();
  await expect(card.locator('.field-error')).toBeVisible();
  await card.getByLabel('Escalation address', { exact: true }).fill(`tier2-${suffix}@example.com`);
  await card.getByRole('button', { name: 'Save address' }).click();
  await expect(card.getByText(`Escalations are mailed to tier2-${suffix}@example.com.`)).toBeVisible();
  await screenshot(adminPage, 'handoff-account-setting');

  // The technician's session (now at the reworded step) goes on to the escalation.
  const { page } = field;
  await page.getByRole('button', { name: 'No', exact: true }).click();
  await expect(nodeTitle(page)).toHaveText('Is the network cable plugged in?');
  await page.getByRole('button', { name: 'Yes', exact: true }).click();
  await expect(nodeTitle(page)).toHaveText('Escalate to the network team');
  await page.getByRole('region', { name: 'Complete the session' }).getByRole('button', { name: 'Complete' }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  const handoff = page.getByRole('region', { name: 'Escalation hand-off' });
  await expect(handoff).toContainText(`tier2-${suffix}@example.com`);
  // The worker delivers it in the background; the session shows it once sent.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('region', { name: 'Escalation hand-off' })).toContainText('was mailed to', {
      timeout: 2_000,
    });
  }).toPass({ timeout: 30_000 });
  await screenshot(page, 'handoff-session-sent');
  await page.goto('/sessions');
  await expect(page.locator('.session-row', { hasText: TITLE }).getByText('hand-off mailed')).toBeVisible();
  await screenshot(page, 'handoff-history-badge');
});
