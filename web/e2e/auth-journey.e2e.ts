// The auth journey of a new team admin, at phone size, against the real app and PostgreSQL:
// register, sign out, sign in, reload and stay signed in (one refresh through the cookie), open
// account admin, create an invite; then a colleague accepts that invite in another browser.

import { randomBytes } from 'node:crypto';

import type { BrowserContext, Page, Request } from '@playwright/test';

import { expect, noHorizontalOverflow, openPage, screenshot, test } from './fixtures';
import { linkFromLog, mailFromLog } from './mail';

const suffix = randomBytes(4).toString('hex');
const admin = {
  name: 'Ada Admin',
  email: `ada-${suffix}@example.com`,
  password: 'correct horse battery staple',
  team: `Field Ops ${suffix}`,
};
const JWT = /ey[A-Za-z0-9_-]{10,}\./;

// One browser for the admin through the whole file: each test goes on from the one before.
test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let inviteLink = '';

test.beforeAll(async ({ browser }) => {
  ({ context, page } = await openPage(browser));
});

test.afterAll(async () => {
  await context?.close();
});

test('registers a new team, signs out and in, survives a reload, and creates an invite', async ({ app, baseURL }) => {
  const refreshCalls: Request[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/api/v1/auth/refresh')) refreshCalls.push(request);
  });

  // A visitor with no session lands on sign in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // Register (the form submits with Enter).
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Your name').fill(admin.name);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByLabel('Team or company name (optional)').fill(admin.team);
  await page.getByLabel('Team or company name (optional)').press('Enter');
  // The answer is the same for a known address, so the page says to check the mail.
  const checkMail = page.getByRole('status');
  await expect(checkMail).toContainText('Check your email');
  await expect(checkMail).toContainText(admin.email);
  await screenshot(page, 'auth-journey-check-your-email');
  await linkFromLog(app.serverLog, admin.email, '/verify-email'); // the new user's verification mail
  await page.getByRole('link', { name: 'Go to sign in' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByLabel('Password').press('Enter');
  await expect(page).toHaveURL(/\/trees$/); // home is the tree library
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: admin.team })).toBeVisible();

  // The tokens are not where scripts can read them; the refresh token is in an HttpOnly,
  // SameSite=Strict cookie scoped to the auth endpoints.
  await expect.poll(() => page.evaluate(() => JSON.stringify(localStorage))).not.toMatch(JWT);
  await expect.poll(() => page.evaluate(() => JSON.stringify(sessionStorage))).not.toMatch(JWT);
  await expect.poll(() => page.evaluate(() => document.cookie)).not.toContain('tt_refresh');
  await expect
    .poll(async () => (await context.cookies(`${baseURL}/api/v1/auth/refresh`)).find((c) => c.name === 'tt_refresh'))
    .toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });

  // Sign out, then sign in again with the keyboard.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByLabel('Password').press('Enter');
  await expect(page).toHaveURL(/\/trees$/);
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: admin.team })).toBeVisible();

  // Reload: the in-memory access token is gone; one refresh call through the cookie restores
  // the session.
  refreshCalls.length = 0;
  await page.reload();
  await expect(page.getByRole('heading', { name: admin.team })).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
  await expect.poll(() => refreshCalls.length).toBe(1);
  expect(refreshCalls[0]?.postData() ?? null).toBeNull(); // no body: the cookie carries it

  // Account admin: plan, members, invites.
  await expect(page.getByRole('region', { name: 'Plan and usage' })).toBeVisible();
  await expect(page.getByText('1 of 5')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Members' })).toBeVisible();
  await expect(page.getByText(`${admin.name} (you)`)).toBeVisible();

  await page.getByLabel('Role', { exact: true }).selectOption('engineer');
  await page.getByRole('button', { name: 'Create invite' }).click();
  const code = page.getByTestId('invite-code');
  await expect(code).toHaveText(/^\S+$/);
  const inviteCode = (await code.textContent()) ?? '';
  await expect(page.getByTestId('invite-link')).toHaveText(`${baseURL}/accept-invite?code=${inviteCode}`);
  inviteLink = `${baseURL}/accept-invite?code=${inviteCode}`;

  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(inviteLink);

  const invites = page.getByRole('region', { name: 'Invite codes' }).getByRole('listitem');
  await expect(invites).toHaveCount(1);
  await expect(invites).toContainText('engineer');
  await expect(invites).toContainText('active');

  await noHorizontalOverflow(page);
  // Everything since the reload ran on the restored access token: still that one refresh.
  expect(refreshCalls).toHaveLength(1);
  await screenshot(page, 'auth-journey-admin');
});

