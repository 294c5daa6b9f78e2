import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// The server sends a strict CSP (`script-src 'self'; style-src 'self'`), so the build must emit
// every script and stylesheet as a file: no inline bootstrap, no data: URIs, no style attributes.
export default defineConfig({
  plugins: [react()],
  // The workspace packages' TypeScript source (the first entry of their exports), so `npm run dev`
  // reloads on an SDK or protocol edit without a build of their dist/.
  resolve: { conditions: ['@cinder/source', ...defaultClientConditions] },
  // `npm run dev -w @cinder/web`: hot reload on :5173, API and WebSocket proxied to `npm start` on :8080,
  // so the app still talks to its own origin as it does in production.
  server: {
    proxy: {
      '/v1': { target: 'http://127.0.0.1:8080', ws: true },
      '/healthz': 'http://127.0.0.1:8080',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The modulepreload polyfill is an inline-able helper; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    target: 'es2022',
  },
});
