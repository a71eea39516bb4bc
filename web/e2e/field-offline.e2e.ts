// Field work without a connection against the real app: a technician opens a
// published tree online (the app and the tree stay on the device), the network goes away
// (context.setOffline), and they start a session, answer, attach a photo (with a GPS location in
// its EXIF) and complete it offline, seeing what waits to sync. The network returns: the queue
// syncs in order, once, and the session is in the history with its photo (stripped of its
// location) and in the PDF transcript with the photo's thumbnail.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from '@playwright/test';

import { api, publishedTree, registerAndSignIn } from './api';
import { expect, screenshot, signIn, test } from './fixtures';

const suffix = randomBytes(4).toString('hex');
const TREE = `Boiler pressure ${suffix}`;
const PHOTO = join(import.meta.dirname, 'files', 'panel-gps.jpg');

/** Waits until the service worker has precached the app and controls the page. */
async function appWorksOffline(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(
          async () => !!(await navigator.serviceWorker.ready).active && !!navigator.serviceWorker.controller,
        ),
      { timeout: 30_000 },
    )
    .toBe(true);
}

const graph = {
  start: 'q1',
  variables: [],
  nodes: [
    {
      id: 'q1',
      kind: 'question',
      title: 'Is the pressure gauge below 1 bar?',
      options: [
        { id: 'low', label: 'Yes, below 1 bar', next: 'a1' },
        { id: 'ok', label: 'No', next: 'e1' },
      ],
    },
    {
      id: 'a1',
      kind: 'action',
      title: 'Top up the system through the filling loop',
      options: [{ id: 'done', label: 'Done, it holds 1.5 bar', next: 's1' }],
    },
    { id: 's1', kind: 'solution', title: 'Pressure restored' },
    { id: 'e1', kind: 'escalation', title: 'Call the heating engineer' },
  ],
};

test('a session run offline with a photo syncs once and shows in the history and the PDF', async ({
  page,
  context,
  app,
}) => {
  const admin = {
    full_name: 'Ada Admin',
    email: `ada-${suffix}@example.com`,
    password: 'field work passphrase',
    account_name: `Heating ${suffix}`,
  };
  const { token: adminToken } = await registerAndSignIn(app.baseURL, admin);
  const treeId = await publishedTree(app.baseURL, adminToken, { title: TREE, graph });
  const invite = await api<{ code: string }>(app.baseURL, '/account/invites', {
    token: adminToken,
    body: { role: 'technician', max_uses: 1 },
  });
  const tech = {
    full_name: 'Fin Field',
    email: `fin-${suffix}@example.com`,
    password: 'basement passphrase',
    invite_code: invite.code,
  };
  const { token: techToken } = await registerAndSignIn(app.baseURL, tech);

  // Online: the app installs its service worker, and opening the tree keeps it on the device.
  await signIn(page, tech.email, tech.password);
  await page.goto(`/trees/${treeId}/start`);
  await expect(page.getByRole('heading', { name: TREE })).toBeVisible();
  await appWorksOffline(page);
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const open = indexedDB.open('troubletree-offline');
            open.onsuccess = () => {
              const request = open.result.transaction('trees').objectStore('trees').count();
              request.onsuccess = () => resolve(request.result);
            };
            open.onerror = () => resolve(0);
          }),
      ),
    )
    .toBe(1);

  // Offline: start, answer, photo, complete.
  await context.setOffline(true);
  await expect(page.getByRole('button', { name: 'Start offline' })).toBeVisible();
  await page.getByRole('button', { name: 'Start offline' }).click();
  await expect(page).toHaveURL(/\/field\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Is the pressure gauge below 1 bar?' })).toBeVisible();
  await page.getByLabel('Note on this step').fill('Gauge read 0.4 bar');
  await page.getByRole('button', { name: /Yes, below 1 bar/ }).click();
  await expect(page.getByRole('heading', { name: 'Top up the system through the filling loop' })).toBeVisible();
  await page.locator('input[type=file]').setInputFiles(PHOTO);
  await expect(page.getByRole('img', { name: 'panel-gps.jpg' })).toBeVisible();
  await page.getByRole('button', { name: /Done, it holds 1.5 bar/ }).click();
  await expect(page.getByRole('heading', { name: 'Pressure restored' })).toBeVisible();
  await page.getByRole('button', { name: /Complete/ }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  const sync = page.getByRole('region', { name: 'Sync' });
  await expect(sync.getByText('5 changes waiting to sync')).toBeVisible(); // start, 2 answers, photo, end
  await expect(page.locator('.sync-badge')).toHaveText('Offline · 5 waiting to sync');
  await screenshot(page, 'field-offline-waiting');
  const sessionId = page.url().split('/').pop() as string;
  // Nothing reached the server.
  await expect
    .poll(
      async () =>
        (
          await fetch(`${app.baseURL}/api/v1/sessions/${sessionId}`, {
            headers: { Authorization: `Bearer ${techToken}` },
          })
        ).status,
    )
    .toBe(404);

  // Back online: the queue syncs by itself.
  await context.setOffline(false);
  await expect(sync.getByText('Everything is synced.')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.sync-badge')).toHaveCount(0);
  await screenshot(page, 'field-offline-synced');

  const session = await api<{
    status: string;
    outcome: string;
    answer_count: number;
    path: { note: string | null }[];
  }>(app.baseURL, `/sessions/${sessionId}`, { token: techToken });
  expect(session.status).toBe('completed');
  expect(session.outcome).toBe('resolved');
  expect(session.answer_count).toBe(2);
  expect(session.path[0]?.note).toBe('Gauge read 0.4 bar');
  const files = await api<{ filename: string; node_id: string; url: string }[]>(
    app.baseURL,
    `/sessions/${sessionId}/attachments`,
    { token: techToken },
  );
  expect(files.map((f) => [f.filename, f.node_id])).toEqual([['panel-gps.jpg', 'a1']]);
  const served = Buffer.from(await (await fetch(`${app.baseURL}${files[0]?.url}`)).arrayBuffer());
  expect(served.includes(Buffer.from('PhoneCo'))).toBe(false); // no EXIF (camera, location)
  expect(readFileSync(PHOTO).includes(Buffer.from('PhoneCo'))).toBe(true);

  // In the history, with its photo.
  await page.getByRole('link', { name: 'Open it in the history' }).click();
  await expect(page.getByRole('heading', { name: 'Session complete' })).toBeVisible();
  await expect(
    page.getByRole('list', { name: 'Session files' }).getByRole('img', { name: 'panel-gps.jpg' }),
  ).toBeVisible();
  await expect
    .poll(() =>
      page
        .getByRole('list', { name: 'Session files' })
        .getByRole('img')
        .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
    )
    .toBeGreaterThan(0);
  await screenshot(page, 'field-offline-history-session');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('link', { name: TREE })).toBeVisible();
  await screenshot(page, 'field-offline-history');

  // In the PDF transcript, with the thumbnail inline and the file listed.
  const pdf = await fetch(`${app.baseURL}/api/v1/sessions/${sessionId}/export`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${techToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ format: 'pdf' }),
  });
  expect(pdf.status).toBe(200);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  expect(bytes.includes(Buffer.from('/Subtype /Image'))).toBe(true);
  writeFileSync(join(test.info().project.outputDir, 'field-offline-transcript.pdf'), bytes);
});

