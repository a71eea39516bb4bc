import { defineConfig } from '@playwright/test';

import { CHROMIUM, CHROMIUM_FLAGS, PHONE } from './e2e/chromium';

// End-to-end tests (`npm run e2e`, which builds the web app first): the real app
// (`troubletree serve`) on a fresh PostgreSQL database, started once by e2e/global-setup.ts,
// driven by @playwright/test in Debian's Chromium. The tests share that one app, so they run one
// at a time in a single worker. Screenshots and the app's server.log go to test-results/.
// The benchmarks have their own config: playwright.bench.config.ts.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.e2e.ts',
  outputDir: 'test-results',
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // A shared 2-core machine: the app, PostgreSQL and Chromium compete for it.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_FLAGS },
    viewport: PHONE,
    permissions: ['clipboard-read', 'clipboard-write'],
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: { mode: 'only-on-failure', fullPage: true },
    trace: 'off',
    video: 'off',
  },
});
