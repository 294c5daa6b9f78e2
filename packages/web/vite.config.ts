import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server sends a strict CSP (`script-src 'self'; style-src 'self'`), so the build must emit
// every script and stylesheet as a file: no inline bootstrap, no data: URIs, no style attributes.
export default defineConfig({
  plugins: [react()],
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
