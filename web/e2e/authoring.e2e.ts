// Authoring beyond the first publish: the versions panel (compare two versions on the graph,
// restore one and undo), a logic rule with a label that a technician sees in their path, a
// next step added to the rule branch the author picked, publishing through the dialog that
// shows the changes against the live version first, and the library's actions (archive and
// restore, duplicate, export and import, delete with a confirmation).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { BrowserContext, Page } from '@playwright/test';

import { api, registerAndSignIn } from './api';
import { DESKTOP, expect, openPage, screenshot, signIn, test } from './fixtures';

const suffix = randomBytes(4).toString('hex');
const author = {
  full_name: 'Ada Author',
  email: `ada-${suffix}@example.com`,
  password: 'authoring long passphrase',
  account_name: `Router Desk ${suffix}`,
};
const tech = {
  full_name: 'Theo Technician',
  email: `theo-${suffix}@example.com`,
  password: 'technician long passphrase',
};
const TREE = `Office router offline ${suffix}`;
const SAVED = /^Saved \(revision (\d+)\)$/;

type Graph = Record<string, unknown>;

/** v1: ask where the customer is; v2 (published next) rewords a step, adds one and drops one. */
const V1: Graph = {
  start: 'n1',
  variables: [
    {
      name: 'location',
      label: 'Where is the customer?',
      type: 'choice',
      choices: ['office', 'home'],
      required: 'optional',
    },
  ],
  nodes: [
    {
      id: 'n1',
      kind: 'question',
      title: 'Are the router lights on?',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'No', next: 'n3' },
      ],
      position: { x: 200, y: 0 },
    },
    {
      id: 'n2',
      kind: 'logic',
      title: 'Where is the customer?',
      rules: [{ when: 'location == "home"', label: 'Customer works from home', next: 'n4' }],
      default: 'n4',
      position: { x: 0, y: 160 },
    },
    { id: 'n3', kind: 'solution', title: 'Plug the router in', position: { x: 400, y: 160 } },
    { id: 'n4', kind: 'escalation', title: 'Send a field technician', position: { x: 0, y: 320 } },
  ],
};
const V2: Graph = {
  ...V1,
  nodes: [
    (V1.nodes as Graph[])[0],
    (V1.nodes as Graph[])[1],
    { id: 'n3', kind: 'solution', title: 'Plug the router into a wall socket', position: { x: 400, y: 160 } },
    { id: 'n5', kind: 'escalation', title: 'Call the network team', position: { x: 0, y: 320 } },
  ].map((n) =>
    n.id === 'n2'
      ? { ...n, rules: [{ when: 'location == "home"', label: 'Customer works from home', next: 'n5' }], default: 'n5' }
      : n,
  ),
};

// One desktop browser for Ada through the whole file: each test goes on from the one before.
test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let token = '';
let treeId = '';
let techToken = '';

const saveStatus = () => page.getByTestId('save-status');
const panel = () => page.getByRole('region', { name: /^Node n\d+$/ });
const canvasNodes = () => page.getByTestId('compare-canvas').locator('.react-flow__node');

test.beforeAll(async ({ browser, app }) => {
  ({ token } = await registerAndSignIn(app.baseURL, author));
  const tree = await api<{ id: string; draft_revision: number }>(app.baseURL, '/trees', {
    token,
    body: { title: TREE, description: 'The office router shows no internet.', tags: ['router'], graph: V1 },
  });
  treeId = tree.id;
  await api(app.baseURL, `/trees/${treeId}/publish`, { token, body: { changelog: 'First version' } });
  const draft = await api<{ draft_revision: number }>(app.baseURL, `/trees/${treeId}`, { token });
  await api(app.baseURL, `/trees/${treeId}`, {
    method: 'PUT',
    token,
    body: { base_revision: draft.draft_revision, graph: V2 },
  });
  await api(app.baseURL, `/trees/${treeId}/publish`, {
    token,
    body: { changelog: 'Clearer plug step; escalate to the network team' },
  });
  // A technician of the same team.
  const invite = await api<{ code: string }>(app.baseURL, '/account/invites', {
    token,
    body: { role: 'technician' },
  });
  ({ token: techToken } = await registerAndSignIn(app.baseURL, { ...tech, invite_code: invite.code }));

  ({ context, page } = await openPage(browser, DESKTOP));
  await signIn(page, author.email, author.password);
});

test.afterAll(async () => {
  await context?.close();
});

