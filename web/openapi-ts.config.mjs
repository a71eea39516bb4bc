// Client generation: web/openapi.json (dumped by scripts/dump_openapi.py) -> src/client.
// Run `npm run generate`; never edit src/client by hand. The base URL and the fetch used at run
// time are set in src/lib/api/setup.ts.
import { defineConfig } from '@hey-api/openapi-ts';

export const plugins = ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk', '@tanstack/react-query'];

export default defineConfig({
  input: 'openapi.json',
  output: { path: 'src/client' },
  plugins,
});
