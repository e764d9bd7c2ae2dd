import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is served by mesh under /ui/ (server/http/dashboard.ts), so every asset URL starts there.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: the whole page is a few tens of kB, and the size the README states is what it loads.
    modulePreload: false,
    reportCompressedSize: true,
  },
  logLevel: 'warn',
});
