import { defineConfig } from 'vitest/config';

// Browser benchmarks (`npm run bench:editor`): the real app on a fresh database, like the e2e
// tests, driven by playwright-core in Debian's Chromium. Results go to bench/results/.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench-e2e.ts'],
    environment: 'node',
    globalSetup: ['./e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