test('lists the versions, compares v1 with v2 on the graph, restores v1 and undoes it', async () => {
  await page.goto(`/trees/${treeId}/edit`);
  await expect(saveStatus()).toHaveText(SAVED);
  await page.getByRole('tab', { name: 'Versions' }).click();
  const versions = page.getByRole('list', { name: 'Published versions' });
  const v2 = versions.getByRole('listitem', { name: 'Version 2' });
  const v1 = versions.getByRole('listitem', { name: 'Version 1' });
  await expect(v2).toContainText('Clearer plug step; escalate to the network team');
  await expect(v2.getByText('live', { exact: true })).toBeVisible();
  await expect(v2).toContainText(`by ${author.full_name}`);
  await expect(v2).toContainText('0 sessions run on it');
  await expect(v1).toContainText('First version');
  await expect(v1.getByText('live', { exact: true })).toHaveCount(0);

  // Compare v1 with v2: added, removed and changed nodes and edges are coloured on the graph.
  await page.getByLabel('Compare', { exact: true }).selectOption('1');
  await page.getByLabel('with').selectOption('2');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Changes from version 1 to version 2' })).toBeVisible();
  await expect(canvasNodes()).toHaveCount(5); // n1-n3, n5 added, n4 removed
  const diffOf = (id: string) => page.locator(`.react-flow__node[data-id="${id}"] .tree-node`);
  await expect(diffOf('n5')).toHaveAttribute('data-diff', 'added');
  await expect(diffOf('n4')).toHaveAttribute('data-diff', 'removed');
  await expect(diffOf('n3')).toHaveAttribute('data-diff', 'changed');
  await expect(diffOf('n2')).toHaveAttribute('data-diff', 'changed'); // its rule and default moved
  await expect(diffOf('n1')).not.toHaveAttribute('data-diff');
  await expect(page.getByTestId('rf__edge-n2|d')).toHaveClass(/diff-added/);
  await expect(page.getByTestId('rf__edge-n2|d|was')).toHaveClass(/diff-removed/);
  const legend = page.getByRole('list', { name: 'Legend' });
  await expect(legend).toContainText('Added: 1 node, 2 links');
  await expect(legend).toContainText('Removed: 1 node, 2 links');
  await expect(legend).toContainText('Changed: 2 nodes, 0 links');
  const links = page.getByRole('list', { name: 'Changed links' });
  await expect(links.getByRole('listitem').filter({ hasText: 'added' })).toHaveCount(2);
  await expect(links).toContainText('Where is the customer? → Call the network team (Otherwise) added');
  // The list names the changes; picking one shows its fields before and after.
  const changes = page.getByRole('list', { name: 'Changed nodes' });
  await changes.getByRole('button', { name: 'Plug the router into a wall socket' }).click();
  const compared = page.getByRole('region', { name: 'Compared node n3' });
  await expect(compared.getByRole('row', { name: /Title/ })).toContainText('Plug the router in');
  await expect(compared.getByRole('row', { name: /Title/ })).toContainText('Plug the router into a wall socket');
  await screenshot(page, 'versions-compare-v1-v2');
  await page.getByRole('button', { name: 'Close compare' }).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(4);

  // Restore v1 into the draft (asked first), then undo.
  await v1.getByRole('button', { name: 'Restore into draft' }).click();
  const confirm = page.getByRole('dialog', { name: 'Restore version 1 into the draft?' });
  await expect(confirm).toContainText('The live version does not change until you publish');
  await confirm.getByRole('button', { name: 'Restore version 1' }).click();
  await expect(page.getByText('Version 1 restored into the draft.')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n4"]')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n5"]')).toHaveCount(0);
  const restoredRevision = Number(SAVED.exec((await saveStatus().textContent()) ?? '')?.[1]);
  await screenshot(page, 'versions-restored-v1');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('Restore undone: the draft is as it was.')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n5"]')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n4"]')).toHaveCount(0);
  await expect(saveStatus()).toHaveText(`Saved (revision ${restoredRevision + 1})`);
  // The server has it too.
  await page.reload();
  await expect(page.locator('.react-flow__node[data-id="n5"]')).toBeVisible();
  await expect(page.locator('.react-flow__node[data-id="n4"]')).toHaveCount(0);
});

