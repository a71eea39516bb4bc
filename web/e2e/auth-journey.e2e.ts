// The auth journey of a new team admin, at phone size, against the real app and PostgreSQL:
// register, sign out, sign in, reload and stay signed in (one refresh through the cookie), open
// account admin, create an invite; then a colleague accepts that invite in another browser.

import { randomBytes } from 'node:crypto';

import type { Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

import { openBrowser, screenshot, type Browser } from './browser';

const baseURL = inject('baseURL');
const suffix = randomBytes(4).toString('hex');
const admin = {
  name: 'Ada Admin',
  email: `ada-${suffix}@example.com`,
  password: 'correct horse battery staple',
  team: `Field Ops ${suffix}`,
};

async function expectVisible(page: Page, selector: Parameters<Page['getByRole']>[0], name: string | RegExp) {
  await page.getByRole(selector, { name }).first().waitFor({ state: 'visible', timeout: 15_000 });
}

describe('auth journey', () => {
  let browser: Browser;
  let inviteLink = '';

  beforeAll(async () => {
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

  it('registers a new team, signs out and in, survives a reload, and creates an invite', async () => {
    const { page } = browser;
    const refreshCalls: Request[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/auth/refresh')) refreshCalls.push(request);
    });

    // A visitor with no session lands on sign in.
    await page.goto('/');
    await page.waitForURL(/\/sign-in/);
    await expectVisible(page, 'heading', 'Sign in');

    // Register (the form submits with Enter).
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(admin.name);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByLabel('Team or company name (optional)').fill(admin.team);
    await page.getByLabel('Team or company name (optional)').press('Enter');
    await page.waitForURL(/\/trees$/); // home is the tree library
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/account$/);
    await expectVisible(page, 'heading', admin.team);

    // The tokens are not where scripts can read them.
    const storage = await page.evaluate(() => ({
      local: JSON.stringify(localStorage),
      session: JSON.stringify(sessionStorage),
      cookies: document.cookie,
    }));
    expect(storage.local).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./); // no JWT
    expect(storage.session).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);
    expect(storage.cookies).not.toContain('tt_refresh');
    const cookies = await browser.context.cookies(`${baseURL}/api/v1/auth/refresh`);
    const refreshCookie = cookies.find((c) => c.name === 'tt_refresh');
    expect(refreshCookie?.httpOnly).toBe(true);
    expect(refreshCookie?.sameSite).toBe('Strict');
    expect(refreshCookie?.path).toBe('/api/v1/auth');

    // Sign out, then sign in again with the keyboard.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/trees$/); // home is the tree library
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/account$/);
    await expectVisible(page, 'heading', admin.team);

    // Reload: the in-memory access token is gone; one refresh call through the cookie restores
    // the session.
    refreshCalls.length = 0;
    await page.reload();
    await expectVisible(page, 'heading', admin.team);
    expect(page.url()).toMatch(/\/account$/);
    expect(refreshCalls).toHaveLength(1);
    expect(refreshCalls[0]?.postData() ?? null).toBeNull(); // no body: the cookie carries it

    // Account admin: plan, members, invites.
    await expectVisible(page, 'region', 'Plan and usage');
    await page.getByText('1 of 5').waitFor();
    await expectVisible(page, 'region', 'Members');
    await expect(page.getByText(`${admin.name} (you)`).isVisible()).resolves.toBe(true);

    await page.getByLabel('Role', { exact: true }).selectOption('engineer');
    await page.getByRole('button', { name: 'Create invite' }).click();
    const code = page.getByTestId('invite-code');
    await code.waitFor({ state: 'visible' });
    inviteLink = (await page.getByTestId('invite-link').textContent()) ?? '';
    expect(inviteLink).toContain('/accept-invite?code=');
    expect(inviteLink).toContain(await code.textContent());

    await page.getByRole('button', { name: 'Copy link' }).click();
    await expectVisible(page, 'button', 'Copied');
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    expect(clipboard).toBe(inviteLink);

    const invites = page.getByRole('region', { name: 'Invite codes' }).getByRole('listitem');
    await invites.first().waitFor();
    await expect(invites.first().textContent()).resolves.toContain('engineer');
    await expect(invites.first().textContent()).resolves.toContain('active');

    // Nothing is wider than the phone screen.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);

    await screenshot(page, 'auth-journey-admin');
  });

  it('lets a colleague accept the invite in another browser', async () => {
    expect(inviteLink).not.toBe('');
    const colleague = await openBrowser(baseURL);
    try {
      const { page } = colleague;
      await page.goto(inviteLink);
      await expectVisible(page, 'heading', `Join ${admin.team}`);
      await expect(page.getByText('as an engineer').isVisible()).resolves.toBe(true);
      // no invite code field: the code comes from the link
      expect(await page.getByLabel('Invite code (optional)').count()).toBe(0);

      await page.getByLabel('Your name').fill('Cole Colleague');
      await page.getByLabel('Email').fill(`cole-${suffix}@example.com`);
      await page.getByLabel('Password').fill('another long passphrase');
      await page.getByRole('button', { name: 'Join the team' }).click();
      await page.waitForURL(/\/trees$/); // home is the tree library
      await page.getByRole('link', { name: 'Account' }).click();
      await page.waitForURL(/\/account$/);
      await expectVisible(page, 'heading', admin.team);
      await page.getByText('2 of 5').waitFor();
      // an engineer sees the members but not the invites
      expect(await page.getByRole('region', { name: 'Invite codes' }).count()).toBe(0);
      await screenshot(page, 'auth-journey-colleague');
    } finally {
      await colleague.close();
    }

    // The admin sees the new member and the used-up invite.
    const { page } = browser;
    await page.reload();
    await expectVisible(page, 'region', 'Members');
    await page.getByText('Cole Colleague', { exact: true }).waitFor();
    await page.getByText('used up').waitFor();
    await screenshot(page, 'auth-journey-admin-after-invite');
  });

  it('signs out every tab when one tab signs out', async () => {
    const { context, page } = browser;
    const second = await context.newPage();
    try {
      // A second tab restores the session from the cookie on its own.
      await second.goto('/account');
      await expectVisible(second, 'heading', admin.team);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/sign-in/);
      // The other tab follows without a reload.
      await second.waitForURL(/\/sign-in/);
      await expectVisible(second, 'heading', 'Sign in');
      await screenshot(second, 'auth-journey-second-tab-signed-out');
    } finally {
      await second.close();
    }
  });
});
