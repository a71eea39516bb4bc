// Integrations: an admin registers a webhook endpoint and reads its delivery log (a real
// receiver on loopback that fails the first delivery), sends a delivery again; a help-desk start
// link opens the runner with its values filled in, in the app and embedded in another page.

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { BrowserContext, Page } from '@playwright/test';

import { api, publishedTree, registerAndSignIn } from './api';
import { expect, openPage, screenshot, signIn, test } from './fixtures';

const user = {
  full_name: 'Hana Helpdesk',
  email: `hana-${randomBytes(4).toString('hex')}@example.com`,
  password: 'helpdesk long passphrase',
  account_name: 'Help Desk Crew',
};

const GRAPH = {
  start: 'q1',
  variables: [
    { name: 'ticket', label: 'Ticket number', type: 'text', required: 'at_start' },
    { name: 'customer', label: 'Customer', type: 'text', required: 'optional' },
    { name: 'serial', label: 'Serial number', type: 'text', required: 'at_start' },
  ],
  nodes: [
    {
      id: 'q1',
      kind: 'question',
      title: 'Ticket {{ticket}}: does unit {{serial}} power on?',
      body: 'Customer: **{{customer}}**',
      options: [{ id: 'yes', label: 'Yes', next: 's1' }],
    },
    { id: 's1', kind: 'solution', title: 'Solved' },
  ],
};

// A webhook receiver (the first request answers 500) that also serves a help-desk page with
// the embedded runner.
let hooks: { statuses: number[]; bodies: string[] } = { statuses: [500], bodies: [] };
let embedPage = '';
let receiver: Server;
let receiverURL = '';

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let token = '';
let slug = '';

test.beforeAll(async ({ browser, app }) => {
  receiver = createServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(embedPage);
      return;
    }
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const status = hooks.statuses[hooks.bodies.length] ?? 200;
      hooks.bodies.push(body);
      response.writeHead(status, { 'Content-Type': 'text/plain' });
      response.end(status === 200 ? 'thanks' : 'try later');
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverURL = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  hooks = { statuses: [500], bodies: [] };
  const signedUp = await registerAndSignIn(app.baseURL, user);
  token = signedUp.token;
  slug = (signedUp.registered as unknown as { account: { slug: string } }).account.slug;
  ({ context, page } = await openPage(browser));
  await signIn(page, user.email, user.password);
});

test.afterAll(async () => {
  await context?.close();
  await new Promise<void>((done) => receiver.close(() => done()));
});

test('an admin registers a webhook and reads its delivery log', async ({ app }) => {
  await page.goto('/account');
  await page.getByRole('link', { name: 'Webhooks and embedding' }).click();
  await expect(page.getByRole('heading', { name: 'Webhooks and embedding', level: 1 })).toBeVisible();
  await page.getByLabel('Endpoint URL').fill(`${receiverURL}/hooks/troubletree`);
  await page.getByLabel('Description').fill('Help desk');
  await page.getByRole('checkbox', { name: 'tree.published' }).check();
  await page.getByRole('button', { name: 'Register endpoint' }).click();
  await expect(page.getByTestId('webhook-secret')).toContainText('whsec_');
  await expect(page.getByTestId('webhook')).toContainText('tree.published');
  await screenshot(page, 'integrations-webhook-registered');

  // An event: publishing a tree. The first delivery fails (500), the retry succeeds.
  await publishedTree(app.baseURL, token, { title: 'Router will not boot', graph: GRAPH });
  await page.getByRole('button', { name: 'Delivery log' }).click();
  const delivery = page.getByTestId('delivery').first();
  await expect(delivery).toContainText('tree.published');
  await expect(delivery).toContainText('delivered', { timeout: 60_000 });
  const rows = delivery.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('500');
  await expect(rows.nth(0)).toContainText('try later');
  await expect(rows.nth(1)).toContainText('200');
  await expect(rows.nth(1)).toContainText('thanks');

  await delivery.getByRole('button', { name: 'Send again' }).click();
  await expect(rows).toHaveCount(3, { timeout: 30_000 });
  await expect(delivery).toContainText('delivered');
  expect(hooks.bodies).toHaveLength(3);
  expect(new Set(hooks.bodies).size).toBe(1);
  await screenshot(page, 'integrations-delivery-log');
});

async function startLink(baseURL: string, ticket: string): Promise<{ url: string; embed_url: string }> {
  const trees = await api<{ items: { id: string; title: string }[] }>(baseURL, '/trees?limit=50', { token });
  const tree = trees.items.find((t) => t.title === 'Router will not boot');
  if (!tree) throw new Error('the tree is missing');
  return api(baseURL, '/start-links', {
    token,
    body: { tree_id: tree.id, variables: { ticket, customer: 'Acme GmbH', serial: 'SN-4242' } },
  });
}

test('a start link opens the runner with the values filled in, once', async ({ app }) => {
  const link = await startLink(app.baseURL, 'HD-1001');
  await page.goto(new URL(link.url).pathname + new URL(link.url).hash);
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Ticket HD-1001: does unit SN-4242 power on?' })).toBeVisible();
  await expect(page.getByText('Acme GmbH')).toBeVisible();
  await screenshot(page, 'integrations-start-link-runner');

  // The same link again: used.
  await page.goto(new URL(link.url).pathname + new URL(link.url).hash);
  await expect(page.getByText('already used')).toBeVisible();
});

test('the runner embedded in a help-desk page', async ({ app, browser }) => {
  await api(app.baseURL, '/integrations/embed', {
    method: 'PUT',
    token,
    body: { allowed_origins: [receiverURL] },
  });
  const link = await startLink(app.baseURL, 'HD-2002');
  const embedURL = new URL(link.embed_url);
  expect(embedURL.pathname).toBe(`/embed/${slug}/start-link`);
  embedPage = `<!doctype html><title>Help desk</title><h1>Ticket HD-2002</h1>
    <iframe title="TroubleTree" src="${app.baseURL}${embedURL.pathname}${embedURL.hash}" width="900" height="560"></iframe>`;
  const { context: desk, page: deskPage } = await openPage(browser);
  try {
    await deskPage.goto(`${receiverURL}/ticket`);
    const frame = deskPage.frameLocator('iframe[title="TroubleTree"]');
    // Inside the frame the same sign-in rules apply.
    await frame.getByLabel('Email').fill(user.email);
    await frame.getByLabel('Password').fill(user.password);
    await frame.getByLabel('Password').press('Enter');
    await expect(frame.getByRole('heading', { name: 'Ticket HD-2002: does unit SN-4242 power on?' })).toBeVisible();
    await expect(frame.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await screenshot(deskPage, 'integrations-embedded-runner');
  } finally {
    await desk.close();
  }
});