test('authors a labelled rule, adds its next step to that branch and publishes through the dialog', async () => {
  await page.getByLabel('Go to node').selectOption('n2');
  await expect(page.getByRole('region', { name: 'Node n2' })).toBeVisible();
  await panel().getByRole('button', { name: 'Add rule' }).click();
  await panel().getByLabel('Rule 2 label (what technicians see)').fill('Customer is in the office');
  // The condition offers the tree's variables as one types, and shows a mistake where it is.
  const when = panel().getByLabel('Rule 2: when');
  await when.pressSequentially('loc');
  const suggestions = panel().getByRole('listbox', { name: 'Variables and operators' });
  await expect(suggestions.getByRole('option', { name: /location/ })).toBeVisible();
  await when.press('Enter');
  await expect(when).toHaveValue('location ');
  await when.pressSequentially('= "office"');
  const problem = panel().getByRole('alert').filter({ hasText: "Use '==' to compare." });
  await expect(problem).toContainText('(at character 10)');
  await screenshot(page, 'rule-parse-error');
  await when.fill('location == "office"');
  await expect(problem).toHaveCount(0);
  // Rule 1 and the default already lead somewhere; the next step goes to the branch picked here.
  const branch = panel().getByLabel('To the branch');
  await branch.selectOption({ label: 'Rule 2: Customer is in the office' });
  await panel().getByRole('button', { name: '+ Solution', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Node n6' })).toBeVisible();
  await expect(page.getByText('Added to Rule 2: Customer is in the office of “Where is the customer?”.')).toBeVisible();
  await page.locator('#node-n6-title').fill('Restart the office router');
  // Try the rules against sample values, as a session would decide.
  await page.getByLabel('Go to node').selectOption('n2');
  const tryIt = panel().getByRole('group', { name: 'Try the rules' });
  await expect(tryIt.getByRole('status')).toHaveText(
    'No rule is true: the session goes to Call the network team (otherwise).',
  );
  await tryIt.getByLabel('Where is the customer? location').selectOption('office');
  await expect(tryIt.getByRole('status')).toHaveText(
    'Rule 2 (“Customer is in the office”) is the first true rule: the session goes to Restart the office router.',
  );
  await tryIt.getByLabel('Where is the customer? location').selectOption('home');
  await expect(tryIt.getByRole('status')).toContainText('Rule 1 (“Customer works from home”) is the first true rule');
  // The edge leaves from the rule (n2|r|1); rule 1 and the default still lead to n5.
  await expect(page.getByTestId('rf__edge-n2|r|1')).toHaveAttribute('aria-label', 'Edge from n2 to n6');
  await expect(page.getByTestId('rf__edge-n2|r|0')).toHaveAttribute('aria-label', 'Edge from n2 to n5');
  await expect(page.getByTestId('rf__edge-n2|d')).toHaveAttribute('aria-label', 'Edge from n2 to n5');

  // Publish: the dialog saves, shows what changes against the live version 2, asks for a line.
  await page.getByRole('button', { name: 'Publish…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Publish version 3' });
  await expect(dialog).toContainText('Against the live version 2:');
  await expect(dialog).toContainText('Added: Restart the office router');
  await expect(dialog).toContainText('Changed: Where is the customer?');
  await dialog.getByRole('button', { name: 'Publish version 3' }).click();
  await expect(dialog.getByText('Say in one line what changed')).toBeVisible();
  await screenshot(page, 'publish-dialog');
  await dialog.getByLabel('Changelog').fill('Office customers restart the router themselves');
  await dialog.getByRole('button', { name: 'Publish version 3' }).click();
  await expect(page.getByText('Published version 3.')).toBeVisible();
  await expect(dialog).toHaveCount(0);
  await page.getByRole('tab', { name: 'Versions' }).click();
  const v3 = page.getByRole('list', { name: 'Published versions' }).getByRole('listitem', { name: 'Version 3' });
  await expect(v3).toContainText('Office customers restart the router themselves');
  await expect(v3.getByText('live', { exact: true })).toBeVisible();
});

test("a technician's path shows the rule's label, not its expression", async ({ app, browser }) => {
  const session = await api<{ id: string }>(app.baseURL, '/sessions', {
    token: techToken,
    body: { tree_id: treeId, variables: { location: 'office' } },
  });
  const { context: techContext, page: techPage } = await openPage(browser, DESKTOP);
  try {
    await signIn(techPage, tech.email, tech.password);
    // Archived and draft trees are never offered to technicians; this one is published.
    await techPage.goto(`/sessions/${session.id}`);
    await expect(techPage.locator('h1.node-title')).toHaveText('Are the router lights on?');
    await techPage.getByRole('button', { name: 'Yes', exact: true }).click();
    await expect(techPage.locator('h1.node-title')).toHaveText('Restart the office router');
    // On the way, the crumb of the logic step (passed automatically, so no way back to it)
    // names the rule's label.
    const trail = techPage.getByRole('navigation', { name: 'Path' });
    await expect(trail.getByText('Where is the customer?')).toHaveAttribute(
      'title',
      'Passed automatically: Customer is in the office',
    );
    const complete = techPage.getByRole('region', { name: 'Complete the session' });
    await complete.getByRole('button', { name: 'Complete' }).click();
    await expect(techPage.getByRole('heading', { name: 'Session complete' })).toBeVisible();
    const step = techPage.getByRole('listitem').filter({ hasText: 'Where is the customer?' });
    await expect(step).toHaveText('Where is the customer? → Customer is in the office');
    await expect(techPage.getByText('location ==')).toHaveCount(0);
    await screenshot(techPage, 'technician-path-rule-label');
  } finally {
    await techContext.close();
  }
});

test('archives, restores, duplicates, exports, imports and deletes trees from the library', async ({ app }) => {
  await page.goto('/trees');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: TREE, exact: true }) });
  await expect(card).toHaveCount(1);
  const more = card.getByRole('button', { name: `More actions for ${TREE}` });

  // Archive: gone for technicians, shown to authors under Status: Archived; then restored.
  await more.click();
  await card.getByRole('button', { name: 'Archive' }).click();
  await expect(page.getByText(`“${TREE}” archived`)).toBeVisible();
  await expect(card.getByText('Archived', { exact: true })).toBeVisible();
  const techList = await api<{ items: { id: string }[] }>(app.baseURL, '/trees?limit=100', { token: techToken });
  expect(techList.items.map((t) => t.id)).not.toContain(treeId);
  await page.getByLabel('Status').selectOption('archived');
  await expect(card).toHaveCount(1);
  await screenshot(page, 'library-archived');
  await more.click();
  await card.getByRole('button', { name: 'Restore from archive' }).click();
  await expect(page.getByText(`“${TREE}” restored: technicians see it again.`)).toBeVisible();
  await expect(card).toHaveCount(0); // no longer archived
  await page.getByLabel('Status').selectOption('');
  await expect(card.getByText('Published', { exact: true })).toBeVisible();

  // Export: a JSON file of the tree.
  await more.click();
  const downloaded = page.waitForEvent('download');
  await card.getByRole('button', { name: 'Export as a file' }).click();
  const download = await downloaded;
  expect(download.suggestedFilename()).toBe(`office-router-offline-${suffix}.troubletree.json`);
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as { tree: { title: string } };
  expect(exported.tree.title).toBe(TREE);

  // Import: a file that is not JSON, one that is not a tree, then the exported one (renamed).
  const importInput = page.getByLabel('Import a tree file');
  await importInput.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByText('“notes.txt” is not a tree file: it is not JSON.')).toBeVisible();
  await importInput.setInputFiles({
    name: 'other.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ hello: 'world' })),
  });
  const importAlert = page.getByRole('alert').filter({ hasText: 'The file could not be imported' });
  await expect(importAlert).toContainText('tree: Field required');
  await expect(importAlert).toContainText('hello: Extra inputs are not permitted');
  await screenshot(page, 'library-import-error');
  const IMPORTED = `Imported router guide ${suffix}`;
  await importInput.setInputFiles({
    name: 'router.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ ...exported, tree: { ...exported.tree, title: IMPORTED } })),
  });
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/edit$/);
  await expect(page.getByLabel('Tree title')).toHaveValue(IMPORTED);
  await expect(page.locator('.react-flow__node')).toHaveCount(5);

  // Duplicate: a draft copy opens in the editor.
  await page.getByRole('link', { name: 'Library', exact: true }).first().click();
  await more.click();
  await card.getByRole('button', { name: 'Duplicate' }).click();
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/edit$/);
  await expect(page.getByLabel('Tree title')).toHaveValue(`Copy of ${TREE}`);
  await expect(page.locator('.react-flow__node')).toHaveCount(5);

  // Delete the copy, asked first.
  await page.getByRole('link', { name: 'Library', exact: true }).first().click();
  const copy = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: `Copy of ${TREE}` }) });
  await copy.getByRole('button', { name: `More actions for Copy of ${TREE}` }).click();
  await copy.getByRole('button', { name: 'Delete…' }).click();
  const confirm = page.getByRole('dialog', { name: `Delete “Copy of ${TREE}”?` });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(copy).toHaveCount(1);
  await copy.getByRole('button', { name: 'Delete…' }).click();
  await confirm.getByRole('button', { name: 'Delete the tree' }).click();
  await expect(page.getByText(`“Copy of ${TREE}” deleted.`)).toBeVisible();
  await expect(copy).toHaveCount(0);
  await expect(card).toHaveCount(1);
});

