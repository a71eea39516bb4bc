import { defineConfig } from '@playwright/test';

import e2e from './playwright.config';

// Browser benchmarks (`npm run bench:editor`): the app started like for the e2e tests, in the same
// Chromium; times go to bench/results/ and are reported, never asserted. Screenshots and the
// app's log go to test-results/bench/.
export default defineConfig(e2e, {
  testDir: 'bench',
  testMatch: '**/*.bench-e2e.ts',
  outputDir: 'test-results/bench',
  timeout: 300_000,
});
