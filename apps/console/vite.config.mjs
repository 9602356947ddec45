// The console is static files the gateway serves at /console: relative asset URLs under that base, hashed
// names (cached for good by the gateway), and the workspace's libraries resolved from source like the
// TypeScript path aliases do.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const lib = (relative) => fileURLToPath(new URL(`../../libs/${relative}`, import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  plugins: [preact()],
  resolve: {
    alias: {
      '@media/client': lib('client/src/index.ts'),
      '@media/asset-model': lib('asset-model/src/index.ts'),
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    // hls.js alone is ~580 kB minified; it is its own chunk, loaded only when a video is shown.
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npx nx serve console` next to a running gateway: the API calls go to it.
    proxy: Object.fromEntries(['/assets', '/tus', '/cdn', '/webhooks', '/docs'].map((route) => [route, process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000'])),
  },
});
