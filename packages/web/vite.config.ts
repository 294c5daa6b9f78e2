import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// The server sends a strict CSP (`script-src 'self'; style-src 'self'`), so the build must emit
// every script and stylesheet as a file: no inline bootstrap, no data: URIs, no style attributes.
export default defineConfig({
  plugins: [
    react(),
    // The app installs on phones: a manifest, icons and a service worker (src/sw.ts) that precaches
    // the app shell only. docs/pwa.md says what is cached, what never is, and how updates roll out.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // The worker activates as soon as it installs (skipWaiting + clients.claim in src/sw.ts).
      registerType: 'autoUpdate',
      // A <script src="/registerSW.js"> file: the CSP allows no inline script.
      injectRegister: 'script',
      injectManifest: {
        // The shell: index.html, the hashed JS and CSS, the icons and the manifest. Nothing the
        // app fetches at run time (API, blobs) is a build output, so nothing of it can be listed.
        // The manifest's icons and the manifest itself are added by the plugin.
        globPatterns: [
          'index.html',
          'registerSW.js',
          'assets/*.{js,css}',
          'favicon.svg',
          'apple-touch-icon.png',
        ],
        // A classic worker script: one function scope, no module syntax.
        rollupFormat: 'iife',
      },
      manifest: {
        name: 'Cinder',
        short_name: 'Cinder',
        description: 'Chat where burn messages are destroyed everywhere once read.',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        lang: 'en',
        dir: 'ltr',
        // tokens.css: --bg of the light theme; the dark theme follows through <meta name="theme-color">.
        theme_color: '#f6f4f1',
        background_color: '#f6f4f1',
        categories: ['social', 'communication'],
        // Rendered from public/favicon.svg and src/pwa/icon-maskable.svg: see docs/pwa.md.
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
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