test('every template is a tree that can be published; one is started and published from the library', async ({
  app,
}) => {
  // Each starter tree shipped with the product passes the server's checks as it is.
  const templates = await api<{ id: string; title: string; node_count: number }[]>(app.baseURL, '/trees/templates', {
    token,
  });
  expect(templates.length).toBeGreaterThanOrEqual(3);
  for (const template of templates) {
    const tree = await api<{ id: string }>(app.baseURL, '/trees/from-template', {
      token,
      body: { template_id: template.id },
      status: 201,
    });
    const report = await api<{ is_valid: boolean; problems: unknown[] }>(app.baseURL, `/trees/${tree.id}/validate`, {
      token,
      body: {},
    });
    expect(report, template.title).toEqual({ is_valid: true, problems: [] });
    await fetch(`${app.baseURL}/api/v1/trees/${tree.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
  }
  const laptop = templates.find((t) => t.id === 'laptop-wont-power-on');
  expect(laptop).toBeDefined();

  await page.goto('/trees');
  await page.getByRole('button', { name: 'New from template' }).click();
  const picker = page.getByRole('dialog', { name: 'New tree from a template' });
  await expect(picker.getByRole('listitem')).toHaveCount(templates.length);
  await screenshot(page, 'library-templates');
  await picker.getByRole('button', { name: `Use ${laptop?.title}` }).click();
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/edit$/);
  await expect(page.getByLabel('Tree title')).toHaveValue(laptop?.title ?? '');
  await expect(page.locator('.react-flow__node')).toHaveCount(laptop?.node_count ?? 0);
  await page.getByRole('button', { name: 'Publish…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Publish version 1' });
  await expect(dialog).toContainText('This is the first version');
  await dialog.getByLabel('Changelog').fill('From the template');
  await dialog.getByRole('button', { name: 'Publish version 1' }).click();
  await expect(page.getByText('Published version 1.')).toBeVisible();
  await page.getByRole('link', { name: 'Library', exact: true }).first().click();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: laptop?.title }) });
  await expect(card.getByText('Published', { exact: true })).toBeVisible();
});

test('search forgives typing errors in every word; one that finds nothing offers "did you mean", the most used trees, and is listed for authors', async () => {
  const laptopCard = page
    .getByRole('list', { name: 'Trees', exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: "Laptop won't power on" }) });
  // A letter changed in one word, two swapped in another: found anyway, the corrected words marked.
  await page.getByLabel('Search trees').fill('labtop pwoer');
  await expect(laptopCard.getByRole('heading').locator('mark')).toHaveText(['Laptop', 'power']);
  await expect(page.getByRole('list', { name: 'Trees', exact: true }).getByRole('heading')).toHaveCount(1);
  await screenshot(page, 'library-search-typos-forgiven');
  // Too far from any word to be forgiven, near enough to be suggested.
  await page.getByLabel('Search trees').fill('chargerxyz');
  const empty = page.getByRole('region', { name: 'No results' });
  await expect(empty).toContainText('No tree matches “chargerxyz”.');
  await expect(empty).toContainText('Did you mean charger?');
  const popular = empty.getByRole('list', { name: 'Most used trees' });
  await expect(popular.getByRole('listitem').first()).toContainText(TREE);
  await expect(popular.getByRole('listitem').first()).toContainText('(used 1 time)');
  // Authors see what was searched for in vain.
  const misses = page.getByRole('list', { name: 'Searches that found nothing' });
  await expect(misses.getByRole('listitem').filter({ hasText: 'chargerxyz' })).toContainText('(1 time, last');
  await screenshot(page, 'library-search-did-you-mean');
  await empty.getByRole('button', { name: 'charger', exact: true }).click();
  await expect(page.getByLabel('Search trees')).toHaveValue('charger');
  await expect(page.getByRole('list', { name: 'Trees', exact: true }).getByRole('heading')).toHaveCount(1);
  await expect(laptopCard).toHaveCount(1);
  // Nothing near: the query is said back, with the most used trees, which open their start screens.
  await page.getByLabel('Search trees').fill('zzqxv');
  await expect(empty).toContainText('No tree matches “zzqxv”.');
  await expect(empty).not.toContainText('Did you mean');
  await screenshot(page, 'library-search-empty-most-used');
  await popular.getByRole('link', { name: TREE }).click();
  await expect(page).toHaveURL(/\/trees\/[0-9a-f-]{36}\/start$/);
  await expect(page.getByText('Are the router lights on?').first()).toBeVisible();
  await page.goBack();
  await empty.getByRole('button', { name: 'Clear the search' }).click();
  await expect(page.getByLabel('Search trees')).toHaveValue('');
  await expect(laptopCard).toHaveCount(1);
  await expect(misses.getByRole('listitem').filter({ hasText: 'zzqxv' })).toBeVisible();
});
