// Playwright's global setup: starts the app once for the whole run; the function it returns is
// the global teardown (stop the app, drop the database). The tests get the app's URL and log
// through the `app` fixture (e2e/fixtures.ts), which reads the variables set here (the workers
// inherit the environment of the runner).

import type { FullConfig } from '@playwright/test';

import { startApp } from './server';

export const BASE_URL_ENV = 'TT_E2E_BASE_URL';
export const SERVER_LOG_ENV = 'TT_E2E_SERVER_LOG';

export default async function globalSetup(config: FullConfig) {
  // Playwright empties its output folder (test-results/) before this runs: the log goes there.
  const resultsDir = config.projects[0]?.outputDir;
  if (!resultsDir) throw new Error('playwright config without a project');
  const app = await startApp(resultsDir);
  process.env[BASE_URL_ENV] = app.baseURL;
  process.env[SERVER_LOG_ENV] = app.logFile;
  return () => app.stop();
}
