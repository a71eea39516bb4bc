import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';

// `npm run dev` serves the app on :5173 and forwards /api to a local `troubletree serve`.
export default defineConfig({
  plugins: [
    react(),
    // The app installs as a PWA and opens without a connection: the service worker precaches the
    // built app and answers every page address with it. The API is never cached by it (what a
    // technician runs offline is kept in IndexedDB: src/features/offline).
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script', // a /registerSW.js file: no inline script under the CSP
      includeAssets: ['favicon.svg'],
      manifest: {
        name: 'TroubleTree',
        short_name: 'TroubleTree',
        description: 'Guided troubleshooting, also without a connection',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#1f5f8b',
        background_color: '#ffffff',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,woff2,ttf}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/healthz/, /^\/readyz/, /^\/metrics/],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
        maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
      },
    }),
  ],
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  test: {
    restoreMocks: true,
    // Logic tests (*.test.ts) run in node; component tests (*.test.tsx) in happy-dom with
    // Testing Library. `npm run bench:model` runs bench/*.bench.ts (times only, no verdict).
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'dom',
          include: ['src/**/*.test.tsx'],
          environment: 'happy-dom',
          setupFiles: ['src/test/setup.ts'],
        },
      },
    ],
    benchmark: { include: ['bench/**/*.bench.ts'] },
  },
});