test('lets a colleague accept the invite in another browser', async ({ page: colleague }) => {
  expect(inviteLink, 'the invite link made by the test before').toContain('/accept-invite?code=');
  await colleague.goto(inviteLink);
  await expect(colleague.getByRole('heading', { name: `Join ${admin.team}` })).toBeVisible();
  await expect(colleague.getByText('as an engineer')).toBeVisible();
  // no invite code field: the code comes from the link
  await expect(colleague.getByLabel('Invite code (optional)')).toHaveCount(0);

  await colleague.getByLabel('Your name').fill('Cole Colleague');
  await colleague.getByLabel('Email').fill(`cole-${suffix}@example.com`);
  await colleague.getByLabel('Password').fill('another long passphrase');
  await colleague.getByRole('button', { name: 'Join the team' }).click();
  await expect(colleague.getByRole('status')).toContainText('Check your email');
  await colleague.getByRole('link', { name: 'Go to sign in' }).click();
  await colleague.getByLabel('Email').fill(`cole-${suffix}@example.com`);
  await colleague.getByLabel('Password').fill('another long passphrase');
  await colleague.getByLabel('Password').press('Enter');
  await expect(colleague).toHaveURL(/\/trees$/); // home is the tree library
  await colleague.getByRole('link', { name: 'Account' }).click();
  await expect(colleague).toHaveURL(/\/account$/);
  await expect(colleague.getByRole('heading', { name: admin.team })).toBeVisible();
  await expect(colleague.getByText('2 of 5')).toBeVisible();
  // an engineer sees the members but not the invites
  await expect(colleague.getByRole('region', { name: 'Members' })).toBeVisible();
  await expect(colleague.getByRole('region', { name: 'Invite codes' })).toHaveCount(0);
  await screenshot(colleague, 'auth-journey-colleague');

  // The admin sees the new member and the used-up invite.
  await page.reload();
  await expect(
    page.getByRole('region', { name: 'Members' }).getByText('Cole Colleague', { exact: true }),
  ).toBeVisible();
  const invites = page.getByRole('region', { name: 'Invite codes' }).getByRole('listitem');
  await expect(invites).toHaveCount(1);
  await expect(invites).toContainText('used up');
  await screenshot(page, 'auth-journey-admin-after-invite');
});

test('answers a registration of a known address as any other, and mails its owner', async ({ app, page: stranger }) => {
  await stranger.goto('/register');
  await stranger.getByLabel('Your name').fill('Someone Else');
  await stranger.getByLabel('Email').fill(admin.email);
  await stranger.getByLabel('Password').fill('a guess at a passphrase');
  await stranger.getByRole('button', { name: 'Create account' }).click();
  const checkMail = stranger.getByRole('status');
  await expect(checkMail).toContainText('Check your email');
  await expect(checkMail).toContainText(admin.email);
  // The same words a new address gets: nothing on the page says the address is taken.
  await expect(stranger.getByRole('alert')).toHaveCount(0);
  await screenshot(stranger, 'auth-journey-check-your-email-known');

  const mail = await mailFromLog(app.serverLog, admin.email, 'Someone tried to create a TroubleTree account');
  expect(mail).toContain('/sign-in');
  expect(mail).toContain('/forgot-password');
  // The guess did not replace the owner's password.
  await stranger.goto('/sign-in');
  await stranger.getByLabel('Email').fill(admin.email);
  await stranger.getByLabel('Password').fill('a guess at a passphrase');
  await stranger.getByLabel('Password').press('Enter');
  await expect(stranger.getByRole('alert')).toBeVisible();
  await expect(stranger).toHaveURL(/\/sign-in/);
});

test('signs out every tab when one tab signs out', async () => {
  const second = await context.newPage();
  try {
    // A second tab restores the session from the cookie on its own.
    await second.goto('/account');
    await expect(second.getByRole('heading', { name: admin.team })).toBeVisible();
    await second.evaluate(() => {
      (window as unknown as { sameDocument?: boolean }).sameDocument = true;
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    // The other tab follows without a reload.
    await expect(second).toHaveURL(/\/sign-in/);
    await expect(second.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    // still the same document: the tab was told, not reloaded
    await expect
      .poll(() => second.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument))
      .toBe(true);
    await screenshot(second, 'auth-journey-second-tab-signed-out');
  } finally {
    await second.close();
  }
});
