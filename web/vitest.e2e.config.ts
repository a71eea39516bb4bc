import { defineConfig } from 'vitest/config';

// End-to-end tests: the real app (`troubletree serve`) on a fresh PostgreSQL database, driven by
// playwright-core in Debian's Chromium. `npm run e2e` builds the web app first.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['./e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