test('a session started online goes on on the device when the connection drops, and syncs', async ({
  page,
  context,
  app,
}) => {
  const admin = {
    full_name: 'Ole Online',
    email: `ole-${suffix}@example.com`,
    password: 'field work passphrase',
    account_name: `Heating two ${suffix}`,
  };
  const { token } = await registerAndSignIn(app.baseURL, admin);
  const treeId = await publishedTree(app.baseURL, token, { title: `${TREE} two`, graph });
  await signIn(page, admin.email, admin.password);
  await page.goto(`/trees/${treeId}/start`);
  await page.getByRole('button', { name: /Yes, below 1 bar/ }).click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Top up the system through the filling loop' })).toBeVisible();
  const sessionId = page.url().split('/').pop() as string;
  await appWorksOffline(page);

  await context.setOffline(true);
  await page.getByRole('button', { name: 'Continue on this device' }).click();
  await expect(page).toHaveURL(new RegExp(`/field/${sessionId}$`));
  await page.getByRole('button', { name: /Done, it holds 1.5 bar/ }).click();
  await page.getByRole('button', { name: /Complete/ }).click();
  await expect(page.getByRole('region', { name: 'Sync' }).getByText('2 changes waiting to sync')).toBeVisible();
  await screenshot(page, 'field-continue-offline');

  await context.setOffline(false);
  await expect(page.getByRole('region', { name: 'Sync' }).getByText('Everything is synced.')).toBeVisible({
    timeout: 30_000,
  });
  const session = await api<{ status: string; answer_count: number }>(app.baseURL, `/sessions/${sessionId}`, { token });
  expect(session).toMatchObject({ status: 'completed', answer_count: 2 });
});

test('a change the server refuses after the session changed elsewhere is shown and kept', async ({
  page,
  context,
  app,
}) => {
  const admin = {
    full_name: 'Cleo Conflict',
    email: `cleo-${suffix}@example.com`,
    password: 'field work passphrase',
    account_name: `Heating three ${suffix}`,
  };
  const { token } = await registerAndSignIn(app.baseURL, admin);
  const treeId = await publishedTree(app.baseURL, token, { title: `${TREE} three`, graph });
  await signIn(page, admin.email, admin.password);
  await page.goto(`/trees/${treeId}/start`);
  await page.getByRole('button', { name: /Yes, below 1 bar/ }).click();
  await expect(page.getByRole('heading', { name: 'Top up the system through the filling loop' })).toBeVisible();
  const sessionId = page.url().split('/').pop() as string;
  await appWorksOffline(page);
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Continue on this device' }).click();
  await page.getByRole('button', { name: /Done, it holds 1.5 bar/ }).click();
  // Meanwhile the dispatcher ends the session from the office.
  await api(app.baseURL, `/sessions/${sessionId}/abandon`, { token, body: { reason: 'customer_left' } });

  await context.setOffline(false);
  const conflicts = page.getByRole('list', { name: 'Conflicts' });
  await expect(conflicts).toContainText('The session was abandoned elsewhere in the meantime.');
  await expect(conflicts).toContainText('session_not_active');
  await expect(page.locator('.sync-badge')).toHaveText('1 conflict');
  await screenshot(page, 'field-conflict');
  // Kept on the device after a reload.
  await page.reload();
  await expect(page.getByRole('list', { name: 'Conflicts' })).toContainText('session_not_active');
});
