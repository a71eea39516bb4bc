// Debian's Chromium (no Playwright browser download) and the window sizes of the e2e tests.
// Imported by playwright.config.ts, so nothing here imports @playwright/test.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// --headless and --user-data-dir (a fresh temporary profile) are given by Playwright itself.
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The default window: technicians use TroubleTree on their phones. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };
