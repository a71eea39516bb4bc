// The pages opened from emails (verify email, reset password: the token in the fragment, and a
// used link said so when it opens), and keyboard reachability.

import { randomBytes } from 'node:crypto';

import type { BrowserContext, Page } from '@playwright/test';

import { type ApiFeatures, api, apiFeatures } from './api';
import { expect, openPage, screenshot, signIn, test } from './fixtures';
import { linkFromLog } from './mail';

const user = {
  full_name: 'Vera Verify',
  email: `vera-${randomBytes(4).toString('hex')}@example.com`,
  password: 'first long passphrase',
  account_name: 'Basement Crew',
};
const newPassword = 'second long passphrase';

// One browser for Vera through the whole file: each test goes on from the one before.
test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let features: ApiFeatures;

test.beforeAll(async ({ browser, app }) => {
  features = await apiFeatures(app.baseURL);
  await api(app.baseURL, '/auth/register', { body: user, status: 202 });
  ({ context, page } = await openPage(browser));
});

test.afterAll(async () => {
  await context?.close();
});

test('verifies the email address from the emailed link', async ({ app }) => {
  await signIn(page, user.email, user.password);
  await expect(page.getByText('Please confirm your email address.')).toBeVisible();

  const link = await linkFromLog(app.serverLog, user.email, '/verify-email');
  await page.goto(link);
  await expect(page.getByText('Your email address is verified.')).toBeVisible();
  await screenshot(page, 'email-verified');

  if (features.linkChecks) {
    // Opened again (the same address: a reload): already used, said at once.
    await page.reload();
    await expect(page.getByRole('alert')).toContainText('This link was already used.');
  }
  await page.getByRole('link', { name: 'Continue to TroubleTree' }).click();
  await expect(page).toHaveURL(/\/trees$/);
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: user.account_name })).toBeVisible();
  await expect(page.getByText('Please confirm your email address.')).toHaveCount(0);
});

test('reaches every action of the account page with the Tab key', async () => {
  await page.goto('/account');
  await expect(page.getByRole('button', { name: 'Create invite' })).toBeVisible();

  // What has the focus after each Tab: "tag:label".
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
  await expect(page.getByTestId('invite-code')).toHaveText(/^\S+$/);
  await page.getByRole('button', { name: 'Copy code' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  await expect
    .poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toBe(await page.getByTestId('invite-code').textContent());
  await screenshot(page, 'keyboard-invite');
});

test('resets a forgotten password from the emailed link', async ({ app }) => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  // The sign-in page has an Email field too: wait for the new page before typing.
  await expect(page.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Email').press('Enter');
  await expect(page.getByText('a reset link is on its way')).toBeVisible();

  const link = await linkFromLog(app.serverLog, user.email, '/reset-password');
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill('not the same');
  await page.getByLabel('Repeat the new password').press('Enter');
  await expect(page.getByText('The two passwords are not the same.')).toBeVisible();
  await page.getByLabel('Repeat the new password').fill(newPassword);
  await page.getByLabel('Repeat the new password').press('Enter');
  await expect(page.getByText('Your password was changed.')).toBeVisible();
  await screenshot(page, 'password-reset');

  // The same link does not work twice: it says so when it is opened, before any typing (an API
  // that can check links), or when the new password is sent. (The same address again: a reload.)
  await page.reload();
  if (features.linkChecks) {
    await expect(page.getByRole('alert')).toContainText('This link was already used.');
    await expect(page.getByLabel('New password', { exact: true })).toHaveCount(0);
    await screenshot(page, 'reset-link-used');
  } else {
    await page.getByLabel('New password', { exact: true }).fill('third long passphrase');
    await page.getByLabel('Repeat the new password').fill('third long passphrase');
    await page.getByLabel('Repeat the new password').press('Enter');
    await expect(page.getByRole('alert').getByText(/invalid, expired or already used/)).toBeVisible();
  }
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();

  // The old password no longer works, the new one does.
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('Password').press('Enter');
  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Password').fill(newPassword);
  await page.getByLabel('Password').press('Enter');
  await expect(page).toHaveURL(/\/trees$/);
  await screenshot(page, 'signed-in-with-new-password');
});
