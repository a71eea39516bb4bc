// The pages opened from emails (verify email, reset password), and keyboard reachability.

import { randomBytes } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

import { openBrowser, screenshot, type Browser } from './browser';
import { linkFromLog } from './mail';

const baseURL = inject('baseURL');
const serverLog = inject('serverLog');
const user = {
  full_name: 'Vera Verify',
  email: `vera-${randomBytes(4).toString('hex')}@example.com`,
  password: 'first long passphrase',
  account_name: 'Basement Crew',
};
const newPassword = 'second long passphrase';

describe('email links and keyboard', () => {
  let browser: Browser;

  beforeAll(async () => {
    const response = await fetch(`${baseURL}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(user),
    });
    expect(response.status).toBe(201);
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

  it('verifies the email address from the emailed link', async () => {
    const { page } = browser;
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/trees$/);
    await page.getByText('Please confirm your email address.').waitFor();

    const link = await linkFromLog(serverLog, user.email, '/verify-email');
    await page.goto(link);
    await page.getByText('Your email address is verified.').waitFor();
    await screenshot(page, 'email-verified');

    await page.getByRole('link', { name: 'Continue to TroubleTree' }).click();
    await page.waitForURL(/\/trees$/);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: user.account_name }).waitFor();
    expect(await page.getByText('Please confirm your email address.').count()).toBe(0);
  });

  it('reaches every action of the account page with the Tab key', async () => {
    const { page } = browser;
    await page.goto('/account');
    await page.getByRole('button', { name: 'Create invite' }).waitFor();

    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const name = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return '';
        const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
        return `${el.tagName.toLowerCase()}:${(label ?? el.getAttribute('aria-label') ?? el.textContent ?? '').trim()}`;
      });
      reached.add(name);
    }
    for (const expected of [
      'a:Skip to content',
      'a:Account',
      'button:Sign out',
      'button:Remove',
      'select:Role',
      'input:Uses',
      'select:Expires after',
      'button:Create invite',
    ]) {
      expect(reached, `${expected} not reachable with Tab`).toContain(expected);
    }

    // Create an invite with the keyboard only: focus the button and press Enter.
    await page.getByRole('button', { name: 'Create invite' }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('invite-code').waitFor();
    await page.getByRole('button', { name: 'Copy code' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    await screenshot(page, 'keyboard-invite');
  });

  it('resets a forgotten password from the emailed link', async () => {
    const { page } = browser;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Email').press('Enter');
    await page.getByText('a reset link is on its way').waitFor();

    const link = await linkFromLog(serverLog, user.email, '/reset-password');
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill('not the same');
    await page.getByLabel('Repeat the new password').press('Enter');
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByLabel('Repeat the new password').press('Enter');
    await page.getByText('Your password was changed.').waitFor();
    await screenshot(page, 'password-reset');

    // The same link does not work twice.
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('third long passphrase');
    await page.getByLabel('Repeat the new password').fill('third long passphrase');
    await page.getByLabel('Repeat the new password').press('Enter');
    await page.getByRole('alert').getByText(/invalid, expired or already used/).waitFor();

    // The old password no longer works, the new one does.
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(newPassword);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(/\/trees$/);
    await screenshot(page, 'signed-in-with-new-password');
  });
});
